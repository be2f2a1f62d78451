/**
 * Existing runs: `GET /threads/{t}/runs`, `GET /threads/{t}/runs/{r}`, `…/join`, `…/stream`
 * (also `GET /runs/{r}/stream`), `POST …/cancel`. A join replays the run's logged events, so a
 * caller who comes late (or to another node) sees the same stream; `Last-Event-ID` (a seq)
 * skips what it already has.
 */
import { NotFoundError, type RunStatus } from '../../protocols/index.js';
import type { RunRecord } from '../../protocols/index.js';
import type { TimerHandle } from '../../runtime/index.js';
import { readBody, sendJson, unprocessableError } from '../http.js';
import { STREAM_MODES, streamModes, type StreamMode } from './schemas.js';
import { getRecord, runBase, runLocation, RunSession, type AcpCall, type AcpContext } from './session.js';
import { lgRun, lgRunStatus, type AcpRunRecord } from './shapes.js';
import { parseEventId } from './translate.js';
import { answerWhenDone, cancelRun, followRun } from './follow.js';

interface Found {
  readonly runId: string;
  readonly threadId: string;
  readonly run: RunRecord | undefined;
  readonly record: AcpRunRecord | undefined;
}

/** Run `runId` of this tenant (on `threadId` when given), or 404 — also for another tenant's run. */
async function findRun(ctx: AcpContext, tenant: string, runId: string, threadId?: string): Promise<Found> {
  const [run, record] = await Promise.all([ctx.store.getRun(tenant, runId), getRecord(ctx, tenant, runId)]);
  const tid = run?.thread_id ?? record?.thread_id;
  if (tid === undefined || (threadId !== undefined && tid !== threadId)) throw new NotFoundError(`run ${runId} not found`);
  return { runId, threadId: tid, run, record };
}

function location(ctx: AcpContext, f: Found): string {
  return runLocation(ctx, f.threadId, f.runId, f.record?.temporary === true);
}

/**
 * A session following `f` from its start (or, for a run this part did not start, from now).
 * With `stopAfterNow` only a stop after the events logged so far ends it (a cancel of a run
 * that waits for a human must see the run end, not the interrupt it already had).
 */
async function follow(
  ctx: AcpContext,
  tenant: string,
  f: Found,
  modes: ReadonlySet<StreamMode>,
  quietUpTo: number,
  stopAfterNow = false,
  resumeIndex?: number,
  resuming = false,
): Promise<RunSession> {
  const base = await runBase(ctx, tenant, f.record);
  const assistantId = f.record?.assistant_id ?? f.run?.assistant_id ?? '';
  let spec = {
    tenant,
    runId: f.runId,
    threadId: f.threadId,
    assistantId,
    modes,
    quietUpTo,
    ...(resumeIndex === undefined || quietUpTo === 0 ? {} : { resumeIndex }),
    noOpening: resuming,
    base: base ?? [],
    afterSeq: 0,
  };
  if (base === undefined) {
    const t = await ctx.store.getThread(tenant, f.threadId);
    spec = { ...spec, base: t?.values.messages ?? [], afterSeq: await ctx.store.lastSeq(tenant, f.runId), quietUpTo: 0 };
  }
  const { session, logged } = await RunSession.open(ctx, spec);
  const status: RunStatus | undefined = f.run?.status;
  const over = status === 'success' || status === 'error' || status === 'cancelled' || status === 'timeout';
  if (stopAfterNow && !over) session.armEnd(logged);
  else if (base === undefined && status !== undefined && status !== 'pending' && status !== 'running') {
    session.translator.status = status;
    session.armEnd(-1);
  } else session.armEnd(0);
  return session;
}

/** `stream_mode` from a query: repeated (`?stream_mode=a&stream_mode=b`) or a JSON array. */
export function queryModes(q: URLSearchParams): StreamMode[] | undefined {
  const raw = q.getAll('stream_mode').flatMap((v) => {
    if (!v.startsWith('[')) return [v];
    try {
      const parsed: unknown = JSON.parse(v);
      return Array.isArray(parsed) ? parsed.map(String) : [v];
    } catch {
      return [v];
    }
  });
  if (raw.length === 0) return undefined;
  const bad = raw.find((m) => !(STREAM_MODES as readonly string[]).includes(m));
  if (bad !== undefined) throw unprocessableError(`unknown stream_mode ${JSON.stringify(bad)}`);
  return raw as StreamMode[];
}

const truthy = (v: string | null): boolean => v === '1' || v === 'true';

/** `GET /threads/{t}/runs/{r}`. */
export async function getRunEndpoint(ctx: AcpContext, call: AcpCall): Promise<void> {
  const f = await findRun(ctx, call.principal.tenant, call.params['run_id'] as string, call.params['thread_id']);
  sendJson(call.res, 200, lgRun(f.run, f.record, ctx.clock));
}

/** `GET /threads/{t}/runs?limit&offset&status`. */
export async function listRuns(ctx: AcpContext, call: AcpCall): Promise<void> {
  const tenant = call.principal.tenant;
  const threadId = call.params['thread_id'] as string;
  await ctx.store.thread(tenant, threadId);
  const num = (name: string, dflt: number, min: number): number => {
    const v = call.query.get(name);
    const n = v === null ? dflt : Number(v);
    if (!Number.isInteger(n) || n < min || n > 1000) throw unprocessableError(`${name} must be an integer from ${min} to 1000`);
    return n;
  };
  const limit = num('limit', 10, 1);
  const offset = num('offset', 0, 0);
  const status = call.query.get('status');
  const runs = await ctx.store.threadRuns(tenant, threadId, Number.MAX_SAFE_INTEGER);
  const hits = runs.filter((r) => status === null || lgRunStatus(r.status) === status || r.status === status);
  sendJson(
    call.res,
    200,
    hits.slice(offset, offset + limit).map((r) => lgRun(r, undefined, ctx.clock)),
  );
}

/** `GET /threads/{t}/runs/{r}/join`: the final values once the run stops. */
export async function joinRun(ctx: AcpContext, call: AcpCall): Promise<void> {
  const tenant = call.principal.tenant;
  const f = await findRun(ctx, tenant, call.params['run_id'] as string, call.params['thread_id']);
  const session = await follow(ctx, tenant, f, streamModes(undefined), Number.POSITIVE_INFINITY);
  await answerWhenDone(ctx, call, session, f.runId, location(ctx, f), truthy(call.query.get('cancel_on_disconnect')));
}

/** `GET /threads/{t}/runs/{r}/stream` and `GET /runs/{r}/stream`: the run's events as SSE. */
export async function joinStream(ctx: AcpContext, call: AcpCall): Promise<void> {
  const tenant = call.principal.tenant;
  const f = await findRun(ctx, tenant, call.params['run_id'] as string, call.params['thread_id']);
  const modes = streamModes(queryModes(call.query) ?? f.record?.stream_mode);
  const last = call.req.headers['last-event-id'];
  const after = parseEventId(typeof last === 'string' ? last : undefined);
  const session = await follow(ctx, tenant, f, modes, after.seq, false, after.index, after.index >= 0);
  await followRun(ctx, call, session, f.runId, location(ctx, f), truthy(call.query.get('cancel_on_disconnect')));
}

/** `POST /threads/{t}/runs/{r}/cancel?wait=0|1&action=interrupt`: 202, or 204 after the run stopped. */
export async function cancelEndpoint(ctx: AcpContext, call: AcpCall): Promise<void> {
  const tenant = call.principal.tenant;
  await readBody(call.req);
  const f = await findRun(ctx, tenant, call.params['run_id'] as string, call.params['thread_id']);
  const action = call.query.get('action') ?? 'interrupt';
  if (action !== 'interrupt') throw unprocessableError(`cancel action ${JSON.stringify(action)} is not supported (only "interrupt")`);
  const assistant = f.record?.assistant_id ?? f.run?.assistant_id ?? '';
  if (!truthy(call.query.get('wait'))) {
    await cancelRun(ctx, tenant, f.runId, assistant);
    sendJson(call.res, 202, undefined);
    return;
  }
  const session = await follow(ctx, tenant, f, streamModes(undefined), Number.POSITIVE_INFINITY, true);
  try {
    await cancelRun(ctx, tenant, f.runId, assistant);
    await session.done;
  } finally {
    session.close();
  }
  sendJson(call.res, 204, undefined);
}

/**
 * Cancels run `runId` and waits (at most `timeoutMs`) until it stopped; false when it was not
 * running or did not stop in time.
 */
export async function cancelAndWait(ctx: AcpContext, tenant: string, runId: string, timeoutMs: number): Promise<boolean> {
  const f = await findRun(ctx, tenant, runId).catch(() => undefined);
  if (f === undefined) return false;
  const session = await follow(ctx, tenant, f, streamModes(undefined), Number.POSITIVE_INFINITY, true);
  let timer: TimerHandle | undefined;
  try {
    await cancelRun(ctx, tenant, runId, f.record?.assistant_id ?? f.run?.assistant_id ?? '');
    const stopped = session.done.then(() => true);
    const late = new Promise<boolean>((resolve) => (timer = ctx.clock.setTimer(timeoutMs, () => resolve(false))));
    return await Promise.race([stopped, late]);
  } catch {
    return false;
  } finally {
    if (timer !== undefined) ctx.clock.clearTimer(timer);
    session.close();
  }
}
