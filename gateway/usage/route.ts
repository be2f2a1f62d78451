/**
 * `GET /usage` (docs/gateway-operations.md, “Usage and budgets”): tokens and cost of finished runs per day, agent and
 * model, summed from the node's storage (every node of a mesh reads the same rows, ADR 0027). Query: `from` and `to`
 * (UTC days, default today), `agent`, `model`, and `tenant` — another tenant than the caller's needs the admin role
 * (403 otherwise). Cost comes from the configured price table per 1M tokens; a model without a price has cost null.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UsageStore, costOf, priced, usageDay, type ModelPrices } from '../../actors/index.js';
import { ValidationError } from '../../protocols/index.js';
import { requirePermission } from '../auth/index.js';
import { gatewayError, methodNotAllowedError, sendJson } from '../http.js';
import type { GatewayDeps, HttpRoute, Principal } from '../types.js';

export { costOf, priced, type ModelPrices };

const PARAMS = new Set(['from', 'to', 'agent', 'model', 'tenant']);

/** One query parameter: absent, or a non-empty value of at most 200 characters given once. */
export function param(q: URLSearchParams, name: string): string | undefined {
  const all = q.getAll(name);
  if (all.length === 0) return undefined;
  const v = all[0] as string;
  if (all.length > 1 || v === '' || v.length > 200)
    throw new ValidationError(`${name}: expected one non-empty value of at most 200 characters`);
  return v;
}

/** The tenant (`?tenant=`) a caller of `route` may read metered usage of: its own, or any with `usage:read:all` (admins). */
export function tenantOf(q: URLSearchParams, principal: Principal, route = 'GET /usage'): string {
  const tenant = param(q, 'tenant') ?? principal.tenant;
  requirePermission(principal, tenant === principal.tenant ? 'usage:read' : 'usage:read:all', route);
  return tenant;
}

/** The `/usage` route over `deps` (rows in `deps.system.storage`), pricing with `prices`. */
export function usageRoute(deps: GatewayDeps, prices: ModelPrices = {}): HttpRoute {
  const usage = new UsageStore(deps.system.storage);
  return {
    prefix: '/usage',
    async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
      if (path !== '' && path !== '/') throw gatewayError('not_found', 'usage is read at GET /usage');
      if (req.method !== 'GET') throw methodNotAllowedError('GET /usage');
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      for (const k of q.keys())
        if (!PARAMS.has(k))
          throw new ValidationError(`unknown query parameter ${JSON.stringify(k).slice(0, 60)} (from, to, agent, model, tenant)`);
      const tenant = tenantOf(q, principal);
      const today = usageDay((deps.clock ?? deps.system.clock).now());
      const from = param(q, 'from') ?? today;
      const to = param(q, 'to') ?? (from > today ? from : today);
      const agent = param(q, 'agent');
      const model = param(q, 'model');
      const rows = await usage.totals(tenant, {
        from,
        to,
        ...(agent === undefined ? {} : { agent }),
        ...(model === undefined ? {} : { model }),
      });
      sendJson(res, 200, { tenant, from, to, ...priced(rows, prices) });
    },
  };
}
