/**
 * Run and thread records as stored (ADR 0007) and as ACP shows them: a thread, each checkpoint of
 * its history, a run, and a run's resume checkpoint. One writer changes them (the actor that owns
 * the thread or run, actors/agent); every other layer reads them.
 *
 * Where they are validated: records come back from storage, which another node or an older version
 * may have written, so the gateway checks each thread, checkpoint and run record against these
 * schemas before it hands one to a client (gateway/acp/stored.ts). The agent runtime trusts its own
 * writes. Run events are not parsed on the way out: they are emitted per token.
 */
import { z } from 'zod';
import { contentPartsSchema } from './content.js';
import { RUN_STATUSES, resumeValueSchema } from './acp.js';
import { chatMessageSchema, readonlyArray, toolCallSchema, usageSchema } from './chat.js';
import { modelParamsSchema, renderedPromptSchema } from './prompts.js';
import { traceparentSchema } from './envelope.js';
import { outputFormatSchema, runOutputsSchema } from './content.js';

/** `T` with the keys `K` made readonly (the rest stay writable by the record's one writer). */
export type WithReadonly<T, K extends keyof T> = Omit<T, K> & Readonly<Pick<T, K>>;

/** Free-form metadata a client attaches to a thread or run. */
const metadataSchema = z.record(z.string(), z.unknown());
const countSchema = z.number().int().nonnegative();

/** A thread's status as ACP shows it. */
export const THREAD_STATUSES = ['idle', 'busy', 'interrupted', 'error'] as const;
export const threadStatusSchema = z.enum(THREAD_STATUSES);
export type ThreadStatus = z.infer<typeof threadStatusSchema>;

/** An interrupt waiting for an answer: the run that raised it and what it asks. */
export const pendingInterruptSchema = z.object({
  id: z.string(),
  run_id: z.string(),
  value: z.unknown(),
});
export type PendingInterrupt = Readonly<z.infer<typeof pendingInterruptSchema>>;

/** A conversation kept across runs; `values.messages` are its newest checkpoint's. */
export const threadRecordSchema = z.object({
  thread_id: z.string().min(1),
  created_at: z.string(),
  updated_at: z.string(),
  metadata: metadataSchema,
  status: threadStatusSchema,
  values: z.object({ messages: z.array(chatMessageSchema) }),
  interrupts: z.array(pendingInterruptSchema),
  /** Checkpoints written so far (the history's length). */
  checkpoints: countSchema,
  /** Id of the newest checkpoint. */
  checkpoint_id: z.string().optional(),
  /** The run that holds the thread while it is busy or interrupted. */
  run_id: z.string().optional(),
});
/** A conversation kept across runs. */
export type ThreadRecord = WithReadonly<z.infer<typeof threadRecordSchema>, 'thread_id' | 'created_at'>;

/** One entry of a thread's history: its messages after a step of a run. */
export const threadCheckpointSchema = z.object({
  checkpoint_id: z.string().min(1),
  parent_checkpoint_id: z.string().optional(),
  thread_id: z.string().min(1),
  run_id: z.string(),
  step: countSchema,
  created_at: z.string(),
  messages: z.array(chatMessageSchema),
  next: z.array(z.string()),
  interrupts: z.array(pendingInterruptSchema),
  metadata: metadataSchema,
});
/** One entry of a thread's history. */
export type ThreadCheckpoint = Readonly<z.infer<typeof threadCheckpointSchema>>;

/** A run as ACP shows it. */
export const runRecordSchema = z.object({
  run_id: z.string().min(1),
  thread_id: z.string().min(1),
  /** The agent the run was started on. */
  assistant_id: z.string(),
  /** The agent running it now (differs after a handoff). */
  agent: z.string(),
  status: z.enum(RUN_STATUSES),
  created_at: z.string(),
  updated_at: z.string(),
  metadata: metadataSchema,
  multitask_strategy: z.literal('reject'),
  output: z.string().optional(),
  error: z.string().optional(),
  usage: z.object({ prompt_tokens: z.number().nonnegative(), completion_tokens: z.number().nonnegative(), cost: z.number() }).optional(),
  /** Highest event seq written. */
  last_seq: countSchema,
  /** What the surface that started the run recorded about the request (`acp.run.create`'s `client`), opaque here. */
  client: metadataSchema.optional(),
  /** The prompt template version the run rendered (docs/prompts.md). */
  prompt: renderedPromptSchema.optional(),
  /** The answer in each output format asked (docs/adr/0046-output-formats.md): text, markdown, the json value, the audio blob. */
  outputs: runOutputsSchema.optional(),
});
/** A run as ACP shows it. */
export type RunRecord = WithReadonly<
  z.infer<typeof runRecordSchema>,
  'run_id' | 'thread_id' | 'assistant_id' | 'created_at' | 'multitask_strategy' | 'client'
>;

/** Tool calls of one model reply that are not all answered yet. */
export const pendingCallsSchema = z.object({
  calls: readonlyArray(toolCallSchema),
  /** Results so far, by call id. */
  results: z.record(
    z.string(),
    // `parts`: the result's text and the images it returned, as blob references (actors/tool/media.ts).
    z.object({ content: z.string(), isError: z.boolean(), parts: contentPartsSchema.optional() }),
  ),
  /** The call waiting for a human, when the run is interrupted. */
  awaiting: z.string().optional(),
  /** Calls whose `tool_call` event is in the run's log already (a resumed run makes them without announcing them again). */
  announced: z.array(z.string()).optional(),
});
/** Tool calls of one model reply that are not all answered yet. */
export type PendingCalls = WithReadonly<z.infer<typeof pendingCallsSchema>, 'calls' | 'results'>;

/**
 * A guardrail review the run waits for (a human-in-the-loop interrupt): of its input before the first model call, or
 * of the held end of a model reply. Kept in the checkpoint so a run restored while it waits waits again for the same
 * answer — the check is not made again and the interrupt is not announced twice.
 */
export const reviewWaitSchema = z.object({
  /** The interrupt's id (what a resume answers). */
  id: z.string().min(1),
  stage: z.enum(['input', 'output']),
  types: readonlyArray(z.string()),
  /** Output: the model's reply with the text released so far (the held span not in it). */
  reply: chatMessageSchema.optional(),
  /** Output: the span held for the reviewer. */
  held: z.string().optional(),
  /** Output: the seq of the reply's first released token (a rejection takes the reply back from there). */
  from_seq: z.number().int().positive().optional(),
});
/** A guardrail review the run waits for. */
export type ReviewWait = Readonly<z.infer<typeof reviewWaitSchema>>;

/** Everything needed to continue a run where it stopped (private to the agent runtime, but stored). */
export const runCheckpointSchema = z.object({
  run_id: z.string().min(1),
  thread_id: z.string().min(1),
  agent: z.string(),
  depth: countSchema,
  messages: z.array(chatMessageSchema),
  turns: countSchema,
  usage: usageSchema,
  pending: pendingCallsSchema.optional(),
  review: reviewWaitSchema.optional(),
  /**
   * Answers to interrupts of the current step (by call or review id), recorded before the answer was acknowledged: a run
   * restored before it got past such an interrupt takes the answer rather than waiting for it again.
   */
  answers: z.record(z.string(), resumeValueSchema).optional(),
  /** Times this run was picked up again after its host died or restarted. */
  resumes: countSchema,
  /** The system prompt rendered when the run started (template, persona), so a resumed run sees the same one. */
  system: z.string().optional(),
  /** The model parameters of the run (agent config and the request's `config`). */
  params: modelParamsSchema.optional(),
  /** The W3C traceparent the run was started (or handed) under: a resumed run's span continues that trace. */
  traceparent: traceparentSchema.optional(),
  /** The formats the answer is delivered in (`config.output_format`, docs/adr/0046-output-formats.md). */
  formats: z.array(outputFormatSchema).optional(),
});
/** Everything needed to continue a run where it stopped. */
export type RunCheckpoint = Readonly<Omit<z.infer<typeof runCheckpointSchema>, 'pending'>> & { readonly pending?: PendingCalls };
