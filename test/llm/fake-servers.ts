/**
 * Local HTTP servers that speak the OpenAI Chat Completions and Anthropic Messages wire
 * formats (JSON errors, `text/event-stream` streams), so the real SDKs can be tested on
 * 127.0.0.1 without the internet. Each request takes the next scripted handler.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ModelEvent } from '../../actors/llm/types.js';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  /** True when the client closed the connection before the response ended. */
  aborted: boolean;
}

export type Handler = (res: ServerResponse, req: IncomingMessage) => void | Promise<void>;

export interface FakeServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Queues handlers for the next requests; the last one answers every request after. */
  script(...handlers: Handler[]): void;
  /** Forgets recorded requests and scripted handlers (call between tests). */
  reset(): void;
  close(): Promise<void>;
}

export async function startServer(): Promise<FakeServer> {
  const queue: Handler[] = [];
  const defaultHandler: Handler = jsonError(500, { error: { message: 'no scripted handler' } });
  let fallback = defaultHandler;
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const rec: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
        aborted: false,
      };
      requests.push(rec);
      res.on('close', () => {
        if (!res.writableFinished) rec.aborted = true;
      });
      const handler = queue.shift() ?? fallback;
      if (queue.length === 0) fallback = handler;
      Promise.resolve(handler(res, req)).catch((e: unknown) => {
        res.destroy(e instanceof Error ? e : new Error(String(e)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(...handlers) {
      queue.push(...handlers);
    },
    reset() {
      queue.length = 0;
      requests.length = 0;
      fallback = defaultHandler;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A JSON error response (both vendors send `{ "error": { ... } }`-shaped bodies). */
export function jsonError(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
}

/**
 * An OpenAI-style error that echoes the presented key, as real providers do
 * ("Incorrect API key provided: sk-…"): for the tests that no secret reaches a client or a log.
 */
export function echoKeyError(status = 401): Handler {
  return (res, req) => {
    const key = /^Bearer\s+(.*)$/i.exec(req.headers.authorization ?? '')?.[1] ?? String(req.headers['x-api-key'] ?? '');
    const message = `Incorrect API key provided: ${key}. You can find your API key at https://platform.example/account/api-keys.`;
    void jsonError(status, { error: { message, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } })(res, req);
  };
}

/**
 * A `text/event-stream` response writing `frames` one by one. With `cutAfter`, the socket
 * is destroyed after that many frames (a connection lost mid-stream); with `stallAfter`,
 * the response just stops there and never ends.
 */
export function sse(frames: readonly string[], opts: { cutAfter?: number; stallAfter?: number; gapMs?: number } = {}): Handler {
  return async (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    for (let i = 0; i < frames.length; i++) {
      if (i === opts.cutAfter) {
        await pause(30); // let the client read what was sent before the connection dies
        res.socket?.destroy();
        return;
      }
      if (i === opts.stallAfter) return;
      res.write(frames[i]);
      if (opts.gapMs) await pause(opts.gapMs);
    }
    if (opts.stallAfter !== undefined && opts.stallAfter >= frames.length) return;
    if (opts.cutAfter !== undefined && opts.cutAfter >= frames.length) {
      await pause(30);
      res.socket?.destroy();
      return;
    }
    res.end();
  };
}

/** Never answers (not even headers). */
export const silent: Handler = () => {};

// --- OpenAI wire format -------------------------------------------------------------

/** One `data: {chat.completion.chunk}` frame. */
export function oaiChunk(
  delta: Record<string, unknown> | null,
  finishReason: string | null = null,
  extra: Record<string, unknown> = {},
): string {
  const chunk = {
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'gpt-test',
    system_fingerprint: 'fp_test',
    choices: delta === null ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...extra,
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** The final usage chunk (`stream_options.include_usage`): empty choices, usage set. */
export function oaiUsage(prompt: number, completion: number): string {
  return oaiChunk(null, null, { usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } });
}

export const OAI_DONE = 'data: [DONE]\n\n';

/** A complete streamed text answer. */
export function oaiText(parts: readonly string[], usage: [number, number] | null = [11, parts.length]): string[] {
  return [
    oaiChunk({ role: 'assistant', content: '', refusal: null }),
    ...parts.map((p) => oaiChunk({ content: p })),
    oaiChunk({}, 'stop'),
    ...(usage ? [oaiUsage(usage[0], usage[1])] : []),
    OAI_DONE,
  ];
}

// --- Anthropic wire format ----------------------------------------------------------

/** One `event: <type>` + `data: {...}` frame. */
export function antEvent(data: { type: string } & Record<string, unknown>): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function antStart(inputTokens = 25): string {
  return antEvent({
    type: 'message_start',
    message: {
      id: 'msg_test',
      type: 'message',
      role: 'assistant',
      content: [],
      model: 'claude-test',
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    },
  });
}

export function antStop(stopReason: string, outputTokens: number): string[] {
  return [
    antEvent({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } }),
    antEvent({ type: 'message_stop' }),
  ];
}

/** A complete streamed text answer (with a `ping`, as the real API sends). */
export function antText(parts: readonly string[], inputTokens = 25, outputTokens = parts.length): string[] {
  return [
    antStart(inputTokens),
    antEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    antEvent({ type: 'ping' }),
    ...parts.map((p) => antEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: p } })),
    antEvent({ type: 'content_block_stop', index: 0 }),
    ...antStop('end_turn', outputTokens),
  ];
}

// --- Consuming streams --------------------------------------------------------------

export async function collect(stream: AsyncIterable<ModelEvent>): Promise<ModelEvent[]> {
  const events: ModelEvent[] = [];
  for await (const ev of stream) events.push(ev);
  return events;
}

/** Collects events (into `events`, visible as they come) until the stream ends or throws; returns both. */
export async function collectSettled(
  stream: AsyncIterable<ModelEvent>,
  events: ModelEvent[] = [],
): Promise<{ events: ModelEvent[]; error: unknown }> {
  try {
    for await (const ev of stream) events.push(ev);
    return { events, error: undefined };
  } catch (e) {
    return { events, error: e };
  }
}

export function tokens(events: readonly ModelEvent[]): string {
  return events.flatMap((e) => (e.type === 'token' ? [e.text] : [])).join('');
}

export function lastDone(events: readonly ModelEvent[]): Extract<ModelEvent, { type: 'done' }> {
  const last = events[events.length - 1];
  if (last?.type !== 'done') throw new Error(`stream did not end with done: ${JSON.stringify(last)}`);
  return last;
}
