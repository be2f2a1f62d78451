/**
 * Per-tenant budgets (config `gateway.usage.budgets`, docs/gateway-operations.md “Usage and budgets”): before a new
 * run of a tenant starts on any surface, the tenant's usage of the current UTC day and month is summed from the
 * node's storage; a run of a tenant already at or past a token or cost limit is refused with `budget_exceeded`
 * (HTTP 429, an error frame on /ws, a JSON-RPC error on A2A). Runs already going finish: a budget stops new runs,
 * so a tenant can end a period somewhat past its limit. The check itself is actors/agent/budget.ts (agents run it
 * before a delegation).
 */
import { budgetCheck as tenantBudgetCheck, type UsageConfig } from '../../actors/index.js';
import type { GatewayDeps } from '../types.js';

export type { UsageConfig };

/** The check `deps.admit` runs: throws `budget_exceeded` when `tenant` is at or past a budget of this day or month. */
export function budgetCheck(deps: GatewayDeps, usage: UsageConfig): (tenant: string) => Promise<void> {
  return tenantBudgetCheck(deps.system.storage, deps.clock ?? deps.system.clock, usage);
}

/** `deps` whose new runs are checked against the tenants' budgets (unchanged when no budget is configured). */
export function withBudgets(deps: GatewayDeps, usage: UsageConfig): GatewayDeps {
  return Object.keys(usage.budgets).length === 0 ? deps : { ...deps, admit: budgetCheck(deps, usage) };
}
