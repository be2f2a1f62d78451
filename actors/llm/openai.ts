/**
 * The OpenAI Chat Completions backend, on the official `openai` SDK. It speaks to any
 * OpenAI-compatible server by `baseURL` (OpenAI, Azure-style proxies, Ollama
 * `http://localhost:11434/v1`, vLLM, llama.cpp `llama-server`, LM Studio, ...).
 *
 * The SDK's own retries are off (`maxRetries: 0`): retrying is the resilience layer's job
 * (see `resilience.ts`), where it can respect the no-replay-after-output rule.
 */
import OpenAI from 'openai';
import { registerSecret } from '../../protocols/index.js';
import { abortedError, httpProviderError, parseRetryAfter } from './resilience.js';
import {
  ProviderError,
  type ChatMessage,
  type ModelEvent,
  type ModelProvider,
  type ModelRequest,
  type ToolCall,
  type ToolSpec,
  type Usage,
} from './types.js';
import { withSafeToolNames } from './tool-names.js';
import { dataUrl, inlineMedia, unsupportedPart } from './media.js';
import type { ContentPart, MediaPart } from '../../protocols/index.js';

type OAIMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type OAITool = OpenAI.Chat.Completions.ChatCompletionTool;
type OAIChunk = OpenAI.Chat.Completions.ChatCompletionChunk;
type OAIUserPart = OpenAI.Chat.Completions.ChatCompletionContentPart;

/** Audio formats Chat Completions takes as `input_audio`. */
const OPENAI_AUDIO: Readonly<Record<string, 'wav' | 'mp3'>> = { 'audio/wav': 'wav', 'audio/mpeg': 'mp3' };

/**
 * One part of a user message in Chat Completions' format: images as `image_url` with a data URL, wav/mp3 audio as
 * `input_audio`, other files as `file` with a data URL. The part must be inline (see media.ts).
 */
export function toOpenAIPart(p: ContentPart, provider = 'openai'): OAIUserPart {
  if (p.type === 'text') return { type: 'text', text: p.text };
  if (p.data === undefined) throw unsupportedPart(provider, p);
  switch (p.type) {
    case 'image':
      return { type: 'image_url', image_url: { url: dataUrl(p) } };
    case 'audio': {
      const format = OPENAI_AUDIO[p.mime];
      if (format === undefined) throw unsupportedPart(provider, p);
      return { type: 'input_audio', input_audio: { data: p.data, format } };
    }
    case 'file':
      return { type: 'file', file: { file_data: dataUrl(p), ...(p.name === undefined ? {} : { filename: p.name }) } };
  }
}

/** A user message carrying the media a tool returned (Chat Completions' tool messages take text only). */
function toolMedia(m: ChatMessage, provider: string): OAIMessage[] {
  const media = (m.parts ?? []).filter((p): p is MediaPart => p.type !== 'text');
  if (media.length === 0) return [];
  return [
    {
      role: 'user',
      content: [
        { type: 'text', text: `[media returned by tool ${m.name ?? m.toolCallId ?? ''}]` },
        ...media.map((p) => toOpenAIPart(p, provider)),
      ],
    },
  ];
}

/** Options of {@link OpenAIProvider}. */
export interface OpenAIProviderOptions {
  /** Defaults to `OPENAI_API_KEY`; local servers that need no key get a placeholder. */
  readonly apiKey?: string;
  /** E.g. `http://127.0.0.1:11434/v1` for Ollama. Defaults to the SDK's (OpenAI's) URL. */
  readonly baseURL?: string;
  /** The SDK's request timeout (until the response headers arrive). Default 600 000 ms. Bound the whole stream with `withTimeout`. */
  readonly timeoutMs?: number;
  /** Provider name (for logs and wrapper names). Default `openai`. */
  readonly name?: string;
  /** Extra headers on every request. */
  readonly defaultHeaders?: Record<string, string>;
  /**
   * Which body field carries `ModelRequest.maxTokens`. OpenAI's newer models want
   * `max_completion_tokens`; most compatible servers only know `max_tokens` (the default).
   */
  readonly maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** A ready client (tests, custom fetch); its retry setting is the caller's business. */
  readonly client?: OpenAI;
}

/** A rough token count (≈ 4 characters a token) for servers that report no usage. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

/** Maps Troupe messages to Chat Completions messages. */
export function toOpenAIMessages(messages: readonly ChatMessage[], provider = 'openai'): OAIMessage[] {
  const out: OAIMessage[] = [];
  // Media a tool returned follows the run of tool messages it belongs to (no message may come between calls' results).
  let held: OAIMessage[] = [];
  for (const m of messages) {
    if (m.role !== 'tool' && held.length > 0) {
      out.push(...held);
      held = [];
    }
    out.push(toOpenAIMessage(m, provider));
    if (m.role === 'tool') held.push(...toolMedia(m, provider));
  }
  out.push(...held);
  return out;
}

function toOpenAIMessage(m: ChatMessage, provider: string): OAIMessage {
  {
    switch (m.role) {
      case 'system':
        return { role: 'system', content: m.content };
      case 'user':
        return m.parts === undefined
          ? { role: 'user', content: m.content }
          : { role: 'user', content: m.parts.map((p) => toOpenAIPart(p, provider)) };
      case 'assistant': {
        const calls = m.toolCalls ?? [];
        if (calls.length === 0) return { role: 'assistant', content: m.content };
        return {
          role: 'assistant',
          content: m.content === '' ? null : m.content,
          tool_calls: calls.map((c) => ({
            id: c.id,
            type: 'function' as const,
            function: { name: c.name, arguments: JSON.stringify(c.arguments) },
          })),
        };
      }
      case 'tool':
        if (m.toolCallId === undefined)
          throw new ProviderError(`${provider}: a tool message needs toolCallId`, { retryable: false, code: 'bad_request' });
        return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
    }
  }
}

/** Maps Troupe tool specs to Chat Completions function tools. */
export function toOpenAITools(tools: readonly ToolSpec[]): OAITool[] {
  return tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
}

/**
 * True when OpenAI's strict structured outputs take `schema` as it is: every object lists all its properties as
 * required and forbids others (strict mode refuses any other schema with a 400, so those go non-strict).
 */
export function strictCompatible(schema: unknown, depth = 0): boolean {
  if (depth > 64 || typeof schema !== 'object' || schema === null) return depth <= 64;
  if (Array.isArray(schema)) return schema.every((s) => strictCompatible(s, depth + 1));
  const s = schema as Record<string, unknown>;
  if (s['type'] === 'object' || typeof s['properties'] === 'object') {
    const props = Object.keys((s['properties'] as Record<string, unknown> | undefined) ?? {});
    const required = Array.isArray(s['required']) ? (s['required'] as unknown[]) : [];
    if (s['additionalProperties'] !== false || !props.every((p) => required.includes(p))) return false;
  }
  return Object.values(s).every((v) => strictCompatible(v, depth + 1));
}

/** Parses a tool call's JSON arguments; malformed JSON is a non-retryable ProviderError. */
export function parseToolArguments(provider: string, name: string, raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {}; // some servers send no argument text for argument-less tools
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new ProviderError(`${provider}: tool call ${name} has malformed JSON arguments: ${raw.slice(0, 200)}`, {
      retryable: false,
      cause: e,
      code: 'decode_error',
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ProviderError(`${provider}: tool call ${name} arguments are not a JSON object`, { retryable: false, code: 'decode_error' });
  }
  return parsed as Record<string, unknown>;
}

/**
 * Maps anything the SDK (or the stream) throws to a {@link ProviderError}:
 * HTTP errors by status (`retry-after`/`retry-after-ms` read), connection errors and
 * timeouts retryable, a caller abort non-retryable, anything else (a socket torn down
 * mid-stream, a garbled chunk) a retryable broken stream.
 */
export function mapOpenAIError(provider: string, e: unknown, signal?: AbortSignal): ProviderError {
  if (e instanceof ProviderError) return e;
  if (signal?.aborted || e instanceof OpenAI.APIUserAbortError) return abortedError(provider, signal, e);
  if (e instanceof OpenAI.APIConnectionTimeoutError)
    return new ProviderError(`${provider}: request timed out`, { retryable: true, cause: e, code: 'deadline_exceeded' });
  if (e instanceof OpenAI.APIConnectionError)
    return new ProviderError(`${provider}: connection error: ${e.message}`, { retryable: true, cause: e });
  if (e instanceof OpenAI.APIError) {
    if (e.status !== undefined) return httpProviderError(provider, e.status, e.message, e.headers, e);
    // An `{"error": ...}` object inside the stream: the server failed mid-call.
    const retryAfterMs = parseRetryAfter(e.headers);
    return new ProviderError(`${provider}: error in stream: ${e.message}`, {
      retryable: true,
      cause: e,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new ProviderError(`${provider}: stream broken: ${msg}`, { retryable: true, cause: e });
}

interface PartialCall {
  id: string | undefined;
  name: string;
  args: string;
}

/** A {@link ModelProvider} over the OpenAI Chat Completions streaming API. */
export class OpenAIProvider implements ModelProvider {
  readonly name: string;
  readonly client: OpenAI;
  private readonly maxTokensField: 'max_tokens' | 'max_completion_tokens';

  constructor(options: OpenAIProviderOptions = {}) {
    this.name = options.name ?? 'openai';
    this.maxTokensField = options.maxTokensField ?? 'max_tokens';
    if (options.client) {
      this.client = options.client;
    } else {
      registerSecret(options.apiKey ?? process.env['OPENAI_API_KEY']); // an error echoing it is scrubbed (protocols/secrets.ts)
      const apiKey = options.apiKey ?? process.env['OPENAI_API_KEY'] ?? (options.baseURL !== undefined ? 'not-needed' : undefined);
      if (apiKey === undefined)
        throw new ProviderError(`${this.name}: no API key (pass apiKey or set OPENAI_API_KEY)`, { retryable: false, code: 'unauthorized' });
      this.client = new OpenAI({
        apiKey,
        ...(options.baseURL !== undefined ? { baseURL: options.baseURL } : {}),
        maxRetries: 0,
        timeout: options.timeoutMs ?? 600_000,
        ...(options.defaultHeaders ? { defaultHeaders: options.defaultHeaders } : {}),
      });
    }
  }

  /** Streams one call; tool names with characters the vendor refuses (an MCP tool's dot) are mapped both ways. */
  stream(request: ModelRequest): AsyncIterable<ModelEvent> {
    return withSafeToolNames(request, (r) => this.streamVendor(r));
  }

  private async *streamVendor(request: ModelRequest): AsyncGenerator<ModelEvent> {
    const signal = request.signal;
    const body: OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming = {
      model: request.model,
      messages: toOpenAIMessages(await inlineMedia(request, this.name), this.name),
      stream: true,
      stream_options: { include_usage: true },
      ...(request.tools && request.tools.length > 0 ? { tools: toOpenAITools(request.tools) } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.maxTokens !== undefined ? { [this.maxTokensField]: request.maxTokens } : {}),
      ...(request.topP !== undefined ? { top_p: request.topP } : {}),
      ...(request.frequencyPenalty !== undefined ? { frequency_penalty: request.frequencyPenalty } : {}),
      ...(request.presencePenalty !== undefined ? { presence_penalty: request.presencePenalty } : {}),
      ...(request.stop !== undefined && request.stop.length > 0 ? { stop: [...request.stop] } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      ...(request.responseFormat === undefined
        ? {}
        : {
            response_format: {
              type: 'json_schema' as const,
              json_schema: {
                name: request.responseFormat.name,
                schema: { ...request.responseFormat.schema },
                strict: strictCompatible(request.responseFormat.schema),
              },
            },
          }),
    };

    let text = '';
    const partial = new Map<number, PartialCall>();
    const calls: ToolCall[] = [];
    let finishReason: string | null = null;
    let usage: Usage | undefined;
    let replyId: string | undefined;
    let replyModel: string | undefined;
    try {
      const stream = await this.client.chat.completions.create(body, signal ? { signal } : undefined);
      for await (const chunk of stream as AsyncIterable<OAIChunk>) {
        if (chunk.id && replyId === undefined) replyId = chunk.id;
        if (chunk.model && replyModel === undefined) replyModel = chunk.model;
        if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
        // The usage chunk has `choices: []`; servers send one choice otherwise (n = 1).
        const choice = chunk.choices[0];
        if (!choice) continue;
        const delta = choice.delta;
        if (delta?.content) {
          text += delta.content;
          yield { type: 'token', text: delta.content };
        }
        for (const frag of delta?.tool_calls ?? []) {
          let acc = partial.get(frag.index);
          if (!acc) partial.set(frag.index, (acc = { id: undefined, name: '', args: '' }));
          // OpenAI sends id and name once, in a call's first fragment; some compatible
          // servers repeat them in every fragment, so they are set once, never appended.
          if (frag.id && acc.id === undefined) acc.id = frag.id;
          if (frag.function?.name && acc.name === '') acc.name = frag.function.name;
          if (frag.function?.arguments) acc.args += frag.function.arguments;
        }
        if (choice.finish_reason && finishReason === null) {
          finishReason = choice.finish_reason;
          // Every call is complete once the choice has finished: emit them in index order.
          for (const [index, acc] of [...partial.entries()].sort((a, b) => a[0] - b[0])) {
            if (acc.name === '')
              throw new ProviderError(`${this.name}: tool call #${index} has no name`, { retryable: false, code: 'decode_error' });
            const call: ToolCall = {
              id: acc.id ?? `call_${index}`,
              name: acc.name,
              arguments: parseToolArguments(this.name, acc.name, acc.args),
            };
            calls.push(call);
            yield { type: 'tool_call', call };
          }
        }
      }
    } catch (e) {
      throw mapOpenAIError(this.name, e, signal);
    }
    // The SDK ends the iteration quietly when the request is aborted mid-stream.
    if (signal?.aborted) throw abortedError(this.name, signal);
    if (finishReason === null) throw new ProviderError(`${this.name}: stream ended without a finish_reason`, { retryable: true });

    if (usage === undefined) {
      // No usage chunk (a server that ignores `stream_options.include_usage`): estimate
      // ≈ 4 characters a token over the prompt and the answer. Rough, but budgets and
      // metrics stay meaningful; real counts replace this whenever the server sends them.
      const prompt = request.messages.map((m) => m.content + (m.toolCalls ? JSON.stringify(m.toolCalls) : '')).join('\n');
      const answer = text + calls.map((c) => c.name + JSON.stringify(c.arguments)).join('');
      usage = { promptTokens: estimateTokens(prompt), completionTokens: estimateTokens(answer) };
    }

    // Ollama and some other servers finish a tool-calling turn with `stop`: the calls decide.
    const stopReason =
      finishReason === 'length'
        ? 'length'
        : calls.length > 0 || finishReason === 'tool_calls' || finishReason === 'function_call'
          ? 'tool_calls'
          : 'stop'; // `content_filter` → stop
    const message: ChatMessage =
      calls.length > 0 ? { role: 'assistant', content: text, toolCalls: calls } : { role: 'assistant', content: text };
    yield {
      type: 'done',
      message,
      usage,
      stopReason,
      ...(replyId === undefined ? {} : { id: replyId }),
      ...(replyModel === undefined ? {} : { model: replyModel }),
    };
  }
}
