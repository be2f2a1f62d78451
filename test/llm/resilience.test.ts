/** withRetry, withTimeout, circuitBreaker and fallbackChain over scripted in-memory providers, in simulated time. */
import { describe, expect, it } from 'vitest';
import {
  CircuitOpenError,
  ProviderError,
  retryDelay,
  circuitBreaker,
  fallbackChain,
  parseRetryAfter,
  withRetry,
  withTimeout,
} from '../../actors/llm/index.js';
import type { CircuitState, ModelEvent, ModelProvider, ModelRequest } from '../../actors/llm/index.js';
import { SimulatedClock, flushMicrotasks, type Clock } from '../../runtime/clock.js';
import { collect, collectSettled, tokens } from './fake-servers.js';

type Step = { tokens?: string[]; fail?: unknown; hang?: 'before' | 'after' };

/** A provider that plays one scripted step per call and records the signals it was given. */
function scripted(name: string, steps: Step[]): ModelProvider & { calls: number; signals: (AbortSignal | undefined)[] } {
  const p = {
    name,
    calls: 0,
    signals: [] as (AbortSignal | undefined)[],
    async *stream(req: ModelRequest): AsyncGenerator<ModelEvent> {
      const step = steps[Math.min(p.calls, steps.length - 1)] ?? {};
      p.calls++;
      p.signals.push(req.signal);
      const hang = (): Promise<never> => new Promise<never>(() => {}); // ignores its signal on purpose
      if (step.hang === 'before') await hang();
      for (const t of step.tokens ?? []) yield { type: 'token', text: t };
      if (step.hang === 'after') await hang();
      if (step.fail !== undefined) throw step.fail;
      const text = (step.tokens ?? []).join('');
      yield {
        type: 'done',
        message: { role: 'assistant', content: text },
        usage: { promptTokens: 1, completionTokens: 1 },
        stopReason: 'stop',
      };
    },
  };
  return p;
}

const request: ModelRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
const retryable = (retryAfterMs?: number): ProviderError =>
  new ProviderError('busy', { status: 503, retryable: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
const fatal = (): ProviderError => new ProviderError('bad key', { status: 401, retryable: false });

function recording(sim: SimulatedClock): { clock: Clock; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    clock: { now: () => sim.now(), setTimer: (ms, fn) => (delays.push(ms), sim.setTimer(ms, fn)), clearTimer: (h) => sim.clearTimer(h) },
  };
}

/** Runs `work` while advancing simulated time in steps until it settles. */
async function inSimTime<T>(clock: SimulatedClock, work: Promise<T>, stepMs = 10, maxMs = 120_000): Promise<T> {
  let settled = false;
  const guarded = work.finally(() => {
    settled = true;
  });
  guarded.catch(() => {});
  await clock.advanceUntil(() => settled, maxMs, stepMs);
  return guarded;
}

describe('parseRetryAfter and retryDelay', () => {
  const h = (o: Record<string, string>) => ({ get: (k: string) => o[k] });
  it('reads seconds, HTTP-dates and retry-after-ms', () => {
    expect(parseRetryAfter(h({ 'retry-after': '2' }))).toBe(2_000);
    expect(parseRetryAfter(h({ 'retry-after': '0.5' }))).toBe(500);
    expect(parseRetryAfter(h({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
    expect(parseRetryAfter(h({ 'retry-after': 'Wed, 21 Oct 2026 07:28:30 GMT' }), now)).toBe(30_000);
    expect(parseRetryAfter(h({ 'retry-after': 'Wed, 21 Oct 2026 07:27:00 GMT' }), now)).toBe(0);
    expect(parseRetryAfter(h({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfter(h({}))).toBeUndefined();
  });

  it('grows exponentially with equal jitter, capped, never below retryAfterMs', () => {
    const o = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([0, 1, 2, 3, 4, 5].map((a) => retryDelay(a, o, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4, 5].map((a) => retryDelay(a, o, () => 0.999999))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(retryDelay(0, o, () => 0.5, 3_000)).toBe(3_000);
  });
});

describe('withRetry', () => {
  it('retries retryable failures with exponential backoff, then succeeds', async () => {
    const sim = new SimulatedClock();
    const { clock, delays } = recording(sim);
    const p = scripted('p', [{ fail: retryable() }, { fail: retryable() }, { fail: retryable() }, { tokens: ['ok'] }]);
    const retries: number[] = [];
    const r = withRetry(p, {
      retries: 3,
      baseDelayMs: 100,
      maxDelayMs: 250,
      clock,
      random: () => 0.5,
      onRetry: (i) => retries.push(i.attempt),
    });
    expect(r.name).toBe('retry(p)');
    const events = await inSimTime(sim, collect(r.stream(request)));
    expect(tokens(events)).toBe('ok');
    expect(p.calls).toBe(4);
    expect(delays).toEqual([75, 150, 188]);
    expect(retries).toEqual([1, 2, 3]);
  });

  it('honours retryAfterMs and gives up after `retries`', async () => {
    const sim = new SimulatedClock();
    const { clock, delays } = recording(sim);
    const p = scripted('p', [{ fail: retryable(5_000) }]);
    const { error } = await inSimTime(
      sim,
      collectSettled(withRetry(p, { retries: 2, baseDelayMs: 10, maxDelayMs: 100, clock }).stream(request)),
      100,
    );
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 5_000 });
    expect(p.calls).toBe(3);
    expect(delays).toEqual([5_000, 5_000]);
  });

  it('re-throws a retryAfterMs beyond maxRetryAfterMs at once', async () => {
    const p = scripted('p', [{ fail: retryable(120_000) }]);
    const { error } = await collectSettled(
      withRetry(p, { retries: 5, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 60_000, clock: new SimulatedClock() }).stream(request),
    );
    expect(error).toMatchObject({ retryAfterMs: 120_000 });
    expect(p.calls).toBe(1);
  });

  it('does not retry non-retryable errors or foreign exceptions', async () => {
    const a = scripted('a', [{ fail: fatal() }, { tokens: ['x'] }]);
    expect((await collectSettled(withRetry(a, { retries: 3, baseDelayMs: 1, maxDelayMs: 1 }).stream(request))).error).toMatchObject({
      status: 401,
    });
    expect(a.calls).toBe(1);
    const b = scripted('b', [{ fail: new TypeError('bug') }, { tokens: ['x'] }]);
    expect((await collectSettled(withRetry(b, { retries: 3, baseDelayMs: 1, maxDelayMs: 1 }).stream(request))).error).toBeInstanceOf(
      TypeError,
    );
    expect(b.calls).toBe(1);
  });

  it('never replays a call that already emitted output', async () => {
    const p = scripted('p', [{ tokens: ['Hel', 'lo'], fail: retryable() }, { tokens: ['Hello again'] }]);
    const { events, error } = await collectSettled(withRetry(p, { retries: 3, baseDelayMs: 1, maxDelayMs: 1 }).stream(request));
    expect(tokens(events)).toBe('Hello');
    expect(error).toMatchObject({ retryable: true });
    expect(p.calls).toBe(1);
  });

  it('a caller abort during the backoff sleep stops retrying', async () => {
    const sim = new SimulatedClock();
    const p = scripted('p', [{ fail: retryable() }, { tokens: ['late'] }]);
    const ac = new AbortController();
    const result = collectSettled(
      withRetry(p, { retries: 3, baseDelayMs: 10_000, maxDelayMs: 10_000, clock: sim }).stream({ ...request, signal: ac.signal }),
    );
    await sim.advance(1);
    expect(sim.pending).toBe(1);
    ac.abort();
    const { error } = await result;
    expect(error).toMatchObject({ name: 'ProviderError', retryable: false });
    expect(p.calls).toBe(1);
    expect(sim.pending).toBe(0);
  });
});

describe('withTimeout', () => {
  it('fails a call whose first event is late and aborts the underlying request', async () => {
    const sim = new SimulatedClock();
    const p = scripted('p', [{ hang: 'before' }]);
    const t = withTimeout(p, { firstEventMs: 1_000, totalMs: 60_000 }, sim);
    expect(t.name).toBe('timeout(p)');
    const result = collectSettled(t.stream(request));
    await sim.advance(999);
    expect(p.signals[0]?.aborted).toBe(false);
    await sim.advance(1);
    const { error } = await result;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: true, code: 'deadline_exceeded' });
    expect((error as Error).message).toContain('first-event');
    expect(p.signals[0]?.aborted).toBe(true);
    expect(sim.pending).toBe(0);
  });

  it('fails a call that exceeds the total time even after tokens arrived', async () => {
    const sim = new SimulatedClock();
    const p = scripted('p', [{ tokens: ['a', 'b'], hang: 'after' }]);
    const result = collectSettled(withTimeout(p, { firstEventMs: 100, totalMs: 5_000 }, sim).stream(request));
    await sim.advance(4_999);
    await flushMicrotasks();
    await sim.advance(1);
    const { events, error } = await result;
    expect(tokens(events)).toBe('ab');
    expect((error as Error).message).toContain('total');
    expect(p.signals[0]?.aborted).toBe(true);
  });

  it('passes a timely stream through and leaves no timers behind', async () => {
    const sim = new SimulatedClock();
    const events = await collect(withTimeout(scripted('p', [{ tokens: ['x', 'y'] }]), 1_000, sim).stream(request));
    expect(tokens(events)).toBe('xy');
    expect(events.at(-1)?.type).toBe('done');
    expect(sim.pending).toBe(0);
  });

  it('passes a caller abort on to the underlying request', async () => {
    const p = scripted('p', [{ hang: 'before' }]);
    const ac = new AbortController();
    const result = collectSettled(withTimeout(p, 60_000, new SimulatedClock()).stream({ ...request, signal: ac.signal }));
    await flushMicrotasks();
    ac.abort();
    const { error } = await result;
    expect(error).toMatchObject({ retryable: false });
    expect(p.signals[0]?.aborted).toBe(true);
  });
});

describe('circuitBreaker', () => {
  it('opens after N consecutive retryable failures, fails fast, half-opens, and closes on a good trial', async () => {
    const sim = new SimulatedClock();
    const p = scripted('p', [{ fail: retryable() }, { fail: retryable() }, { fail: retryable() }, { tokens: ['up'] }]);
    const states: CircuitState[] = [];
    const b = circuitBreaker(p, { failureThreshold: 3, resetAfterMs: 10_000, clock: sim, onStateChange: (s) => states.push(s) });
    expect(b.name).toBe('breaker(p)');
    for (let i = 0; i < 3; i++)
      expect(b.state === 'closed' && (await collectSettled(b.stream(request))).error).toMatchObject({ retryable: true });
    expect(b.state).toBe('open');
    const fast = (await collectSettled(b.stream(request))).error;
    expect(fast).toBeInstanceOf(CircuitOpenError);
    expect(fast).toMatchObject({ retryable: true, retryAfterMs: 10_000 });
    expect(p.calls).toBe(3);
    await sim.advance(10_000);
    expect(b.state).toBe('half-open');
    expect(tokens(await collect(b.stream(request)))).toBe('up');
    expect(b.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('re-opens when the half-open trial fails, and lets only one trial through', async () => {
    const sim = new SimulatedClock();
    const p = scripted('p', [{ fail: retryable() }, { hang: 'before' }]);
    const b = circuitBreaker(p, { failureThreshold: 1, resetAfterMs: 1_000, clock: sim });
    await collectSettled(b.stream(request));
    expect(b.state).toBe('open');
    await sim.advance(1_000);
    const trial = b.stream(request)[Symbol.asyncIterator]();
    void trial.next().catch(() => {}); // the hanging trial
    await flushMicrotasks();
    expect((await collectSettled(b.stream(request))).error).toBeInstanceOf(CircuitOpenError);
    expect(p.calls).toBe(2);

    const p2 = scripted('p2', [{ fail: retryable() }]);
    const b2 = circuitBreaker(p2, { failureThreshold: 1, resetAfterMs: 1_000, clock: sim });
    await collectSettled(b2.stream(request));
    await sim.advance(1_000);
    await collectSettled(b2.stream(request));
    expect(b2.state).toBe('open');
    expect(p2.calls).toBe(2);
  });

  it('non-retryable errors do not trip it, and a success resets the count', async () => {
    const p = scripted('p', [{ fail: retryable() }, { fail: fatal() }, { fail: retryable() }, { tokens: ['ok'] }, { fail: retryable() }]);
    const b = circuitBreaker(p, { failureThreshold: 2, resetAfterMs: 1_000, clock: new SimulatedClock() });
    for (let i = 0; i < 5; i++) await collectSettled(b.stream(request));
    expect(b.state).toBe('closed');
  });
});

describe('fallbackChain', () => {
  it('moves to the next provider when one fails before output', async () => {
    const a = scripted('a', [{ fail: retryable() }]);
    const b = scripted('b', [{ tokens: ['from b'] }]);
    const seen: string[] = [];
    const chain = fallbackChain([a, b], { onFallback: ({ from, to }) => seen.push(`${from.name}->${to.name}`) });
    expect(chain.name).toBe('fallback(a,b)');
    expect(tokens(await collect(chain.stream(request)))).toBe('from b');
    expect(seen).toEqual(['a->b']);
  });

  it('does not fall back after output, nor on a caller abort', async () => {
    const a = scripted('a', [{ tokens: ['par'], fail: retryable() }]);
    const b = scripted('b', [{ tokens: ['full'] }]);
    const { events, error } = await collectSettled(fallbackChain([a, b]).stream(request));
    expect(tokens(events)).toBe('par');
    expect(error).toMatchObject({ message: 'busy' });
    expect(b.calls).toBe(0);

    const ac = new AbortController();
    ac.abort();
    const c = scripted('c', [{ fail: new ProviderError('aborted', { retryable: false }) }]);
    expect((await collectSettled(fallbackChain([c, b]).stream({ ...request, signal: ac.signal }))).error).toMatchObject({
      message: 'aborted',
    });
    expect(b.calls).toBe(0);
  });

  it('skips a provider whose breaker is open without calling it', async () => {
    const sim = new SimulatedClock();
    const a = scripted('a', [{ fail: retryable() }]);
    const guarded = circuitBreaker(a, { failureThreshold: 1, resetAfterMs: 60_000, clock: sim });
    const chain = fallbackChain([guarded, scripted('b', [{ tokens: ['b'] }])]);
    expect(tokens(await collect(chain.stream(request)))).toBe('b');
    expect(guarded.state).toBe('open');
    expect(tokens(await collect(chain.stream(request)))).toBe('b');
    expect(a.calls).toBe(1);
  });

  it('when all fail, throws one ProviderError carrying every failure', async () => {
    const { error } = await collectSettled(
      fallbackChain([scripted('a', [{ fail: fatal() }]), scripted('b', [{ fail: retryable(700) }])]).stream(request),
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 700 });
    expect(((error as Error).cause as AggregateError).errors).toHaveLength(2);
  });
});

describe('composition', () => {
  it('withRetry over an open breaker waits for the half-open trial', async () => {
    const sim = new SimulatedClock();
    const p = scripted('p', [{ fail: retryable() }, { fail: retryable() }, { tokens: ['recovered'] }]);
    const r = withRetry(circuitBreaker(p, { failureThreshold: 2, resetAfterMs: 30_000, clock: sim }), {
      retries: 5,
      baseDelayMs: 10,
      maxDelayMs: 10,
      clock: sim,
      random: () => 0,
    });
    expect(r.name).toBe('retry(breaker(p))');
    const events = await inSimTime(sim, collect(r.stream(request)), 100);
    expect(tokens(events)).toBe('recovered');
    expect(p.calls).toBe(3);
    expect(sim.now()).toBeGreaterThanOrEqual(1_700_000_030_000);
  });
});
