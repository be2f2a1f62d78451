/**
 * Per-tenant budgets (config `gateway.usage.budgets`, docs/gateway-operations.md “Usage and budgets”): before a new
 * run of a tenant starts on any surface, the tenant's usage of the current UTC day and month is summed from the
 * node's storage; a run of a tenant already at or past a token or cost limit is refused with `budget_exceeded`
 * (HTTP 429, an error frame on /ws, a JSON-RPC error on A2A). Runs already going finish: a budget stops new runs,
 * so a tenant can end a period somewhat past its limit.
 */
import { BudgetExceededError } from '../../protocols/index.js';
import { UsageStore, usageDay } from '../../actors/index.js';
import type { TroupeConfig } from '../../config/index.js';
import type { GatewayDeps } from '../types.js';
import { priced, type ModelPrices } from './route.js';

/** Budgets and prices (config `gateway.usage`). */
export type UsageConfig = TroupeConfig['gateway']['usage'];
type Limit = { readonly tokens?: number | undefined; readonly cost?: number | undefined };

/** Why `limit` is reached by `tokens` and `cost` over `period`; undefined while under it. */
function reached(period: string, limit: Limit | undefined, tokens: number, cost: number | null): string | undefined {
  if (limit?.tokens !== undefined && tokens >= limit.tokens) return `${period} token budget of ${limit.tokens} reached (${tokens} used)`;
  if (limit?.cost !== undefined && cost !== null && cost >= limit.cost)
    return `${period} cost budget of ${limit.cost} reached (${cost} spent)`;
  return undefined;
}

/** The check `deps.admit` runs: throws `budget_exceeded` when `tenant` is at or past a budget of this day or month. */
export function budgetCheck(deps: GatewayDeps, usage: UsageConfig): (tenant: string) => Promise<void> {
  const store = new UsageStore(deps.system.storage);
  const prices: ModelPrices = usage.prices;
  return async (tenant) => {
    const budget = usage.budgets[tenant];
    if (budget === undefined) return;
    const today = usageDay((deps.clock ?? deps.system.clock).now());
    const month =
      budget.monthly === undefined ? undefined : priced(await store.totals(tenant, { from: `${today.slice(0, 8)}01`, to: today }), prices);
    const day = budget.daily === undefined ? undefined : priced(await store.totals(tenant, { from: today, to: today }), prices);
    const sum = (p: ReturnType<typeof priced> | undefined): [number, number | null] => [
      Number(p?.total['input_tokens'] ?? 0) + Number(p?.total['output_tokens'] ?? 0),
      (p?.total['cost'] as number | null | undefined) ?? null,
    ];
    const why = reached('daily', budget.daily, ...sum(day)) ?? reached('monthly', budget.monthly, ...sum(month));
    if (why !== undefined) throw new BudgetExceededError(`tenant ${tenant}: ${why}; new runs are refused until the period ends`);
  };
}

/** `deps` whose new runs are checked against the tenants' budgets (unchanged when no budget is configured). */
export function withBudgets(deps: GatewayDeps, usage: UsageConfig): GatewayDeps {
  return Object.keys(usage.budgets).length === 0 ? deps : { ...deps, admit: budgetCheck(deps, usage) };
}
