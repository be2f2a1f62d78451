/**
 * ACP run contracts inside the mesh. Shapes follow the LangGraph Agent Protocol (runs,
 * threads, statuses) and docs/gateway-websocket.md, “Frames” (run events with a gap-free `seq` per run), so the
 * gateway translates framing only.
 */
import { z } from 'zod';
import { usageSchema } from './chat.js';
import { contentPartsSchema, outputFormatSchema } from './content.js';

/** Message types an agent actor handles. */
export const RUN_CREATE = 'acp.run.create';
export const RUN_RESUME = 'acp.run.resume';
export const RUN_CANCEL = 'acp.run.cancel';
export const RUN_WAIT = 'acp.run.wait';
export const RUN_CONTINUE = 'acp.run.continue';

/** Topic a run's events are published on. */
export function runTopic(runId: string): string {
  return `run.${runId}`;
}

/** Run statuses (LangGraph's, plus `cancelled`). */
export const RUN_STATUSES = ['pending', 'running', 'interrupted', 'success', 'error', 'timeout', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** Statuses that end a run. */
export const TERMINAL_RUN_STATUSES: ReadonlySet<string> = new Set<RunStatus>(['success', 'error', 'cancelled', 'timeout']);

/** Kinds of run events (docs/gateway-websocket.md, “Frames”). */
export const RUN_EVENT_KINDS = [
  'token',
  'message',
  'tool_call',
  'tool_result',
  'handoff',
  'interrupt',
  'status',
  'rewind',
  'audio',
] as const;
export type RunEventKind = (typeof RUN_EVENT_KINDS)[number];

/** One event of a run; `seq` is 1, 2, 3… per run with no gaps. */
export const runEventSchema = z.object({
  run_id: z.string().min(1),
  thread_id: z.string().min(1),
  seq: z.number().int().positive(),
  event: z.enum(RUN_EVENT_KINDS),
  agent: z.string(),
  data: z.unknown(),
  /** When the event was made (epoch ms, the clock of the node driving the run); absent on events of older versions. */
  at: z.number().optional(),
  /** The node driving the run when the event was made (on every event but `token`: the one before it names it). */
  node: z.string().optional(),
});
export type RunEvent = z.infer<typeof runEventSchema>;

/** An input message. */
export const inputMessageSchema = z.object({
  role: z.enum(['user', 'system', 'assistant']),
  content: z.string().max(1_000_000),
  /** The message as typed parts, when it holds more than text (protocols/content.ts); `content` is then its text. */
  parts: contentPartsSchema.optional(),
});

/** Payload of `acp.run.create`. */
export const runCreateSchema = z.object({
  run_id: z.string().min(1).max(128).optional(),
  thread_id: z.string().min(1).max(128).optional(),
  /**
   * A fork: the run starts from the thread's state at this checkpoint (an older one of its history) instead of the
   * newest, and its checkpoints branch from there (docs/gateway-acp.md, “Forks”). Absent: from the newest.
   */
  checkpoint_id: z.string().min(1).max(128).optional(),
  input: z.object({ messages: z.array(inputMessageSchema).min(1).max(1000) }),
  config: z.record(z.string(), z.unknown()).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  /**
   * What the surface that started the run records about the request (the ACP route: the input, the stream
   * modes, whether the thread is temporary). Opaque to agents; kept on the run record as `client`.
   */
  client: z.record(z.string(), z.unknown()).optional(),
});
export type RunCreate = z.infer<typeof runCreateSchema>;

/** A human's answer to an interrupt: approve (optionally with edited arguments) or reject. */
export const resumeValueSchema = z.union([
  // Most specific first: zod objects strip unknown keys, so `{approve: true}` would swallow edits.
  z.object({ approve: z.literal(true), arguments: z.record(z.string(), z.unknown()) }),
  z.object({ approve: z.literal(true) }),
  z.object({ approve: z.literal(false), reason: z.string().max(10_000).optional() }),
]);
/** Payload of `acp.run.resume`: the answer to an interrupt. */
export const runResumeSchema = z.object({
  run_id: z.string().min(1),
  resume: resumeValueSchema,
});
export type RunResume = z.infer<typeof runResumeSchema>;

/** Payload of `acp.run.cancel`. */
export const runCancelSchema = z.object({ run_id: z.string().min(1) });

/**
 * Payload of `acp.run.continue`: a run handed off to another agent (or remote agent), which
 * continues it with the same id and the next `seq`; `usage` so far carries over.
 */
export const runContinueSchema = z.object({
  run_id: z.string().min(1),
  thread_id: z.string().min(1),
  messages: z.array(z.record(z.string(), z.unknown())),
  seq: z.number().int().nonnegative(),
  depth: z.number().int().nonnegative(),
  usage: usageSchema,
  /** The formats the run's answer is asked in (`config.output_format`): the receiving agent delivers them. */
  formats: z.array(outputFormatSchema).optional(),
});
export type RunContinue = z.infer<typeof runContinueSchema>;

/** What a run ends with. */
export interface RunOutcome {
  readonly run_id: string;
  readonly thread_id: string;
  readonly status: RunStatus;
  readonly output?: string;
  readonly error?: string;
  readonly usage: { readonly prompt_tokens: number; readonly completion_tokens: number; readonly cost: number };
  /** Agent that finished the run (differs from the first after a handoff). */
  readonly agent: string;
}

/** Type of messages delivered from a topic (what `publish` sends). */
export const TOPIC_MESSAGE = 'topic.message';

/** An ACP message agents (and clients) publish on a topic; subscribed agents run on it. */
export const agentMessageSchema = z.object({
  from: z.string().max(256).optional(),
  content: z.string().max(1_000_000),
  /** Hops since a human: agents refuse messages past their delegation depth limit. */
  depth: z.number().int().nonnegative().optional(),
  run_id: z.string().max(256).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type AgentMessage = z.infer<typeof agentMessageSchema>;
