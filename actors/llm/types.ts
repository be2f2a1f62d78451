/**
 * The provider contract every model backend fills (offline, OpenAI-compatible, Anthropic).
 * A provider streams events for one model call; resilience (retry, breaker, fallback) wraps
 * providers from outside, so each backend stays a thin translation of its wire format.
 */
import { TroupeError, type ErrorCode } from '../../protocols/index.js';

// The conversation shapes are wire contracts (protocols/chat.ts); re-exported here for the providers.
export type { ToolCall, ChatMessage, ToolSpec, Usage } from '../../protocols/index.js';
import type { ChatMessage, ToolCall, ToolSpec, Usage } from '../../protocols/index.js';

/** One model call. */
export interface ModelRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolSpec[];
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly topP?: number;
  /** OpenAI-compatible servers only (Anthropic has none: dropped). */
  readonly frequencyPenalty?: number;
  /** OpenAI-compatible servers only (Anthropic has none: dropped). */
  readonly presencePenalty?: number;
  /** Sequences that end the reply (Anthropic: `stop_sequences`). */
  readonly stop?: readonly string[];
  /** OpenAI-compatible servers only (Anthropic has none: dropped). */
  readonly seed?: number;
  readonly signal?: AbortSignal;
  /**
   * The reply must be one JSON value matching `schema` (a json output format, docs/adr/0046-output-formats.md). OpenAI
   * gets it as `response_format: json_schema`; the others read it from the system prompt (the agent puts it there too).
   */
  readonly responseFormat?: { readonly name: string; readonly schema: Readonly<Record<string, unknown>> };
  /** Who the call is for (set by the agent host): caches and other per-tenant wrappers read it; backends ignore it. */
  readonly scope?: RequestScope;
  /** Reads the bytes of a blob a message part references (the run's tenant's blob store; set by the agent). */
  readonly blobs?: BlobSource;
}

/** Reads the bytes of a blob of the caller's tenant (a `not_found` error when it holds none such). */
export type BlobSource = (ref: { readonly blob: string }) => Promise<Uint8Array>;

/** The run a model call belongs to. */
export interface RequestScope {
  readonly tenant: string;
  readonly runId?: string;
  readonly agent?: string;
}

/** How a reply came from a response cache instead of the model (actors/llm/cache). */
export interface CacheHit {
  readonly kind: 'exact' | 'semantic';
  /** Cosine similarity of the prompt to the cached one (semantic hits). */
  readonly similarity?: number;
}

/** What a provider streams: tokens and tool calls as they come, then one `done`. */
export type ModelEvent =
  | { readonly type: 'token'; readonly text: string }
  | { readonly type: 'tool_call'; readonly call: ToolCall }
  | {
      readonly type: 'done';
      /** The complete assistant message (text and tool calls). */
      readonly message: ChatMessage;
      readonly usage: Usage;
      readonly stopReason: 'stop' | 'tool_calls' | 'length';
      /** Set when the reply is a cache hit (the run marks its `message` event with it). */
      readonly cached?: CacheHit;
      /** The reply's id at the vendor, when it sent one (traces: `gen_ai.response.id`). */
      readonly id?: string;
      /** The model that answered, when the vendor said (traces: `gen_ai.response.model`). */
      readonly model?: string;
    };

/** A model backend. */
export interface ModelProvider {
  /** `offline`, `openai`, `anthropic`, or a wrapper's name. */
  readonly name: string;
  /** Streams one call. Throws {@link ProviderError} on failure (also mid-stream). */
  stream(request: ModelRequest): AsyncIterable<ModelEvent>;
}

/** A failed model call; `retryable` for 429/5xx/timeouts/broken streams. */
export class ProviderError extends TroupeError {
  override name = 'ProviderError';
  readonly status: number | undefined;
  readonly retryable: boolean;
  /** From a `retry-after` header, when the server sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: { status?: number; retryable: boolean; retryAfterMs?: number; cause?: unknown; code?: ErrorCode }) {
    super(options.code ?? (options.status === 429 ? 'rate_limited' : 'unavailable'), message, { cause: options.cause });
    this.status = options.status;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}
