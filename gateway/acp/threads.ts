/**
 * Threads: create, get, patch (metadata), delete, copy, search, count, current state, state at a
 * checkpoint, and history. Reads come from storage; every change is a message to the thread's owner
 * actor (ADR 0018), which orders it with the runs' checkpoints. Every lookup is scoped to the caller's
 * tenant, so another tenant's thread id is simply not found (404, never 403).
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../../protocols/index.js';
import type { ThreadRecord } from '../../protocols/index.js';
import { mayRead, THREAD_OWNER, withoutOwnerChange, withThreadOwner } from '../auth/index.js';
import { methodNotAllowedError, readJson, sendJson } from '../http.js';
import { matches, selectFields } from './assistants.js';
import { cancelAndWait } from './run-reads.js';
import { historyBody, parseBody, stateAtBody, threadCreateBody, threadPatchBody, threadSearchBody } from './schemas.js';
import type { AcpCall, AcpContext } from './session.js';
import { lgCheckpointState, lgThread, lgThreadState } from './shapes.js';

const ALL = Number.MAX_SAFE_INTEGER;

function threadId(call: AcpCall): string {
  return call.params['thread_id'] as string;
}

/** `POST /threads`. */
export async function createThread(ctx: AcpContext, call: AcpCall): Promise<void> {
  const b = parseBody(threadCreateBody, await readJson(call.req), 'thread');
  const t = await ctx.threads.create(call.principal.tenant, {
    thread_id: b.thread_id ?? randomUUID(),
    metadata: withThreadOwner(b.metadata ?? undefined, call.principal),
    if_exists: b.if_exists ?? 'raise',
  });
  sendJson(call.res, 200, lgThread(t));
}

/** `GET /threads/{id}`. */
export async function getThread(ctx: AcpContext, call: AcpCall): Promise<void> {
  sendJson(call.res, 200, lgThread(await ctx.store.thread(call.principal.tenant, threadId(call))));
}

/** `PATCH /threads/{id}`: merges metadata. */
export async function patchThread(ctx: AcpContext, call: AcpCall): Promise<void> {
  const b = parseBody(threadPatchBody, await readJson(call.req), 'thread update');
  sendJson(
    call.res,
    200,
    lgThread(await ctx.threads.patch(call.principal.tenant, threadId(call), withoutOwnerChange(b.metadata ?? undefined, call.principal))),
  );
}

/** `DELETE /threads/{id}`: 204; a run holding the thread is cancelled first. */
export async function deleteThread(ctx: AcpContext, call: AcpCall): Promise<void> {
  const tenant = call.principal.tenant;
  const t = await ctx.store.thread(tenant, threadId(call));
  // A run still holding the thread is cancelled first, and its end awaited, so its last write cannot bring the thread back.
  if ((t.status === 'busy' || t.status === 'interrupted') && t.run_id !== undefined) await cancelAndWait(ctx, tenant, t.run_id, 5_000);
  if (!(await ctx.threads.delete(tenant, t.thread_id))) throw new NotFoundError(`thread ${t.thread_id} not found`);
  sendJson(call.res, 204, undefined);
}

/** `POST /threads/{id}/copy`: a new thread with the same metadata and history, idle. */
export async function copyThread(ctx: AcpContext, call: AcpCall): Promise<void> {
  await readJson(call.req);
  const tenant = call.principal.tenant;
  const copy = await ctx.threads.copy(tenant, threadId(call), randomUUID());
  // The copy belongs to whoever made it, not to the original's owner.
  const stamp = withThreadOwner({}, call.principal);
  const mine = stamp[THREAD_OWNER] === undefined || copy.metadata[THREAD_OWNER] === stamp[THREAD_OWNER];
  const owned = mine ? copy : await ctx.threads.patch(tenant, copy.thread_id, stamp);
  sendJson(call.res, 200, lgThread(owned));
}

async function search(
  ctx: AcpContext,
  call: AcpCall,
  what: string,
): Promise<{ hits: ThreadRecord[]; q: ReturnType<typeof threadSearchBody.parse> }> {
  const q = parseBody(threadSearchBody, await readJson(call.req), what);
  const all = await ctx.store.searchThreads(call.principal.tenant, {
    ...(q.status == null ? {} : { status: q.status }),
    ...(q.metadata == null ? {} : { metadata: q.metadata }),
    limit: ALL,
  });
  const ids = q.ids == null ? undefined : new Set(q.ids);
  const hits = all.filter(
    (t) =>
      (ids === undefined || ids.has(t.thread_id)) &&
      mayRead(call.principal, t.metadata[THREAD_OWNER]) &&
      (q.values == null || matches(lgThread(t)['values'] as Record<string, unknown>, q.values)),
  );
  const by = q.sort_by === 'state_updated_at' ? 'updated_at' : (q.sort_by ?? 'created_at');
  const dir = (q.sort_order ?? 'desc') === 'desc' ? -1 : 1;
  hits.sort((a, b) => dir * String(a[by]).localeCompare(String(b[by])));
  return { hits, q };
}

/** `POST /threads/search`. */
export async function searchThreads(ctx: AcpContext, call: AcpCall): Promise<void> {
  const { hits, q } = await search(ctx, call, 'thread search');
  const offset = q.offset ?? 0;
  const page = hits.slice(offset, offset + (q.limit ?? 10));
  sendJson(
    call.res,
    200,
    page.map((t) => selectFields(lgThread(t), q.select)),
  );
}

/** `POST /threads/count`. */
export async function countThreads(ctx: AcpContext, call: AcpCall): Promise<void> {
  sendJson(call.res, 200, (await search(ctx, call, 'thread count')).hits.length);
}

/** `GET /threads/{id}/state`. */
export async function threadState(ctx: AcpContext, call: AcpCall): Promise<void> {
  const tenant = call.principal.tenant;
  const t = await ctx.store.thread(tenant, threadId(call));
  const [newest] = await ctx.store.history(tenant, t.thread_id, 1);
  // Right after a fork the head is an older checkpoint (until the forked run writes its first one).
  const head =
    newest === undefined || t.checkpoint_id === undefined || newest.checkpoint_id === t.checkpoint_id
      ? newest
      : await ctx.store.checkpoint(tenant, t.thread_id, t.checkpoint_id);
  sendJson(call.res, 200, lgThreadState(t, head));
}

async function stateAt(ctx: AcpContext, call: AcpCall, checkpointId: string): Promise<void> {
  const tenant = call.principal.tenant;
  const t = await ctx.store.thread(tenant, threadId(call));
  const cp = (await ctx.store.history(tenant, t.thread_id, ALL)).find((c) => c.checkpoint_id === checkpointId);
  if (cp === undefined) throw new NotFoundError(`checkpoint ${checkpointId} of thread ${t.thread_id} not found`);
  sendJson(call.res, 200, lgCheckpointState(cp));
}

/** `GET /threads/{id}/state/{checkpoint_id}`. */
export function threadStateAt(ctx: AcpContext, call: AcpCall): Promise<void> {
  return stateAt(ctx, call, call.params['checkpoint_id'] as string);
}

/** `POST /threads/{id}/state/checkpoint` with `{checkpoint: {checkpoint_id}}`. */
export async function threadStateAtBody(ctx: AcpContext, call: AcpCall): Promise<void> {
  const b = parseBody(stateAtBody, await readJson(call.req), 'state request');
  if (b.checkpoint.checkpoint_id == null) return threadState(ctx, call);
  return stateAt(ctx, call, b.checkpoint.checkpoint_id);
}

/** `POST /threads/{id}/history` (and `GET …?limit=`): checkpoints, newest first. */
export async function threadHistory(ctx: AcpContext, call: AcpCall): Promise<void> {
  const tenant = call.principal.tenant;
  const raw =
    call.req.method === 'GET' ? { limit: call.query.has('limit') ? Number(call.query.get('limit')) : undefined } : await readJson(call.req);
  const b = parseBody(historyBody, raw, 'history request');
  const t = await ctx.store.thread(tenant, threadId(call));
  let list = await ctx.store.history(tenant, t.thread_id, ALL);
  const before =
    typeof b.before === 'string'
      ? b.before
      : b.before == null
        ? undefined
        : 'configurable' in b.before
          ? b.before.configurable.checkpoint_id
          : b.before.checkpoint_id;
  if (before != null) {
    const i = list.findIndex((c) => c.checkpoint_id === before);
    list = i < 0 ? [] : list.slice(i + 1);
  }
  if (b.checkpoint?.checkpoint_ns != null && b.checkpoint.checkpoint_ns !== '') list = []; // no subgraphs
  const from = b.checkpoint?.checkpoint_id;
  if (from != null) {
    const i = list.findIndex((c) => c.checkpoint_id === from);
    list = i < 0 ? [] : list.slice(i);
  }
  if (b.metadata != null) list = list.filter((c) => matches(c.metadata, b.metadata));
  sendJson(call.res, 200, list.slice(0, b.limit ?? 10).map(lgCheckpointState));
}

/** Endpoints that would rewrite a thread's history: 405 (runs are the only writers). */
export function notSupported(): never {
  throw methodNotAllowedError('changing thread state directly is not supported: threads change by runs');
}
