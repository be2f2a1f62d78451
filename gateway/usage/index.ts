/** `/usage`: tokens and cost per tenant, day, agent and model; tenants' budgets. */
export { usageRoute, costOf, priced, param as usageParam, tenantOf as usageTenantOf } from './route.js';
export type { ModelPrices } from './route.js';
export { budgetCheck, withBudgets } from './budget.js';
export type { UsageConfig } from './budget.js';
