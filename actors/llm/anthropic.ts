/**
 * The Anthropic Messages backend, on the official `@anthropic-ai/sdk`. It consumes the
 * raw SSE events (`message_start`, `content_block_start/delta/stop`, `message_delta`,
 * `message_stop`) rather than the SDK's accumulating helper, so tokens are passed on as
 * they arrive and a broken stream is detected precisely.
 *
 * The SDK's own retries are off (`maxRetries: 0`): retrying is the resilience layer's job.
 */
import Anthropic from '@anthropic-ai/sdk';
import { registerSecret } from '../../protocols/index.js';
import { parseToolArguments } from './openai.js';
import { abortedError, httpProviderError, isRetryableStatus, parseRetryAfter } from './resilience.js';
import {
  ProviderError,
  type ChatMessage,
  type ModelEvent,
  type ModelProvider,
  type ModelRequest,
  type ToolCall,
  type ToolSpec,
} from './types.js';
import { withSafeToolNames } from './tool-names.js';
import { inlineMedia, unsupportedPart } from './media.js';
import type { ContentPart } from '../../protocols/index.js';

type AMessage = Anthropic.Messages.MessageParam;
type ABlock = Anthropic.Messages.ContentBlockParam;
type ATool = Anthropic.Messages.Tool;
type AEvent = Anthropic.Messages.RawMessageStreamEvent;

/** Image types the Messages API takes. */
const ANTHROPIC_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/**
 * One part in the Messages API's format: images as `image` blocks with a base64 source, PDFs as `document` blocks with
 * a base64 source, text files as `document` blocks with a text source. Audio has no Messages API form: a typed
 * `unprocessable` error (a transcription step turns audio into text first). The part must be inline (media.ts).
 */
export function toAnthropicBlock(p: ContentPart, provider = 'anthropic'): ABlock {
  if (p.type === 'text') return { type: 'text', text: p.text };
  if (p.data === undefined) throw unsupportedPart(provider, p);
  if (p.type === 'image' && ANTHROPIC_IMAGES.has(p.mime))
    return {
      type: 'image',
      source: { type: 'base64', media_type: p.mime as 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp', data: p.data },
    };
  if (p.type === 'file' && p.mime === 'application/pdf')
    return {
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: p.data },
      ...(p.name === undefined ? {} : { title: p.name }),
    };
  if (p.type === 'file' && (p.mime.startsWith('text/') || p.mime === 'application/json'))
    return {
      type: 'document',
      source: { type: 'text', media_type: 'text/plain', data: Buffer.from(p.data, 'base64').toString('utf8') },
      ...(p.name === undefined ? {} : { title: p.name }),
    };
  throw unsupportedPart(provider, p);
}

/** Options of {@link AnthropicProvider}. */
export interface AnthropicProviderOptions {
  /** Defaults to `ANTHROPIC_API_KEY` (else the SDK's default credential chain). */
  readonly apiKey?: string;
  /** Defaults to the SDK's (`ANTHROPIC_BASE_URL` or https://api.anthropic.com). */
  readonly baseURL?: string;
  /** The SDK's request timeout (until the response headers arrive). Default 600 000 ms. Bound the whole stream with `withTimeout`. */
  readonly timeoutMs?: number;
  /** `max_tokens` when the request sets none (the Messages API requires one). Default 4096. */
  readonly defaultMaxTokens?: number;
  /** Provider name (for logs and wrapper names). Default `anthropic`. */
  readonly name?: string;
  /** Extra headers on every request. */
  readonly defaultHeaders?: Record<string, string>;
  /** A ready client (tests, custom fetch); its retry setting is the caller's business. */
  readonly client?: Anthropic;
}

/**
 * Maps Troupe messages to the Messages API: `system` messages are pulled out into the
 * top-level `system` string (joined in order), assistant tool calls become `tool_use`
 * blocks, `tool` messages become `tool_result` blocks of a user message, and consecutive
 * messages of the same role are merged (all results of parallel calls must sit in the one
 * user message that follows the calls).
 */
export function toAnthropicMessages(
  messages: readonly ChatMessage[],
  provider = 'anthropic',
): { system: string | undefined; messages: AMessage[] } {
  const system: string[] = [];
  const out: { role: 'user' | 'assistant'; blocks: ABlock[] }[] = [];
  const push = (role: 'user' | 'assistant', blocks: ABlock[]): void => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) last.blocks.push(...blocks);
    else out.push({ role, blocks });
  };
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        system.push(m.content);
        break;
      case 'user':
        if (m.parts !== undefined)
          push(
            'user',
            m.parts.map((p) => toAnthropicBlock(p, provider)),
          );
        else push('user', m.content === '' ? [] : [{ type: 'text', text: m.content }]);
        break;
      case 'assistant':
        push('assistant', [
          ...(m.content === '' ? [] : [{ type: 'text' as const, text: m.content }]),
          ...(m.toolCalls ?? []).map((c): ABlock => ({ type: 'tool_use', id: c.id, name: c.name, input: c.arguments })),
        ]);
        break;
      case 'tool':
        if (m.toolCallId === undefined)
          throw new ProviderError(`${provider}: a tool message needs toolCallId`, { retryable: false, code: 'bad_request' });
        push('user', [
          {
            type: 'tool_result',
            tool_use_id: m.toolCallId,
            // A tool's images go inside its result, as the API allows; its other media are refused like any part.
            content:
              m.parts === undefined
                ? m.content
                : m.parts.map(
                    (p) => toAnthropicBlock(p, provider) as Anthropic.Messages.TextBlockParam | Anthropic.Messages.ImageBlockParam,
                  ),
          },
        ]);
        break;
    }
  }
  return {
    system: system.length > 0 ? system.join('\n\n') : undefined,
    // A lone text block is sent as a plain string, the API's simplest form.
    messages: out.map(({ role, blocks }) => {
      const only = blocks.length === 1 ? blocks[0] : undefined;
      return { role, content: only?.type === 'text' ? only.text : blocks };
    }),
  };
}

/** Maps Troupe tool specs to Messages API tools. */
export function toAnthropicTools(tools: readonly ToolSpec[]): ATool[] {
  return tools.map((t) => ({
    name: t.name,
    description: t.description,
    input_schema: { type: 'object', ...t.parameters } as ATool['input_schema'],
  }));
}

/** Error types (the body's `error.type`) that are worth retrying. */
const RETRYABLE_TYPES = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']);
/** Error types that retrying cannot fix. */
const FATAL_TYPES = new Set([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'billing_error',
]);

/**
 * Maps anything the SDK (or the stream) throws to a {@link ProviderError}: HTTP errors by
 * status (529 `overloaded_error` retryable, `retry-after` read), an `event: error` inside
 * the stream by its `error.type`, connection errors and timeouts retryable, a caller abort
 * non-retryable, anything else (a socket torn down mid-stream) a retryable broken stream.
 */
export function mapAnthropicError(provider: string, e: unknown, signal?: AbortSignal): ProviderError {
  if (e instanceof ProviderError) return e;
  if (signal?.aborted || e instanceof Anthropic.APIUserAbortError) return abortedError(provider, signal, e);
  if (e instanceof Anthropic.APIConnectionTimeoutError)
    return new ProviderError(`${provider}: request timed out`, { retryable: true, cause: e, code: 'deadline_exceeded' });
  if (e instanceof Anthropic.APIConnectionError)
    return new ProviderError(`${provider}: connection error: ${e.message}`, { retryable: true, cause: e });
  if (e instanceof Anthropic.APIError) {
    const type = e.type ?? undefined;
    if (e.status !== undefined) {
      const retryable = type !== undefined && RETRYABLE_TYPES.has(type) ? true : isRetryableStatus(e.status);
      return httpProviderError(provider, e.status, e.message, e.headers, e, retryable);
    }
    // `event: error` inside a 200 stream (e.g. overloaded_error mid-answer).
    const retryable = type === undefined || !FATAL_TYPES.has(type);
    const retryAfterMs = parseRetryAfter(e.headers);
    return new ProviderError(`${provider}: error in stream: ${type ?? 'unknown'}: ${e.message}`, {
      retryable,
      ...(type === 'overloaded_error' ? { status: 529 } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      cause: e,
      ...(type === 'rate_limit_error' ? { code: 'rate_limited' as const } : {}),
    });
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new ProviderError(`${provider}: stream broken: ${msg}`, { retryable: true, cause: e });
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

type Block = { kind: 'text' } | { kind: 'tool'; id: string; name: string; json: string; input: unknown } | { kind: 'other' };

/** A {@link ModelProvider} over the Anthropic Messages streaming API. */
export class AnthropicProvider implements ModelProvider {
  readonly name: string;
  readonly client: Anthropic;
  private readonly defaultMaxTokens: number;

  constructor(options: AnthropicProviderOptions = {}) {
    this.name = options.name ?? 'anthropic';
    this.defaultMaxTokens = options.defaultMaxTokens ?? 4096;
    const apiKey = options.apiKey ?? process.env['ANTHROPIC_API_KEY'];
    if (options.client === undefined) registerSecret(apiKey); // an error echoing it is scrubbed (protocols/secrets.ts)
    this.client =
      options.client ??
      new Anthropic({
        ...(apiKey !== undefined ? { apiKey } : {}),
        ...(options.baseURL !== undefined ? { baseURL: options.baseURL } : {}),
        maxRetries: 0,
        timeout: options.timeoutMs ?? 600_000,
        ...(options.defaultHeaders ? { defaultHeaders: options.defaultHeaders } : {}),
      });
  }

  /** Streams one call; tool names with characters the vendor refuses (an MCP tool's dot) are mapped both ways. */
  stream(request: ModelRequest): AsyncIterable<ModelEvent> {
    return withSafeToolNames(request, (r) => this.streamVendor(r));
  }

  private async *streamVendor(request: ModelRequest): AsyncGenerator<ModelEvent> {
    const signal = request.signal;
    const { system, messages } = toAnthropicMessages(await inlineMedia(request, this.name), this.name);
    const body: Anthropic.Messages.MessageCreateParamsStreaming = {
      model: request.model,
      max_tokens: request.maxTokens ?? this.defaultMaxTokens,
      messages,
      stream: true,
      ...(system !== undefined ? { system } : {}),
      ...(request.tools && request.tools.length > 0 ? { tools: toAnthropicTools(request.tools) } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.topP !== undefined ? { top_p: request.topP } : {}),
      ...(request.stop !== undefined && request.stop.length > 0 ? { stop_sequences: [...request.stop] } : {}),
      // The Messages API has no frequency/presence penalty and no seed: those are dropped (docs/prompts.md).
    };

    let text = '';
    const blocks = new Map<number, Block>();
    const calls: ToolCall[] = [];
    let promptTokens = 0;
    let completionTokens = 0;
    let stopReason: string | null = null;
    let started = false;
    let stopped = false;
    let replyId: string | undefined;
    let replyModel: string | undefined;
    try {
      const stream = await this.client.messages.create(body, signal ? { signal } : undefined);
      for await (const ev of stream as AsyncIterable<AEvent>) {
        switch (ev.type) {
          case 'message_start': {
            started = true;
            if (typeof ev.message.id === 'string') replyId = ev.message.id;
            if (typeof ev.message.model === 'string') replyModel = ev.message.model;
            // Compatible proxies may omit fields: a missing count reads as 0.
            const u = ev.message.usage as Partial<Anthropic.Messages.Usage> | undefined;
            // Total input = uncached + cache writes + cache reads.
            promptTokens = num(u?.input_tokens) + num(u?.cache_creation_input_tokens) + num(u?.cache_read_input_tokens);
            completionTokens = num(u?.output_tokens);
            break;
          }
          case 'content_block_start': {
            const b = ev.content_block;
            if (b.type === 'text') {
              blocks.set(ev.index, { kind: 'text' });
              if (b.text) {
                text += b.text;
                yield { type: 'token', text: b.text };
              }
            } else if (b.type === 'tool_use') {
              blocks.set(ev.index, { kind: 'tool', id: b.id, name: b.name, json: '', input: b.input });
            } else {
              blocks.set(ev.index, { kind: 'other' }); // thinking, server tools: not surfaced
            }
            break;
          }
          case 'content_block_delta': {
            const b = blocks.get(ev.index);
            if (ev.delta.type === 'text_delta' && b?.kind === 'text') {
              text += ev.delta.text;
              yield { type: 'token', text: ev.delta.text };
            } else if (ev.delta.type === 'input_json_delta' && b?.kind === 'tool') {
              b.json += ev.delta.partial_json;
            }
            break;
          }
          case 'content_block_stop': {
            const b = blocks.get(ev.index);
            if (b?.kind === 'tool') {
              // No deltas at all: the start block's `input` is the whole input.
              const args =
                b.json === '' && b.input !== null && typeof b.input === 'object' && !Array.isArray(b.input)
                  ? (b.input as Record<string, unknown>)
                  : parseToolArguments(this.name, b.name, b.json);
              const call: ToolCall = { id: b.id, name: b.name, arguments: args };
              calls.push(call);
              yield { type: 'tool_call', call };
            }
            break;
          }
          case 'message_delta': {
            if (ev.delta.stop_reason) stopReason = ev.delta.stop_reason;
            // message_delta usage is cumulative; input counts are repeated only by newer API versions.
            const u = ev.usage as Partial<Anthropic.Messages.MessageDeltaUsage> | undefined;
            if (typeof u?.output_tokens === 'number') completionTokens = u.output_tokens;
            if (typeof u?.input_tokens === 'number')
              promptTokens = u.input_tokens + num(u.cache_creation_input_tokens) + num(u.cache_read_input_tokens);
            break;
          }
          case 'message_stop':
            stopped = true;
            break;
        }
      }
    } catch (e) {
      throw mapAnthropicError(this.name, e, signal);
    }
    // The SDK ends the iteration quietly when the request is aborted mid-stream.
    if (signal?.aborted) throw abortedError(this.name, signal);
    if (!started || !stopped) throw new ProviderError(`${this.name}: stream ended before message_stop`, { retryable: true });

    // end_turn, stop_sequence, pause_turn and refusal all read as `stop`.
    const reason =
      stopReason === 'max_tokens' || stopReason === 'model_context_window_exceeded'
        ? 'length'
        : stopReason === 'tool_use' || calls.length > 0
          ? 'tool_calls'
          : 'stop';
    const message: ChatMessage =
      calls.length > 0 ? { role: 'assistant', content: text, toolCalls: calls } : { role: 'assistant', content: text };
    yield {
      type: 'done',
      message,
      usage: { promptTokens, completionTokens },
      stopReason: reason,
      ...(replyId === undefined ? {} : { id: replyId }),
      ...(replyModel === undefined ? {} : { model: replyModel }),
    };
  }
}
