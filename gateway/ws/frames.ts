/**
 * The `/ws` wire contract (docs/gateway-websocket.md, “Frames”): client frames as zod schemas,
 * server frames as types, and the close codes the server uses (ADR 0008).
 */
import { z } from 'zod';
import { inputMessageSchema, type ErrorCode } from '../../protocols/index.js';

/** Close codes the server sends. */
export const CLOSE = {
  /** The server is shutting down. */
  GOING_AWAY: 1001,
  /** Authentication failed, or no `hello` came within the hello timeout. */
  POLICY: 1008,
  /** A frame larger than `gateway.limits.frameBytes` (sent by the ws library). */
  TOO_BIG: 1009,
  /** An unexpected server error. */
  INTERNAL: 1011,
  /** The client does not read fast enough: its send buffer passed the byte or frame limit. */
  SLOW_CONSUMER: 4008,
} as const;

const id = z.string().min(1).max(128);
const runId = z.string().min(1).max(128);
const topic = z.string().min(1).max(255);

/** `hello`: authenticate, optionally replay a run's events after `after_seq`. */
export const helloFrame = z.object({
  type: z.literal('hello'),
  token: z.string().max(8192).optional(),
  resume: z.object({ run_id: runId, after_seq: z.number().int().nonnegative() }).optional(),
});

/** `run.start`: start a run on an agent. */
export const runStartFrame = z.object({
  type: z.literal('run.start'),
  id,
  agent: z.string().min(1).max(128),
  thread_id: z.string().min(1).max(128).optional(),
  input: z.object({ messages: z.array(inputMessageSchema).min(1).max(1000) }),
  config: z.record(z.string(), z.unknown()).optional(),
});

/** `run.resume`: answer an interrupt. */
export const runResumeFrame = z.object({ type: z.literal('run.resume'), id, run_id: runId, resume: z.unknown() });

/** `run.cancel`: cancel a run. */
export const runCancelFrame = z.object({ type: z.literal('run.cancel'), id: id.optional(), run_id: runId });

/** `subscribe` / `unsubscribe`: a topic pattern (`*`, `>` wildcards) in the caller's tenant. */
export const subscribeFrame = z.object({ type: z.enum(['subscribe', 'unsubscribe']), id: id.optional(), topic });

/** `publish`: a payload on a topic in the caller's tenant. */
export const publishFrame = z.object({ type: z.literal('publish'), id: id.optional(), topic, payload: z.unknown() });

/** `feedback`: feedback on a run (the LangSmith shape beside `run_id`; checked by gateway/feedback). */
export const feedbackFrame = z.looseObject({ type: z.literal('feedback'), id, run_id: runId });

/** `ping`: liveness. */
export const pingFrame = z.object({ type: z.literal('ping'), id: id.optional() });

/** Every client frame. */
export const clientFrame = z.discriminatedUnion('type', [
  helloFrame,
  runStartFrame,
  runResumeFrame,
  runCancelFrame,
  subscribeFrame,
  publishFrame,
  feedbackFrame,
  pingFrame,
]);
export type ClientFrame = z.infer<typeof clientFrame>;
export type HelloFrame = z.infer<typeof helloFrame>;
export type RunStartFrame = z.infer<typeof runStartFrame>;

/** Frame types a client may send. */
export const CLIENT_TYPES = new Set([
  'hello',
  'run.start',
  'run.resume',
  'run.cancel',
  'subscribe',
  'unsubscribe',
  'publish',
  'feedback',
  'ping',
]);

/** An `error` frame. */
export interface ErrorFrame {
  readonly type: 'error';
  readonly id?: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly retry_after_ms?: number;
}

/**
 * A `run.audio` frame (docs/gateway-websocket.md, "Output formats"): a piece of a spoken sentence's WAV (`data`, base64;
 * `part` 0, 1…, `last` on its last; `text` and `duration_ms` on part 0), or, with `final: true`, the whole answer's
 * WAV blob reference and no bytes. `seq` is the run event's; `index` the sentence's.
 */
export interface RunAudioFrame {
  readonly type: 'run.audio';
  readonly run_id: string;
  readonly seq: number;
  readonly index: number;
  readonly mime: string;
  readonly final: boolean;
  readonly part?: number;
  readonly last?: boolean;
  readonly data?: string;
  readonly text?: string;
  readonly duration_ms?: number;
  readonly blob?: string;
  readonly size?: number;
  readonly sha256?: string;
  /** The sentence's blob could not be read (the stream goes on). */
  readonly error?: string;
}

/** Error codes error frames may carry (docs/gateway-websocket.md, “Errors”); others are mapped onto them. */
export const FRAME_ERROR_CODES: ReadonlySet<string> = new Set([
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'rate_limited',
  'budget_exceeded',
  'too_large',
  'conflict',
  'unavailable',
  'internal',
]);

/** The error-frame code for any error code (`no_recipient` → not_found, `mailbox_full` → unavailable, …). */
export function frameCode(code: ErrorCode): ErrorFrame['code'] {
  if (FRAME_ERROR_CODES.has(code)) return code;
  switch (code) {
    case 'no_recipient':
      return 'not_found';
    case 'decode_error':
    case 'unprocessable':
    case 'method_not_allowed':
    case 'unsupported_media_type':
    case 'upgrade_required':
      return 'bad_request';
    case 'mailbox_full':
    case 'deadline_exceeded':
    case 'actor_stopped':
    case 'system_stopped':
      return 'unavailable';
    default:
      return 'internal';
  }
}

/** Reads the optional `id` of a frame that failed validation, to echo it in the error. */
export function frameId(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const v = (raw as { id?: unknown }).id;
  return typeof v === 'string' && v.length <= 128 ? v : undefined;
}
