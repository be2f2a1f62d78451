/** What an agent is: instructions, a model, tools, and the agents it may ask or hand off to. */
import type { ActorRef } from '../../runtime/index.js';
import type { ModelParams, RenderedPrompt, RunOptions } from '../../protocols/index.js';
import type { ChatMessage, ModelProvider, ToolCall } from '../llm/types.js';
import type { AgentSpeech } from './speaker.js';

/** Per-1k-token prices for cost accounting. */
export interface Prices {
  readonly promptPer1k: number;
  readonly completionPer1k: number;
}

/** Which run a hook is called for. */
export interface HookInfo {
  readonly tenant: string;
  readonly runId: string;
  readonly threadId: string;
  readonly agent: string;
  /** The run's metadata (what policies read as `metadata`). */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** A guard's word on a step: go on with the value as it leaves it (after a human's review, if it asks one), or refuse. */
export type GuardStep<T> = { readonly go: T; readonly review?: { readonly types: readonly string[] } } | { readonly refuse: string };

/** The guard of one model reply's token stream (actors/guardrail/stream.ts). */
export interface ReplyGuard {
  /** Everything released so far. */
  readonly text: string;
  /** Adds a token; resolves to the text that may be released now ('' while held); rejects when the policy blocks. */
  push(token: string): Promise<string>;
  /** The rest at the reply's end; `review.held` waits for a human's approval. */
  end(): Promise<{ readonly text: string; readonly review?: { readonly types: readonly string[]; readonly held: string } }>;
}

/** The guardrails of one run, at each stage (input, what the model sees, the output stream, tool calls, tool results). */
export interface RunGuard {
  /** Checks the run's new input; `go` is the conversation as the run continues with it. */
  input(messages: readonly ChatMessage[]): Promise<GuardStep<readonly ChatMessage[]>>;
  /** What the model is shown (pseudonymised). */
  model(messages: readonly ChatMessage[]): Promise<readonly ChatMessage[]>;
  /** A guard for the next model reply's stream. */
  reply(): ReplyGuard;
  /** A tool call's arguments as the tool gets them (placeholders restored, the policy applied); `audit: false` only looks. */
  toolCall(call: ToolCall, options?: { audit?: boolean }): Promise<GuardStep<Record<string, unknown>>>;
  /** A tool's result as the model sees it; `quarantined` names what withheld it. */
  toolResult(call: ToolCall, content: string): Promise<{ readonly content: string; readonly quarantined?: readonly string[] }>;
  /** The run ended: forget its placeholders. */
  close(): void;
}

/**
 * A decision on a new run before its first model call (business rules): `reply` is said as the assistant's answer
 * without asking the model (a refusal); `handoff` passes the conversation to that agent (after the reply, if any).
 */
export type RunRoute = { readonly reply?: string; readonly handoff?: string } | undefined;

/** Points in the run loop where guardrails and memory plug in. */
export interface AgentHooks {
  /** Checks a new run's input; throwing fails the run with that error. */
  input?(messages: readonly ChatMessage[], info: HookInfo): void | Promise<void>;
  /** Shapes what the model sees on each call: a bounded window, recalled memories. */
  beforeModel?(messages: readonly ChatMessage[], info: HookInfo): readonly ChatMessage[] | Promise<readonly ChatMessage[]>;
  /** Checks (and may rewrite) a final answer; throwing fails the run. */
  output?(text: string, info: HookInfo): string | Promise<string>;
  /** Decides, before a new run's first model call, whether it is refused or handed off (business rules). */
  route?(messages: readonly ChatMessage[], info: HookInfo): RunRoute | Promise<RunRoute>;
  /** Guardrails of each run (actors/guardrail). */
  guard?(info: HookInfo): RunGuard;
}

/** An agent, as defined in config or code. */
export interface AgentDefinition {
  readonly name: string;
  readonly instructions: string;
  readonly provider: ModelProvider;
  readonly model: string;
  readonly temperature?: number;
  /** Model parameters of every call (`temperature` above is the older shorthand; `params.temperature` wins). */
  readonly params?: ModelParams;
  /**
   * The system prompt of a new run (template, instructions, persona; actors/prompt). Absent: `instructions`.
   * Rejects (bad_request, not_found) for an unknown template or persona or a bad variable: the run is not started.
   */
  readonly systemPrompt?: (request: {
    readonly tenant: string;
    /** The new run's id (absent when a handoff renders the next agent's prompt): an experiment assigns by it. */
    readonly runId?: string;
    readonly metadata: Readonly<Record<string, unknown>>;
    readonly options: RunOptions;
    readonly now: number;
  }) => Promise<{ readonly text: string; readonly prompt?: RenderedPrompt }>;
  /** Tool names; each is the pool actor `tool/<name>`. */
  readonly tools?: readonly string[];
  /** Agents this one may ask (delegate to) — each appears to the model as a tool `ask_<agent>`. */
  readonly delegates?: readonly string[];
  /** Agents this one may hand the conversation to — tools `transfer_to_<agent>`. */
  readonly handoffs?: readonly string[];
  /** Descriptions of the agents it may ask or hand off to, shown in those tools' descriptions. */
  readonly peers?: Readonly<Record<string, string>>;
  /** Topic patterns this agent listens on: each ACP message published there starts a run. */
  readonly subscribe?: readonly string[];
  /** Topic patterns the model may publish ACP messages to (through the tool `publish`). */
  readonly publish?: readonly string[];
  /** Tools whose calls need a human's approval first. */
  readonly approvals?: readonly string[];
  /** Model calls per run before it fails (default 8). */
  readonly maxTurns?: number;
  /** Prompt + completion tokens per run before it fails. */
  readonly tokenBudget?: number;
  /** Delegation depth limit (default 3): stops cycles and runaway fan-out. */
  readonly maxDepth?: number;
  readonly prices?: Prices;
  /** Longest a whole run may take before it ends with status `timeout`. */
  readonly runTimeoutMs?: number;
  /** Creates one activation (one tenant) admits at once (default 16, ADR 0042); more wait their turn in the mailbox. */
  readonly maxConcurrentCreates?: number;
  /** Times a run is picked up again after its host died before it is ended as failed (default 3). */
  readonly maxResumes?: number;
  /**
   * How long a finished run's log and record are kept (absent: forever). The agent deletes older
   * ones every `pruneEveryMs` (default 10 min); threads and their history are kept.
   */
  readonly retainRunsMs?: number;
  readonly pruneEveryMs?: number;
  /** Hooks in the run loop (guardrails, memory). */
  readonly hooks?: AgentHooks;
  /** The node's text-to-speech (config `media.speech.tts`): answers asked as audio are spoken with it. Absent: none. */
  readonly speech?: AgentSpeech;
  /**
   * How the agent reaches tools and agents (`tool/<name>`, `agent/<name>`) in its tenant; the
   * catalog activates them on first use. Default: the plain ref (already running).
   */
  readonly resolve?: (address: string, tenant: string) => Promise<ActorRef>;
  /** Longest a tool call or delegation may take (default 30 s). */
  readonly toolTimeoutMs?: number;
  /**
   * Refuses a run this agent would start inside the mesh (a delegation) for a tenant past its budget: throws
   * `budget_exceeded`, which the model sees as the call's error. Absent: no budgets.
   */
  readonly admit?: (tenant: string) => Promise<void>;
}
