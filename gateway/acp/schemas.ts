/**
 * Request bodies of the ACP endpoints (snake_case, as the LangGraph SDKs send them) and the
 * mapping of `command.resume` values onto our interrupt answers. A body that parses as JSON
 * but has a wrong field answers 422 with the field named.
 */
import { z } from 'zod';
import type { RunResume } from '../../protocols/index.js';
import { unprocessableError } from '../http.js';

/** An answer to an interrupt, as `acp.run.resume` carries it. */
type ResumeValue = RunResume['resume'];

/** Ids clients may choose (thread ids): safe as storage key segments on every backend. */
export const clientId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, 'must be 1-128 letters, digits, _ or - (a UUID works)');

const record = z.record(z.string(), z.unknown());
const limit = z.number().int().min(1).max(1000);
const offset = z.number().int().min(0);
const sortOrder = z.enum(['asc', 'desc']);

/** LangGraph stream modes; the ones we do not produce are accepted and stay silent. */
export const STREAM_MODES = [
  'values',
  'updates',
  'messages',
  'messages-tuple',
  'custom',
  'events',
  'debug',
  'tasks',
  'checkpoints',
] as const;
export type StreamMode = (typeof STREAM_MODES)[number];
const streamMode = z.union([z.enum(STREAM_MODES), z.array(z.enum(STREAM_MODES)).max(STREAM_MODES.length)]);

/** Body of every run-creating endpoint (`/runs`, `/runs/stream`, `/runs/wait`, thread-scoped too). */
export const runCreateBody = z.object({
  assistant_id: z.string().min(1).max(128),
  input: z.unknown().optional(),
  command: z.object({ resume: z.unknown().optional(), update: z.unknown().optional(), goto: z.unknown().optional() }).nullish(),
  config: record.nullish(),
  context: z.unknown().optional(),
  metadata: record.nullish(),
  stream_mode: streamMode.nullish(),
  multitask_strategy: z.enum(['reject', 'interrupt', 'rollback', 'enqueue']).nullish(),
  if_not_exists: z.enum(['create', 'reject']).nullish(),
  on_disconnect: z.enum(['cancel', 'continue']).nullish(),
  on_completion: z.enum(['delete', 'keep']).nullish(),
  interrupt_before: z.union([z.literal('*'), z.array(z.string())]).nullish(),
  interrupt_after: z.union([z.literal('*'), z.array(z.string())]).nullish(),
  checkpoint_id: z.string().nullish(),
  checkpoint: record.nullish(),
  after_seconds: z.number().max(0, 'delayed runs (after_seconds) are not supported').nullish(),
  webhook: z.null({ message: 'webhooks are not supported' }).optional(),
});
export type RunCreateBody = z.infer<typeof runCreateBody>;

/** `POST /threads`. */
export const threadCreateBody = z.object({
  thread_id: clientId.nullish(),
  metadata: record.nullish(),
  if_exists: z.enum(['raise', 'do_nothing']).nullish(),
  supersteps: z.array(z.unknown()).max(0, 'supersteps are not supported').nullish(),
  ttl: z.null({ message: 'thread TTLs are not supported' }).optional(),
});

/** `PATCH /threads/{id}`. */
export const threadPatchBody = z.object({
  metadata: record.nullish(),
  ttl: z.null({ message: 'thread TTLs are not supported' }).optional(),
});

/** `POST /threads/search` and `/threads/count`. */
export const threadSearchBody = z.object({
  metadata: record.nullish(),
  values: record.nullish(),
  ids: z.array(z.string()).max(1000).nullish(),
  status: z.enum(['idle', 'busy', 'interrupted', 'error']).nullish(),
  limit: limit.nullish(),
  offset: offset.nullish(),
  sort_by: z.enum(['thread_id', 'status', 'created_at', 'updated_at', 'state_updated_at']).nullish(),
  sort_order: sortOrder.nullish(),
  select: z.array(z.string()).nullish(),
  extract: z.unknown().optional(),
});

const checkpointRef = z.object({
  checkpoint_id: z.string().nullish(),
  checkpoint_ns: z.string().nullish(),
  thread_id: z.string().nullish(),
});

/** `POST /threads/{id}/history`. */
export const historyBody = z.object({
  limit: limit.nullish(),
  before: z.union([z.string(), z.object({ configurable: checkpointRef }), checkpointRef]).nullish(),
  metadata: record.nullish(),
  checkpoint: checkpointRef.nullish(),
  select: z.array(z.string()).nullish(),
});

/** `POST /threads/{id}/state/checkpoint`. */
export const stateAtBody = z.object({ checkpoint: checkpointRef, subgraphs: z.boolean().nullish(), select: z.unknown().optional() });

/** `POST /assistants/search` and `/assistants/count`. */
export const assistantSearchBody = z.object({
  graph_id: z.string().nullish(),
  name: z.string().nullish(),
  metadata: record.nullish(),
  limit: limit.nullish(),
  offset: offset.nullish(),
  sort_by: z.enum(['assistant_id', 'graph_id', 'name', 'created_at', 'updated_at']).nullish(),
  sort_order: sortOrder.nullish(),
  select: z.array(z.string()).nullish(),
});

/** Parses `body` (an absent body is `{}`) or throws 422 naming the first bad field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body === undefined ? {} : body); // no body is an empty one; a JSON `null` is not a body of this shape
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
  throw unprocessableError(`invalid ${what}: ${path}${issue?.message ?? 'bad value'}`);
}

/** The stream modes a run asked for (LangGraph's default is `values`). */
export function streamModes(v: StreamMode | StreamMode[] | null | undefined): Set<StreamMode> {
  const list = v === null || v === undefined ? [] : Array.isArray(v) ? v : [v];
  return new Set(list.length === 0 ? ['values'] : list);
}

const APPROVE = new Set(['approve', 'approved', 'accept', 'accepted', 'yes', 'y', 'ok', 'continue']);
const REJECT = new Set(['reject', 'rejected', 'deny', 'denied', 'no', 'n', 'ignore', 'cancel']);

/**
 * Maps a LangGraph `command.resume` value onto our interrupt answer:
 * `true`/`"approve"`/`"accept"`/`"yes"` → approve; `false`/`"reject"`/`"deny"`/`"no"` → reject;
 * `{approve, arguments?, reason?}` as is; LangChain HITL `{decisions: [{type: 'approve'|'edit'|'reject'}]}`
 * and agent-inbox `{type: 'accept'|'edit'|'ignore'|'response', args}` (or a one-element list of
 * either); a map `{<interrupt id>: value}` for the pending interrupt. Anything else is a 422.
 */
export function toResumeValue(v: unknown, interruptId?: string): ResumeValue {
  if (v === true) return { approve: true };
  if (v === false) return { approve: false };
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (APPROVE.has(s)) return { approve: true };
    if (REJECT.has(s)) return { approve: false };
  } else if (Array.isArray(v) && v.length === 1) return toResumeValue(v[0], interruptId);
  else if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (typeof o['approve'] === 'boolean') {
      const args = o['arguments'] ?? o['args'];
      if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args)))
        throw unprocessableError('command.resume.arguments must be an object');
      if (o['approve']) return args === undefined ? { approve: true } : { approve: true, arguments: args as Record<string, unknown> };
      return typeof o['reason'] === 'string' ? { approve: false, reason: o['reason'] } : { approve: false };
    }
    if (Array.isArray(o['decisions'])) return toResumeValue(o['decisions'], interruptId);
    const type = o['type'];
    if (type === 'approve' || type === 'accept') return { approve: true };
    if (type === 'edit') {
      const action = (o['edited_action'] ?? o['args']) as Record<string, unknown> | undefined;
      const args = action?.['args'] ?? action?.['arguments'];
      if (typeof args !== 'object' || args === null || Array.isArray(args))
        throw unprocessableError('an edit decision needs edited_action.args (an object)');
      return { approve: true, arguments: args as Record<string, unknown> };
    }
    if (type === 'reject' || type === 'ignore' || type === 'response') {
      const reason = o['message'] ?? o['args'];
      return typeof reason === 'string' ? { approve: false, reason } : { approve: false };
    }
    if (interruptId !== undefined && interruptId in o) return toResumeValue(o[interruptId]);
  }
  throw unprocessableError(
    'command.resume must approve or reject the pending call: true/false, "approve"/"reject", or {approve: boolean, arguments?, reason?}',
  );
}
