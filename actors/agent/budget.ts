/**
 * Per-tenant budgets (config `gateway.usage.budgets`, docs/gateway-operations.md “Usage and budgets”) and prices: the
 * check that refuses a new run of a tenant at or past a token or cost limit of the current UTC day or month, summed
 * from the usage rows in storage (ADR 0027). The gateway runs it before the runs it starts; an agent runs it before
 * each delegation it starts inside the mesh, so runs that no gateway saw are held to the same budgets.
 */
import { BudgetExceededError } from '../../protocols/index.js';
import type { TroupeConfig } from '../../config/index.js';
import { UsageStore, usageDay, type UsageTotal } from './usage.js';
import type { Clock, Storage } from '../../runtime/index.js';

/** Budgets and prices (config `gateway.usage`). */
export type UsageConfig = TroupeConfig['gateway']['usage'];
/** Prices per model, per 1M input and output tokens (config `gateway.usage.prices`). */
export type ModelPrices = UsageConfig['prices'];
type Limit = { readonly tokens?: number | undefined; readonly cost?: number | undefined };

/** The cost of `input` and `output` tokens of `model`; null when the model has no price. */
export function costOf(prices: ModelPrices, model: string, input: number, output: number): number | null {
  const p = prices[model];
  return p === undefined ? null : (p.input * input + p.output * output) / 1_000_000;
}

/** Rows with their cost, and the totals (cost null when any row's model has no price). */
export function priced(rows: readonly UsageTotal[], prices: ModelPrices): { rows: unknown[]; total: Record<string, number | null> } {
  let input = 0;
  let output = 0;
  let runs = 0;
  let cost: number | null = 0;
  const out = rows.map((r) => {
    const c = costOf(prices, r.model, r.input_tokens, r.output_tokens);
    input += r.input_tokens;
    output += r.output_tokens;
    runs += r.runs;
    cost = c === null || cost === null ? null : cost + c;
    return { ...r, cost: c };
  });
  return { rows: out, total: { input_tokens: input, output_tokens: output, runs, cost } };
}

/** Why `limit` is reached by `tokens` and `cost` over `period`; undefined while under it. */
function reached(period: string, limit: Limit | undefined, tokens: number, cost: number | null): string | undefined {
  if (limit?.tokens !== undefined && tokens >= limit.tokens) return `${period} token budget of ${limit.tokens} reached (${tokens} used)`;
  if (limit?.cost !== undefined && cost !== null && cost >= limit.cost)
    return `${period} cost budget of ${limit.cost} reached (${cost} spent)`;
  return undefined;
}

/** A check that throws `budget_exceeded` when `tenant` is at or past a budget of this day or month. */
export function budgetCheck(storage: Storage, clock: Clock, usage: UsageConfig): (tenant: string) => Promise<void> {
  const store = new UsageStore(storage);
  const prices: ModelPrices = usage.prices;
  return async (tenant) => {
    const budget = usage.budgets[tenant];
    if (budget === undefined) return;
    const today = usageDay(clock.now());
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
