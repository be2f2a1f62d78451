/**
 * The `data` of each run event kind (protocols/acp.ts `runEventSchema`, docs/gateway-websocket.md,
 * “Frames”), as the agent runtime emits them (actors/agent/run.ts, host.ts; remote agents alike) and
 * the gateway reads them (gateway/acp/translate.ts, gateway/a2a/task-view.ts, gateway/ws/).
 *
 * Not parsed on the hot path: a run emits an event per token, and readers already read `data`
 * defensively. These schemas are the contract, checked by tests and usable where a run's events
 * come from outside the mesh. A stub of an event stored out of line (`stored`: its size) carries
 * `data: null` whatever its kind.
 */
import { z } from 'zod';
import { RUN_STATUSES, runEventSchema, type RunEventKind } from './acp.js';
import { toolCallSchema } from './chat.js';
import { blobIdSchema, contentPartsSchema, mimeSchema, runOutputsSchema } from './content.js';

/** `token`: a piece of the assistant's reply as the model streams it. */
export const tokenDataSchema = z.object({ text: z.string() });

/** `message`: the complete assistant message of a model turn, with the tool calls it makes. */
export const messageDataSchema = z.object({
  role: z.literal('assistant'),
  content: z.string(),
  tool_calls: z.array(toolCallSchema),
  /** Set when the reply came from the response cache instead of the model. */
  cache: z.object({ kind: z.enum(['exact', 'semantic']), similarity: z.number().optional() }).optional(),
  /** The model asked (run timelines, gateway/mesh). */
  model: z.string().optional(),
  /** Tokens of this one model call. */
  usage: z.object({ prompt_tokens: z.number().nonnegative(), completion_tokens: z.number().nonnegative() }).optional(),
  /** When the model call began (epoch ms); the event's `at` is when its reply was taken. */
  started_at: z.number().optional(),
  /** The final answer in each output format asked (docs/adr/0046-output-formats.md): text parts with their `mime`, an audio part. */
  parts: contentPartsSchema.optional(),
});

/** `tool_call`: a tool call about to run, with the arguments it runs with (a human may have edited them). */
export const toolCallDataSchema = z.object({ id: z.string(), name: z.string(), arguments: z.record(z.string(), z.unknown()) });

/**
 * `tool_result`: what a tool call returned (as the text the model sees). `guardrail.quarantined` names the finding types
 * for which the guardrail policy withheld the result (the model saw a notice instead).
 */
export const toolResultDataSchema = z.object({
  id: z.string(),
  name: z.string(),
  is_error: z.boolean(),
  content: z.string(),
  guardrail: z.object({ quarantined: z.array(z.string()) }).optional(),
});

/** `handoff`: the run moves from agent `from` to agent `to` (same run id, next seq). */
export const handoffDataSchema = z.object({ from: z.string(), to: z.string() });

/** The interrupt a local agent raises before a tool call that needs a human's approval. */
export const approvalInterruptSchema = z.object({ kind: z.literal('approval'), tool_call: toolCallSchema });

/** `interrupt`: the value a run waits on a human with (an approval, or whatever a remote agent asks). */
export const interruptDataSchema = z.unknown();

/** Usage and cost of a finished run (snake_case, as ACP shows it). */
export const runUsageSchema = z.object({
  prompt_tokens: z.number().nonnegative(),
  completion_tokens: z.number().nonnegative(),
  cost: z.number(),
});

/**
 * `status`: the run's status changed. `running` may say how often it was `resumed`; `interrupted`
 * repeats the `interrupt`; the last event of a run carries its `output` or `error` and `usage`.
 */
export const statusDataSchema = z.object({
  status: z.enum(RUN_STATUSES),
  resumed: z.number().int().nonnegative().optional(),
  interrupt: z.unknown().optional(),
  output: z.string().optional(),
  error: z.string().optional(),
  usage: runUsageSchema.optional(),
  /** On a run's first `running`: the W3C trace id of the trace it belongs to. */
  trace_id: z.string().optional(),
  /** On a run's last event: the answer in each output format asked (docs/adr/0046-output-formats.md). */
  outputs: runOutputsSchema.optional(),
  /** On a failed run's last event, when the failure has a type: `output_invalid`, `audio_unavailable`. */
  code: z.string().optional(),
});

/**
 * `audio`: the answer spoken, as the run's text-to-speech makes it (an `audio` output format). One event per sentence
 * (`index` 0, 1, 2…, a WAV blob each, with the `text` it says), in order, then one `final` event with the whole
 * answer's WAV blob. The bytes are in the tenant's blobs; `/ws` streams them as `run.audio` frames.
 */
export const audioDataSchema = z.object({
  index: z.number().int().nonnegative(),
  final: z.boolean(),
  text: z.string().optional(),
  blob: blobIdSchema,
  mime: mimeSchema,
  size: z.number().int().nonnegative(),
  sha256: blobIdSchema,
  duration_ms: z.number().optional(),
});

/**
 * `rewind`: drop the text of the `token` events from seq `from_seq` on (the partial reply of the current model
 * turn). A run resumed in the middle of a model reply holds back what clients already saw while the new reply
 * repeats it; when the new reply differs, this comes first, and the new reply's tokens follow from its start.
 */
export const rewindDataSchema = z.object({ from_seq: z.number().int().positive() });

/** The schema of `data` per event kind. */
export const runEventDataSchemas = {
  token: tokenDataSchema,
  message: messageDataSchema,
  tool_call: toolCallDataSchema,
  tool_result: toolResultDataSchema,
  handoff: handoffDataSchema,
  interrupt: interruptDataSchema,
  status: statusDataSchema,
  rewind: rewindDataSchema,
  audio: audioDataSchema,
} as const satisfies Record<RunEventKind, z.ZodType>;

/** The `data` of a run event of kind `K`. */
export type RunEventData<K extends RunEventKind> = z.infer<(typeof runEventDataSchemas)[K]>;

function branch<K extends RunEventKind>(kind: K) {
  return runEventSchema.extend({ event: z.literal(kind), data: runEventDataSchemas[kind] });
}

/** A run event whose `data` matches its kind (one branch per kind of `RUN_EVENT_KINDS`, discriminated by `event`). */
export const typedRunEventSchema = z.discriminatedUnion('event', [
  branch('token'),
  branch('message'),
  branch('tool_call'),
  branch('tool_result'),
  branch('handoff'),
  branch('interrupt'),
  branch('status'),
  branch('rewind'),
  branch('audio'),
]);
/** A run event whose `data` matches its kind. */
export type TypedRunEvent = z.infer<typeof typedRunEventSchema>;
