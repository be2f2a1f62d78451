/** AnthropicProvider on the real `@anthropic-ai/sdk` against a local server speaking the Messages SSE wire format. */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AnthropicProvider, ProviderError, withRetry, type ModelRequest } from '../../actors/llm/index.js';
import { SimulatedClock } from '../../runtime/clock.js';
import {
  antEvent,
  antStart,
  antStop,
  antText,
  collect,
  collectSettled,
  jsonError,
  lastDone,
  sse,
  startServer,
  tokens,
  type FakeServer,
} from './fake-servers.js';

let server: FakeServer;
let provider: AnthropicProvider;
beforeAll(async () => {
  server = await startServer();
  provider = new AnthropicProvider({ apiKey: 'sk-ant-test', baseURL: server.url, timeoutMs: 5_000 });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const request: ModelRequest = { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'Hi' }] };
const anthropicError = (type: string, message: string) => ({ type: 'error', error: { type, message }, request_id: 'req_test' });

describe('AnthropicProvider streaming', () => {
  it('streams text tokens, then done with usage; sends the Messages body', async () => {
    server.script(sse(antText(['Hel', 'lo', '!'], 30, 7)));
    const events = await collect(
      provider.stream({
        model: 'claude-haiku-4-5',
        temperature: 0,
        tools: [
          {
            name: 'lookup',
            description: 'Looks up',
            parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
          },
        ],
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Look up x and y' },
          {
            role: 'assistant',
            content: 'Looking.',
            toolCalls: [
              { id: 'toolu_1', name: 'lookup', arguments: { q: 'x' } },
              { id: 'toolu_2', name: 'lookup', arguments: { q: 'y' } },
            ],
          },
          { role: 'tool', content: '1', toolCallId: 'toolu_1', name: 'lookup' },
          { role: 'tool', content: '2', toolCallId: 'toolu_2', name: 'lookup' },
        ],
      }),
    );
    expect(events.filter((e) => e.type === 'token').map((e) => (e.type === 'token' ? e.text : ''))).toEqual(['Hel', 'lo', '!']);
    const done = lastDone(events);
    expect(done).toEqual({
      type: 'done',
      message: { role: 'assistant', content: 'Hello!' },
      usage: { promptTokens: 30, completionTokens: 7 },
      stopReason: 'stop',
      // The reply's id and answering model from message_start (traces: gen_ai.response.id / .model).
      id: 'msg_test',
      model: 'claude-test',
    });

    const rec = server.requests[0]!;
    expect(rec.url).toBe('/v1/messages');
    expect(String(rec.headers['x-api-key'] ?? rec.headers.authorization)).toContain('sk-ant-test'); // x-api-key or Bearer, by SDK version
    expect(rec.headers['anthropic-version']).toBeDefined();
    expect(rec.body).toMatchObject({ model: 'claude-haiku-4-5', stream: true, max_tokens: 4096, system: 'Be brief.', temperature: 0 });
    expect(rec.body.tools).toEqual([
      { name: 'lookup', description: 'Looks up', input_schema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } },
    ]);
    expect(rec.body.messages).toEqual([
      { role: 'user', content: 'Look up x and y' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Looking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'x' } },
          { type: 'tool_use', id: 'toolu_2', name: 'lookup', input: { q: 'y' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '1' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: '2' },
        ],
      },
    ]);
  });

  it('assembles two tool_use blocks whose input arrives as input_json_delta fragments', async () => {
    const delta = (index: number, partial_json: string) =>
      antEvent({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } });
    server.script(
      sse([
        antStart(50),
        antEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
        antEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking both.' } }),
        antEvent({ type: 'content_block_stop', index: 0 }),
        antEvent({
          type: 'content_block_start',
          index: 1,
          content_block: { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: {} },
        }),
        delta(1, ''),
        delta(1, '{"city": "Pa'),
        delta(1, 'ris"}'),
        antEvent({ type: 'content_block_stop', index: 1 }),
        antEvent({
          type: 'content_block_start',
          index: 2,
          content_block: { type: 'tool_use', id: 'toolu_b', name: 'get_time', input: {} },
        }),
        delta(2, '{"tz"'),
        delta(2, ': "UTC"}'),
        antEvent({ type: 'content_block_stop', index: 2 }),
        ...antStop('tool_use', 61),
      ]),
    );
    const events = await collect(provider.stream(request));
    const a = { id: 'toolu_a', name: 'get_weather', arguments: { city: 'Paris' } };
    const b = { id: 'toolu_b', name: 'get_time', arguments: { tz: 'UTC' } };
    expect(events.slice(0, 3)).toEqual([
      { type: 'token', text: 'Checking both.' },
      { type: 'tool_call', call: a },
      { type: 'tool_call', call: b },
    ]);
    expect(lastDone(events)).toEqual({
      type: 'done',
      message: { role: 'assistant', content: 'Checking both.', toolCalls: [a, b] },
      usage: { promptTokens: 50, completionTokens: 61 },
      stopReason: 'tool_calls',
      id: 'msg_test',
      model: 'claude-test',
    });
  });

  it('maps max_tokens to length', async () => {
    const frames = antText(['trunc']);
    frames.splice(-2, 2, ...antStop('max_tokens', 5));
    server.script(sse(frames));
    expect(lastDone(await collect(provider.stream({ ...request, maxTokens: 5 }))).stopReason).toBe('length');
    expect(server.requests[0]!.body.max_tokens).toBe(5);
  });

  it('malformed tool input JSON is a non-retryable ProviderError', async () => {
    server.script(
      sse([
        antStart(),
        antEvent({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'f', input: {} } }),
        antEvent({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"a": tru' } }),
        antEvent({ type: 'content_block_stop', index: 0 }),
        ...antStop('tool_use', 3),
      ]),
    );
    const { error } = await collectSettled(provider.stream(request));
    expect(error).toMatchObject({ name: 'ProviderError', retryable: false, code: 'decode_error' });
  });

  it('an overloaded_error event inside the stream is retryable', async () => {
    server.script(sse([antStart(), antEvent({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })]));
    const { error } = await collectSettled(provider.stream(request));
    expect(error).toMatchObject({ name: 'ProviderError', retryable: true, status: 529 });
  });

  it('a stream without message_stop is a retryable failure', async () => {
    server.script(sse(antText(['half']).slice(0, -1)));
    const { events, error } = await collectSettled(provider.stream(request));
    expect(tokens(events)).toBe('half');
    expect(error).toMatchObject({ name: 'ProviderError', retryable: true });
  });
});

describe('AnthropicProvider errors and withRetry', () => {
  it('429 with retry-after: withRetry waits 3 s (simulated), then succeeds', async () => {
    server.script(
      jsonError(429, anthropicError('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'), {
        'retry-after': '3',
      }),
      sse(antText(['ok'])),
    );
    const clock = new SimulatedClock();
    const result = collect(withRetry(provider, { retries: 2, baseDelayMs: 50, maxDelayMs: 500, clock, random: () => 0 }).stream(request));
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    await clock.advance(2_999);
    expect(server.requests).toHaveLength(1);
    await clock.advance(1);
    expect(tokens(await result)).toBe('ok');
    expect(server.requests).toHaveLength(2);
  });

  it('529 overloaded is retryable and retried', async () => {
    server.script(jsonError(529, anthropicError('overloaded_error', 'Overloaded')), sse(antText(['back'])));
    const events = await collect(withRetry(provider, { retries: 2, baseDelayMs: 1, maxDelayMs: 5 }).stream(request));
    expect(tokens(events)).toBe('back');
    expect(server.requests).toHaveLength(2);
  });

  it('500 then success', async () => {
    server.script(jsonError(500, anthropicError('api_error', 'Internal server error')), sse(antText(['fine'])));
    const events = await collect(withRetry(provider, { retries: 1, baseDelayMs: 1, maxDelayMs: 5 }).stream(request));
    expect(tokens(events)).toBe('fine');
  });

  it('401 is not retried', async () => {
    server.script(jsonError(401, anthropicError('authentication_error', 'invalid x-api-key')), sse(antText(['never'])));
    const { error } = await collectSettled(withRetry(provider, { retries: 3, baseDelayMs: 1, maxDelayMs: 1 }).stream(request));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 401, retryable: false, code: 'unauthorized' });
    expect(server.requests).toHaveLength(1);
  });

  it('400 invalid_request_error is not retryable', async () => {
    server.script(jsonError(400, anthropicError('invalid_request_error', 'messages: field required')));
    const { error } = await collectSettled(provider.stream(request));
    expect(error).toMatchObject({ status: 400, retryable: false, code: 'bad_request' });
  });

  it('a connection cut mid-stream is retryable, and withRetry does not replay emitted tokens', async () => {
    const frames = antText(['alpha ', 'beta ', 'gamma']);
    server.script(sse(frames, { cutAfter: 5 }), sse(antText(['replayed'])));
    const { events, error } = await collectSettled(withRetry(provider, { retries: 3, baseDelayMs: 1, maxDelayMs: 1 }).stream(request));
    expect(tokens(events)).toBe('alpha beta ');
    expect(error).toMatchObject({ name: 'ProviderError', retryable: true });
    expect(server.requests).toHaveLength(1);
  });

  it('a connection cut before any token is retried', async () => {
    server.script(sse(antText(['x']), { cutAfter: 1 }), sse(antText(['again'])));
    const events = await collect(withRetry(provider, { retries: 2, baseDelayMs: 1, maxDelayMs: 1 }).stream(request));
    expect(tokens(events)).toBe('again');
    expect(server.requests).toHaveLength(2);
  });
});
