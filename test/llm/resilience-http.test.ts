/** The resilience wrappers around the real SDK providers, against local vendor-format servers. */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AnthropicProvider,
  CircuitOpenError,
  OpenAIProvider,
  ProviderError,
  circuitBreaker,
  fallbackChain,
  withRetry,
  withTimeout,
  type ModelEvent,
  type ModelRequest,
} from '../../actors/llm/index.js';
import { SimulatedClock } from '../../runtime/clock.js';
import { antText, collect, collectSettled, jsonError, oaiText, silent, sse, startServer, tokens, type FakeServer } from './fake-servers.js';

let oaiServer: FakeServer;
let antServer: FakeServer;
let openai: OpenAIProvider;
let anthropic: AnthropicProvider;
beforeAll(async () => {
  [oaiServer, antServer] = await Promise.all([startServer(), startServer()]);
  openai = new OpenAIProvider({ apiKey: 'k', baseURL: `${oaiServer.url}/v1`, timeoutMs: 5_000 });
  anthropic = new AnthropicProvider({ apiKey: 'k', baseURL: antServer.url, timeoutMs: 5_000 });
});
afterAll(() => Promise.all([oaiServer.close(), antServer.close()]));
beforeEach(() => {
  oaiServer.reset();
  antServer.reset();
});

const request: ModelRequest = { model: 'test-model', messages: [{ role: 'user', content: 'Hi' }] };

describe('circuitBreaker over OpenAIProvider', () => {
  it('opens after 3 server errors, stops calling the server, and recovers after resetAfterMs', async () => {
    const clock = new SimulatedClock();
    const breaker = circuitBreaker(openai, { failureThreshold: 3, resetAfterMs: 30_000, clock });
    oaiServer.script(
      jsonError(503, { error: { message: 'down' } }),
      jsonError(502, { error: { message: 'down' } }),
      jsonError(500, { error: { message: 'down' } }),
      sse(oaiText(['back'])),
    );
    for (let i = 0; i < 3; i++) expect((await collectSettled(breaker.stream(request))).error).toMatchObject({ retryable: true });
    expect(breaker.state).toBe('open');

    const fast = await collectSettled(breaker.stream(request));
    expect(fast.error).toBeInstanceOf(CircuitOpenError);
    expect(oaiServer.requests).toHaveLength(3);

    await clock.advance(30_000);
    expect(breaker.state).toBe('half-open');
    expect(tokens(await collect(breaker.stream(request)))).toBe('back');
    expect(breaker.state).toBe('closed');
    expect(oaiServer.requests).toHaveLength(4);
  });

  it('a 401 does not trip the breaker', async () => {
    const breaker = circuitBreaker(openai, { failureThreshold: 1, resetAfterMs: 1_000, clock: new SimulatedClock() });
    oaiServer.script(jsonError(401, { error: { message: 'bad key' } }));
    expect((await collectSettled(breaker.stream(request))).error).toMatchObject({ status: 401 });
    expect(breaker.state).toBe('closed');
  });
});

describe('fallbackChain across vendors', () => {
  it('switches from an overloaded Anthropic to OpenAI, and skips Anthropic while its breaker is open', async () => {
    antServer.script(jsonError(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
    oaiServer.script(sse(oaiText(['from ', 'openai'])));
    const guarded = circuitBreaker(anthropic, { failureThreshold: 1, resetAfterMs: 60_000, clock: new SimulatedClock() });
    const chain = fallbackChain([guarded, openai]);
    expect(chain.name).toBe('fallback(breaker(anthropic),openai)');

    expect(tokens(await collect(chain.stream(request)))).toBe('from openai');
    expect(antServer.requests).toHaveLength(1);
    expect(guarded.state).toBe('open');

    expect(tokens(await collect(chain.stream(request)))).toBe('from openai');
    expect(antServer.requests).toHaveLength(1);
    expect(oaiServer.requests).toHaveLength(2);
  });

  it('does not switch once the first provider streamed tokens', async () => {
    antServer.script(sse(antText(['partial ', 'answer', ' lost']), { cutAfter: 5 }));
    oaiServer.script(sse(oaiText(['never'])));
    const { events, error } = await collectSettled(fallbackChain([anthropic, openai]).stream(request));
    expect(tokens(events)).toBe('partial answer');
    expect(error).toMatchObject({ name: 'ProviderError', retryable: true });
    expect(oaiServer.requests).toHaveLength(0);
  });

  it('reports every failure when all providers fail', async () => {
    antServer.script(jsonError(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }));
    oaiServer.script(jsonError(429, { error: { message: 'slow down' } }, { 'retry-after': '7' }));
    const { error } = await collectSettled(fallbackChain([anthropic, openai]).stream(request));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 7_000, status: 429 });
  });
});

describe('withTimeout over the SDK providers', () => {
  it('a server that never answers: the first-event timeout aborts the HTTP request', async () => {
    const clock = new SimulatedClock();
    oaiServer.script(silent);
    const result = collectSettled(withTimeout(openai, { firstEventMs: 10_000 }, clock).stream(request));
    await vi.waitFor(() => expect(oaiServer.requests).toHaveLength(1));
    await clock.advance(10_000);
    const { error } = await result;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: true, code: 'deadline_exceeded' });
    await vi.waitFor(() => expect(oaiServer.requests[0]!.aborted).toBe(true));
  });

  it('a stream that stalls after tokens: the total timeout aborts it (Anthropic)', async () => {
    const clock = new SimulatedClock();
    antServer.script(sse(antText(['slow ', 'stream', '...']), { stallAfter: 5 }));
    const seen: ModelEvent[] = [];
    const result = collectSettled(withTimeout(anthropic, { firstEventMs: 1_000, totalMs: 20_000 }, clock).stream(request), seen);
    await vi.waitFor(() => expect(tokens(seen)).toBe('slow stream'));
    await clock.advance(19_999);
    expect(antServer.requests[0]!.aborted).toBe(false);
    await clock.advance(1);
    const { events, error } = await result;
    expect(tokens(events)).toBe('slow stream');
    expect(error).toMatchObject({ retryable: true, code: 'deadline_exceeded' });
    await vi.waitFor(() => expect(antServer.requests[0]!.aborted).toBe(true));
  });

  it('retry + timeout: a hung first attempt is abandoned and the second answers', async () => {
    oaiServer.script(silent, sse(oaiText(['second'])));
    const model = withRetry(withTimeout(openai, { firstEventMs: 150 }), { retries: 1, baseDelayMs: 1, maxDelayMs: 1 });
    expect(model.name).toBe('retry(timeout(openai))');
    expect(tokens(await collect(model.stream(request)))).toBe('second');
    expect(oaiServer.requests).toHaveLength(2);
    await vi.waitFor(() => expect(oaiServer.requests[0]!.aborted).toBe(true));
  });
});
