/** OpenAIProvider on the real `openai` SDK against a local server speaking the Chat Completions wire format. */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { OpenAIProvider, ProviderError, withRetry, type ModelRequest } from '../../actors/llm/index.js';
import { SimulatedClock, type Clock } from '../../runtime/clock.js';
import {
  OAI_DONE,
  collect,
  collectSettled,
  jsonError,
  lastDone,
  oaiChunk,
  oaiText,
  oaiUsage,
  sse,
  startServer,
  tokens,
  type FakeServer,
} from './fake-servers.js';

let server: FakeServer;
let provider: OpenAIProvider;
beforeAll(async () => {
  server = await startServer();
  provider = new OpenAIProvider({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, timeoutMs: 5_000 });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const request: ModelRequest = { model: 'gpt-test', messages: [{ role: 'user', content: 'Hi' }] };

/** A clock that records every timer it is asked for. */
function recording(clock: SimulatedClock): { clock: Clock; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    clock: {
      now: () => clock.now(),
      setTimer: (ms, fn) => (delays.push(ms), clock.setTimer(ms, fn)),
      clearTimer: (h) => clock.clearTimer(h),
    },
  };
}

describe('OpenAIProvider streaming', () => {
  it('streams text tokens, then done with usage; sends the Chat Completions body', async () => {
    server.script(sse(oaiText(['Hel', 'lo', ' world'], [12, 3])));
    const events = await collect(
      provider.stream({
        model: 'gpt-test',
        temperature: 0.2,
        maxTokens: 64,
        tools: [{ name: 'lookup', description: 'Looks up', parameters: { type: 'object', properties: { q: { type: 'string' } } } }],
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Find x' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'lookup', arguments: { q: 'x' } }] },
          { role: 'tool', content: '42', toolCallId: 'call_1', name: 'lookup' },
        ],
      }),
    );
    expect(events.filter((e) => e.type === 'token').map((e) => (e.type === 'token' ? e.text : ''))).toEqual(['Hel', 'lo', ' world']);
    const done = lastDone(events);
    expect(done.message).toEqual({ role: 'assistant', content: 'Hello world' });
    expect(done.usage).toEqual({ promptTokens: 12, completionTokens: 3 });
    expect(done.stopReason).toBe('stop');

    const rec = server.requests[0]!;
    expect(rec.url).toBe('/v1/chat/completions');
    expect(rec.headers.authorization).toBe('Bearer sk-test');
    expect(rec.body).toMatchObject({
      model: 'gpt-test',
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_tokens: 64,
    });
    expect(rec.body.tools).toEqual([
      {
        type: 'function',
        function: { name: 'lookup', description: 'Looks up', parameters: { type: 'object', properties: { q: { type: 'string' } } } },
      },
    ]);
    expect(rec.body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Find x' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '42' },
    ]);
  });

  it('assembles two parallel tool calls whose arguments arrive in fragments', async () => {
    server.script(
      sse([
        oaiChunk({ role: 'assistant', content: null }),
        oaiChunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
        oaiChunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }),
        oaiChunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":' } }] }),
        oaiChunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Par' } }] }),
        oaiChunk({ tool_calls: [{ index: 1, function: { arguments: '"UTC"}' } }] }),
        oaiChunk({ tool_calls: [{ index: 0, function: { arguments: 'is"}' } }] }),
        oaiChunk({}, 'tool_calls'),
        oaiUsage(40, 22),
        OAI_DONE,
      ]),
    );
    const events = await collect(provider.stream(request));
    const a = { id: 'call_a', name: 'get_weather', arguments: { city: 'Paris' } };
    const b = { id: 'call_b', name: 'get_time', arguments: { tz: 'UTC' } };
    expect(events.slice(0, 2)).toEqual([
      { type: 'tool_call', call: a },
      { type: 'tool_call', call: b },
    ]);
    const done = lastDone(events);
    expect(done.stopReason).toBe('tool_calls');
    expect(done.message).toEqual({ role: 'assistant', content: '', toolCalls: [a, b] });
    expect(done.usage).toEqual({ promptTokens: 40, completionTokens: 22 });
  });

  it('maps MCP tool names with dots to names OpenAI accepts, and back', async () => {
    server.script(
      sse([
        oaiChunk(
          {
            role: 'assistant',
            content: '',
            tool_calls: [{ index: 0, id: 'c9', type: 'function', function: { name: 'files_read', arguments: '{"p":"/a"}' } }],
          },
          'tool_calls',
        ),
        OAI_DONE,
      ]),
    );
    const events = await collect(
      provider.stream({
        model: 'gpt-test',
        tools: [
          { name: 'files.read', description: 'reads', parameters: { type: 'object' } },
          { name: 'files_read', description: 'another tool whose name the first maps onto', parameters: { type: 'object' } },
        ],
        messages: [
          { role: 'user', content: 'read it' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'files.read', arguments: {} }] },
          { role: 'tool', content: 'ok', toolCallId: 'c1', name: 'files.read' },
        ],
      }),
    );
    const body = server.requests[0]!.body as {
      tools: { function: { name: string } }[];
      messages: { tool_calls?: { function: { name: string } }[] }[];
    };
    const sent = body.tools.map((t) => t.function.name);
    for (const n of sent) expect(n).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(new Set(sent).size).toBe(2);
    expect(body.messages[1]!.tool_calls![0]!.function.name).toBe(sent[0]);
    // The server called the vendor name of the second tool: it comes back under its mesh name.
    const back = sent[1] === 'files_read' ? 'files_read' : 'files.read';
    expect(lastDone(events).message.toolCalls).toEqual([{ id: 'c9', name: back, arguments: { p: '/a' } }]);
  });

  it('treats tool calls finished with `stop` (as Ollama sends) as tool_calls', async () => {
    server.script(
      sse([
        oaiChunk(
          {
            role: 'assistant',
            content: '',
            tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'ls', arguments: '{}' } }],
          },
          'stop',
        ),
        OAI_DONE,
      ]),
    );
    const done = lastDone(await collect(provider.stream(request)));
    expect(done.stopReason).toBe('tool_calls');
    expect(done.message.toolCalls).toEqual([{ id: 'c1', name: 'ls', arguments: {} }]);
  });

  it('estimates usage when the server sends no usage chunk', async () => {
    server.script(sse(oaiText(['abcdefgh'], null)));
    const done = lastDone(await collect(provider.stream(request)));
    expect(done.usage).toEqual({ promptTokens: 1, completionTokens: 2 });
  });

  it('maps finish_reason length', async () => {
    server.script(sse([oaiChunk({ content: 'cut' }), oaiChunk({}, 'length'), oaiUsage(1, 1), OAI_DONE]));
    expect(lastDone(await collect(provider.stream(request))).stopReason).toBe('length');
  });

  it('fails with a non-retryable ProviderError on malformed tool-call JSON', async () => {
    server.script(
      sse([
        oaiChunk({ tool_calls: [{ index: 0, id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":' } }] }),
        oaiChunk({}, 'tool_calls'),
        OAI_DONE,
      ]),
    );
    const { error } = await collectSettled(provider.stream(request));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: false, code: 'decode_error' });
  });

  it('a stream that ends without finish_reason is a retryable failure', async () => {
    server.script(sse([oaiChunk({ content: 'partial' }), OAI_DONE]));
    const { events, error } = await collectSettled(provider.stream(request));
    expect(tokens(events)).toBe('partial');
    expect(error).toMatchObject({ name: 'ProviderError', retryable: true });
  });

  it('an error object inside the stream is a ProviderError', async () => {
    server.script(
      sse([oaiChunk({ content: 'a' }), `data: ${JSON.stringify({ error: { message: 'backend exploded', type: 'server_error' } })}\n\n`]),
    );
    const { error } = await collectSettled(provider.stream(request));
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toContain('backend exploded');
  });
});

describe('OpenAIProvider errors and withRetry', () => {
  it('429 with retry-after: withRetry waits the server-given 2 s (simulated), then succeeds', async () => {
    server.script(
      jsonError(429, { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, { 'retry-after': '2' }),
      sse(oaiText(['ok'])),
    );
    const sim = new SimulatedClock();
    const { clock, delays } = recording(sim);
    const retrying = withRetry(provider, { retries: 3, baseDelayMs: 100, maxDelayMs: 1_000, clock, random: () => 0.5 });
    const result = collect(retrying.stream(request));
    await vi.waitFor(() => expect(sim.pending).toBe(1));
    expect(delays).toEqual([2_000]);
    await sim.advance(1_999);
    expect(server.requests).toHaveLength(1);
    await sim.advance(1);
    expect(tokens(await result)).toBe('ok');
    expect(server.requests).toHaveLength(2);
  });

  it('reads retry-after-ms and reports the status on the ProviderError', async () => {
    server.script(jsonError(429, { error: { message: 'slow down' } }, { 'retry-after-ms': '1500' }));
    const { error } = await collectSettled(provider.stream(request));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 1_500, code: 'rate_limited' });
  });

  it('500 then success: retried after a backoff (real short delay)', async () => {
    server.script(jsonError(500, { error: { message: 'internal' } }), sse(oaiText(['fine'])));
    const events = await collect(withRetry(provider, { retries: 2, baseDelayMs: 5, maxDelayMs: 20 }).stream(request));
    expect(tokens(events)).toBe('fine');
    expect(server.requests).toHaveLength(2);
  });

  it('401 is not retried', async () => {
    server.script(
      jsonError(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }),
      sse(oaiText(['never'])),
    );
    const { error } = await collectSettled(withRetry(provider, { retries: 3, baseDelayMs: 1, maxDelayMs: 1 }).stream(request));
    expect(error).toMatchObject({ status: 401, retryable: false, code: 'unauthorized' });
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    [400, false],
    [404, false],
    [422, false],
    [408, true],
    [409, true],
    [503, true],
  ])('HTTP %i → retryable %s', async (status, retryable) => {
    server.script(jsonError(status, { error: { message: `status ${status}` } }));
    const { error } = await collectSettled(provider.stream(request));
    expect(error).toMatchObject({ status, retryable });
  });

  it('a connection cut mid-stream is retryable, but withRetry does not replay emitted tokens', async () => {
    server.script(sse(oaiText(['one ', 'two ', 'three']), { cutAfter: 3 }), sse(oaiText(['replayed'])));
    const { events, error } = await collectSettled(withRetry(provider, { retries: 3, baseDelayMs: 1, maxDelayMs: 1 }).stream(request));
    expect(tokens(events)).toBe('one two ');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: true });
    expect(server.requests).toHaveLength(1);
  });

  it('a connection cut before any token is retried', async () => {
    server.script(sse(oaiText(['x']), { cutAfter: 1 }), sse(oaiText(['second try'])));
    const events = await collect(withRetry(provider, { retries: 2, baseDelayMs: 1, maxDelayMs: 1 }).stream(request));
    expect(tokens(events)).toBe('second try');
    expect(server.requests).toHaveLength(2);
  });

  it('connection refused is a retryable ProviderError', async () => {
    const dead = await startServer();
    const url = dead.url;
    await dead.close();
    const p = new OpenAIProvider({ apiKey: 'k', baseURL: url });
    const { error } = await collectSettled(p.stream(request));
    expect(error).toMatchObject({ name: 'ProviderError', retryable: true });
  });

  it('a caller abort stops the request and is not retryable', async () => {
    server.script(sse(oaiText(['a', 'b', 'c']), { stallAfter: 2 }));
    const ac = new AbortController();
    const it = provider.stream({ ...request, signal: ac.signal })[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual({ type: 'token', text: 'a' });
    ac.abort();
    await expect(it.next()).rejects.toMatchObject({ name: 'ProviderError', retryable: false });
    await vi.waitFor(() => expect(server.requests[0]!.aborted).toBe(true));
  });
});
