/**
 * `GET /runs/{run_id}/timeline[?tenant=]` (docs/gateway-operations.md, “Run timelines”): one run as spans across
 * agents and nodes (gateway/mesh/timeline.ts). Tenant-scoped: a run of the caller's tenant needs `threads:read:own` and
 * follows thread ownership like `/acp` (another user's run is 404 without `threads:read:tenant`); another tenant's
 * run needs `runs:read:all` (admins).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuditLog, runReads, type ModelPrices } from '../../actors/index.js';
import { NotFoundError, ValidationError, tenantSchema } from '../../protocols/index.js';
import { assertVisible, requirePermission, THREAD_OWNER } from '../auth/index.js';
import { gatewayError, methodNotAllowedError, sendJson } from '../http.js';
import type { GatewayDeps, HttpRoute, Principal } from '../types.js';
import { TimelineBuilder, type RunSource } from './timeline.js';

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_:.-]{0,255}$/;
/** Audit records read per run (a run with more shows the first ones). */
const AUDIT_LIMIT = 1_000;

/** The tenant whose run is asked for, after the permission checks. */
function tenantOf(q: URLSearchParams, principal: Principal): string {
  const all = q.getAll('tenant');
  for (const k of q.keys())
    if (k !== 'tenant') throw new ValidationError(`unknown query parameter ${JSON.stringify(k).slice(0, 60)} (tenant)`);
  if (all.length > 1) throw new ValidationError('tenant: give it once');
  const tenant = all[0] ?? principal.tenant;
  if (!tenantSchema.safeParse(tenant).success) throw new ValidationError('tenant: not a tenant id');
  requirePermission(principal, tenant === principal.tenant ? 'threads:read:own' : 'runs:read:all', 'GET /runs/{run_id}/timeline');
  return tenant;
}

/** `/runs/{run_id}/timeline` over `deps.system.storage`, pricing model calls with `prices`. */
export function timelineRoute(deps: GatewayDeps, prices: ModelPrices = {}): HttpRoute {
  const store = runReads(deps.system.storage);
  const audit = new AuditLog(deps.system.storage);

  async function source(tenant: string, runId: string): Promise<RunSource | undefined> {
    const record = await store.getRun(tenant, runId);
    if (record === undefined) return undefined;
    const [events, page] = await Promise.all([
      store.events(tenant, runId),
      audit.query(tenant, { run: runId, since: new Date(Date.parse(record.created_at) - 60_000).toISOString(), limit: AUDIT_LIMIT }),
    ]);
    return { record, events, audit: page.records };
  }

  return {
    prefix: '/runs',
    async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
      const m = /^\/([^/]+)\/timeline\/?$/.exec(path);
      if (m === null) throw gatewayError('not_found', `no such endpoint: /runs${path.slice(0, 80)} (GET /runs/{run_id}/timeline)`);
      if (req.method !== 'GET') throw methodNotAllowedError('GET /runs/{run_id}/timeline');
      let runId: string;
      try {
        runId = decodeURIComponent(m[1] as string);
      } catch {
        throw new ValidationError('malformed run id in the path');
      }
      if (!RUN_ID.test(runId)) throw new ValidationError('malformed run id in the path');
      const tenant = tenantOf(new URL(req.url ?? '/', 'http://gateway.invalid').searchParams, principal);
      const root = await source(tenant, runId);
      if (root === undefined) throw new NotFoundError(`run ${runId} not found`);
      if (tenant === principal.tenant) {
        const thread = await store.getThread(tenant, root.record.thread_id);
        assertVisible(principal, thread ?? root.record, thread === undefined ? 'user' : THREAD_OWNER, `run ${runId}`);
      }
      const b = new TimelineBuilder(prices, (id) => source(tenant, id));
      await b.add(root, null);
      const run = b.spans[0];
      // Totals over every model call of the timeline, delegated runs' included.
      const models = b.spans.filter((x) => x.kind === 'model');
      const tokens = models.reduce((t, x) => ({ input: t.input + (x.tokens?.input ?? 0), output: t.output + (x.tokens?.output ?? 0) }), {
        input: 0,
        output: 0,
      });
      const cost = models.reduce<number | null>((c, x) => (c === null || x.cost == null ? null : c + x.cost), 0);
      sendJson(res, 200, {
        run_id: runId,
        thread_id: root.record.thread_id,
        tenant,
        agent: root.record.assistant_id,
        status: root.record.status,
        trace_id: run?.detail?.['trace_id'] ?? null,
        start: run?.start ?? null,
        end: run?.end ?? null,
        duration_ms: run?.duration_ms ?? null,
        tokens,
        cost,
        nodes: [...new Set(b.spans.map((s) => s.node).filter((n): n is string => n !== null))],
        agents: [...new Set(b.spans.map((s) => s.agent))],
        spans: b.spans,
      });
    },
  };
}
