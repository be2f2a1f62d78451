/**
 * Resilience wrappers for {@link ModelProvider}s: retry with backoff, timeouts, a circuit
 * breaker and a fallback chain. Each wrapper is itself a ModelProvider, so they compose:
 *
 * ```ts
 * const model = fallbackChain([
 *   withRetry(
 *     circuitBreaker(withTimeout(openai, { firstEventMs: 10_000, totalMs: 120_000 }), { failureThreshold: 5, resetAfterMs: 30_000 }),
 *     { retries: 3, baseDelayMs: 500, maxDelayMs: 8_000 },
 *   ),
 *   anthropic,
 * ]);
 * ```
 *
 * The one rule they all share: **a call is only ever repeated (retried, or handed to the
 * next provider) while it has yielded no output** (`token` or `tool_call`). Once output
 * has reached the caller, a failure is re-thrown as is, because replaying the call would
 * show the caller duplicated (and probably different) tokens. Callers that want to
 * recover from a stream broken mid-way must do it themselves (e.g. discard the partial
 * answer and ask again).
 *
 * This module also holds the error classification the backends share (which HTTP
 * statuses are retryable, how `retry-after` is read), so every backend maps failures to
 * {@link ProviderError} the same way.
 */
import { trackBreaker } from './breakers.js';
import { ValidationError, backoffDelay, type ErrorCode } from '../../protocols/index.js';
import { systemClock, type Clock, type TimerHandle } from '../../runtime/index.js';
import { ProviderError, type ModelEvent, type ModelProvider, type ModelRequest } from './types.js';

// ---------------------------------------------------------------------------------------
// Error classification shared by the backends
// ---------------------------------------------------------------------------------------

/** True for statuses worth retrying: 408, 409, 425, 429 and every 5xx (incl. Anthropic's 529). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

/** The stable Troupe error code for an HTTP status. */
export function errorCodeForStatus(status: number | undefined): ErrorCode {
  switch (status) {
    case 400:
    case 422:
      return 'bad_request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 408:
      return 'deadline_exceeded';
    case 409:
      return 'conflict';
    case 413:
      return 'too_large';
    case 429:
      return 'rate_limited';
    default:
      return 'unavailable';
  }
}

/** Anything with a `get(name)` (a fetch `Headers`, or a plain lookup in tests). */
export interface HeaderSource {
  get(name: string): string | null | undefined;
}

/**
 * Reads how long the server asked us to wait: `retry-after-ms` (milliseconds, OpenAI's
 * non-standard header) first, then `retry-after` as delay-seconds or an HTTP-date.
 * Returns undefined when neither is present or parseable; never negative.
 */
export function parseRetryAfter(headers: HeaderSource | undefined | null, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms != null && ms.trim() !== '') {
    const v = Number(ms);
    if (Number.isFinite(v) && v >= 0) return Math.ceil(v);
  }
  const ra = headers.get('retry-after');
  if (ra == null || ra.trim() === '') return undefined;
  const seconds = Number(ra);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  const at = Date.parse(ra);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** A ProviderError for an HTTP error response. */
export function httpProviderError(
  provider: string,
  status: number,
  detail: string,
  headers: HeaderSource | undefined | null,
  cause?: unknown,
  retryableOverride?: boolean,
): ProviderError {
  const retryAfterMs = parseRetryAfter(headers);
  return new ProviderError(`${provider}: HTTP ${status}: ${detail}`, {
    status,
    retryable: retryableOverride ?? isRetryableStatus(status),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    cause,
    code: errorCodeForStatus(status),
  });
}

/** The error a provider throws when the caller's `request.signal` aborted the call (never retried). */
export function abortedError(provider: string, signal: AbortSignal | undefined, cause?: unknown): ProviderError {
  const reason: unknown = signal?.reason;
  // A wrapper (e.g. withTimeout) may abort with a ProviderError of its own: pass it on unchanged.
  if (reason instanceof ProviderError) return reason;
  return new ProviderError(`${provider}: request aborted`, { retryable: false, cause: reason ?? cause, code: 'unavailable' });
}

/** True when `e` is a ProviderError marked retryable. */
export function isRetryable(e: unknown): boolean {
  return e instanceof ProviderError && e.retryable;
}

// ---------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------

function isOutput(ev: ModelEvent): boolean {
  return ev.type === 'token' || ev.type === 'tool_call';
}

/** Yields a call's events, recording whether any output (token or tool call) went out. */
async function* tracked(provider: ModelProvider, request: ModelRequest, out: { emitted: boolean }): AsyncGenerator<ModelEvent> {
  for await (const ev of provider.stream(request)) {
    if (isOutput(ev)) out.emitted = true;
    yield ev;
  }
}

/** Sleeps `ms` on `clock`; rejects early (with the abort error) when `signal` aborts. */
function sleep(clock: Clock, ms: number, signal: AbortSignal | undefined, provider: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError(provider, signal));
      return;
    }
    const onAbort = (): void => {
      clock.clearTimer(handle);
      reject(abortedError(provider, signal));
    };
    const handle: TimerHandle = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// ---------------------------------------------------------------------------------------
// withRetry
// ---------------------------------------------------------------------------------------

/** Options of {@link withRetry}. */
export interface RetryOptions {
  /** Retries after the first attempt (so at most `retries + 1` calls). */
  readonly retries: number;
  /** Backoff before the first retry; doubles on each further retry. */
  readonly baseDelayMs: number;
  /** Cap of the exponential backoff (a server's `retry-after` may exceed it, see `maxRetryAfterMs`). */
  readonly maxDelayMs: number;
  /** A `retryAfterMs` longer than this is not waited for: the error is re-thrown. Default 60 000. */
  readonly maxRetryAfterMs?: number;
  readonly clock?: Clock;
  /** Source of jitter in [0, 1); inject for deterministic tests. */
  readonly random?: () => number;
  /** Called before each backoff sleep (for logging/metrics). */
  readonly onRetry?: (info: { attempt: number; delayMs: number; error: ProviderError }) => void;
}

/**
 * The backoff before retry number `attempt` (0-based): the project's `backoffDelay` from
 * `baseDelayMs`, doubling, capped at `maxDelayMs`, with "equal jitter" (half fixed, half random)
 * so a herd of clients spreads out but never retries at once; at least the server's `retryAfterMs`.
 */
export function retryDelay(
  attempt: number,
  opts: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number,
  retryAfterMs?: number,
): number {
  const delay = backoffDelay(
    attempt + 1,
    { initialMs: opts.baseDelayMs, maxMs: opts.maxDelayMs, jitter: 0.5, jitterMode: 'below' },
    random,
  );
  return Math.max(delay, Math.round(retryAfterMs ?? 0));
}

/**
 * Retries failed calls with exponential backoff and jitter, honouring the server's
 * `retryAfterMs`. Only retryable {@link ProviderError}s are retried, and **only while the
 * failed attempt has yielded no `token`/`tool_call`**: a stream that breaks after emitting
 * output is re-thrown as is, so the caller never sees duplicated tokens. A caller abort
 * (`request.signal`) stops the retries at once, also during a backoff sleep.
 */
export function withRetry(provider: ModelProvider, options: RetryOptions): ModelProvider {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const name = `retry(${provider.name})`;
  return {
    name,
    async *stream(request: ModelRequest): AsyncGenerator<ModelEvent> {
      for (let attempt = 0; ; attempt++) {
        const out = { emitted: false };
        try {
          yield* tracked(provider, request, out);
          return;
        } catch (e) {
          if (out.emitted || !(e instanceof ProviderError) || !e.retryable || attempt >= options.retries || request.signal?.aborted)
            throw e;
          if (e.retryAfterMs !== undefined && e.retryAfterMs > maxRetryAfterMs) throw e;
          const delayMs = retryDelay(attempt, options, random, e.retryAfterMs);
          options.onRetry?.({ attempt: attempt + 1, delayMs, error: e });
          await sleep(clock, delayMs, request.signal, name);
        }
      }
    },
  };
}

// ---------------------------------------------------------------------------------------
// withTimeout
// ---------------------------------------------------------------------------------------

/** Options of {@link withTimeout}. */
export interface TimeoutOptions {
  /** Longest wait for the first event (time to first token). */
  readonly firstEventMs?: number;
  /** Longest time for the whole call, first request byte to `done`. */
  readonly totalMs?: number;
}

/**
 * Bounds a call's time to first event and its total time. A number is a total timeout.
 * On expiry the underlying request is aborted through the `signal` handed to the wrapped
 * provider (the SDK closes the HTTP connection) and the call fails with a retryable
 * {@link ProviderError} (code `deadline_exceeded`). The timers run on `clock`, so the
 * wrapper works in simulated time. The caller's own `request.signal` still aborts the call.
 */
export function withTimeout(provider: ModelProvider, timeout: number | TimeoutOptions, clock: Clock = systemClock): ModelProvider {
  const opts: TimeoutOptions = typeof timeout === 'number' ? { totalMs: timeout } : timeout;
  const name = `timeout(${provider.name})`;
  return {
    name,
    async *stream(request: ModelRequest): AsyncGenerator<ModelEvent> {
      const controller = new AbortController();
      const outer = request.signal;
      if (outer?.aborted) throw abortedError(name, outer);

      // `expired` settles when a timer fires (or the caller aborts) and races every `next()`,
      // so a provider that ignores its signal still cannot hold the caller past the deadline.
      let fail: (e: ProviderError) => void = () => {};
      const expired = new Promise<never>((_, reject) => {
        fail = reject;
      });
      expired.catch(() => {});
      const fire = (what: string, ms: number) => (): void => {
        const err = new ProviderError(`${name}: ${what} timeout after ${ms} ms`, { retryable: true, code: 'deadline_exceeded' });
        controller.abort(err);
        fail(err);
      };
      const onOuterAbort = (): void => {
        controller.abort(outer?.reason);
        fail(abortedError(name, outer));
      };
      outer?.addEventListener('abort', onOuterAbort, { once: true });

      const timers: TimerHandle[] = [];
      if (opts.totalMs !== undefined) timers.push(clock.setTimer(opts.totalMs, fire('total', opts.totalMs)));
      let firstTimer: TimerHandle | undefined;
      if (opts.firstEventMs !== undefined) firstTimer = clock.setTimer(opts.firstEventMs, fire('first-event', opts.firstEventMs));

      const iterator = provider.stream({ ...request, signal: controller.signal })[Symbol.asyncIterator]();
      let finished = false;
      try {
        for (;;) {
          const step = await Promise.race([iterator.next(), expired]);
          if (firstTimer !== undefined) {
            clock.clearTimer(firstTimer);
            firstTimer = undefined;
          }
          if (step.done) {
            finished = true;
            return;
          }
          yield step.value;
        }
      } finally {
        for (const t of timers) clock.clearTimer(t);
        if (firstTimer !== undefined) clock.clearTimer(firstTimer);
        outer?.removeEventListener('abort', onOuterAbort);
        if (!finished) {
          // Early exit (timeout, error, or the caller stopped iterating): stop the request.
          if (!controller.signal.aborted) controller.abort(new ProviderError(`${name}: call abandoned`, { retryable: false }));
          // Do not await: a provider stuck in `next()` would hold us here.
          iterator.return?.().catch(() => {});
        }
      }
    },
  };
}

// ---------------------------------------------------------------------------------------
// circuitBreaker
// ---------------------------------------------------------------------------------------

/** The state of a {@link circuitBreaker}. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Thrown (retryable, with `retryAfterMs` until the next trial) while a breaker is open. */
export class CircuitOpenError extends ProviderError {
  override name = 'CircuitOpenError';
}

/** Options of {@link circuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive retryable failures that open the circuit. */
  readonly failureThreshold: number;
  /** How long the circuit stays open before one trial call is let through. */
  readonly resetAfterMs: number;
  readonly clock?: Clock;
  readonly onStateChange?: (state: CircuitState, previous: CircuitState) => void;
}

/** A provider guarded by a circuit breaker; `state` shows where it stands. */
export interface CircuitBreakerProvider extends ModelProvider {
  readonly state: CircuitState;
}

/**
 * Fails fast while a backend is down. Closed: calls pass; `failureThreshold` consecutive
 * retryable failures (429/5xx/timeouts/broken streams, or non-ProviderError throws) open
 * it. Open: calls fail at once with {@link CircuitOpenError}. After `resetAfterMs` it is
 * half-open: exactly one trial call passes (others still fail fast); its success closes
 * the circuit, its failure opens it again for another `resetAfterMs`.
 *
 * A non-retryable ProviderError (400, 401, ...) proves the backend answered, so it counts
 * as a success for the breaker. A call aborted by the caller counts as nothing.
 */
export function circuitBreaker(provider: ModelProvider, options: CircuitBreakerOptions): CircuitBreakerProvider {
  const clock = options.clock ?? systemClock;
  const name = `breaker(${provider.name})`;
  let state: CircuitState = 'closed';
  let failures = 0;
  let openedAt = 0;
  let trialInFlight = false;

  const setState = (next: CircuitState): void => {
    if (next === state) return;
    const previous = state;
    state = next;
    options.onStateChange?.(next, previous);
  };
  const currentState = (): CircuitState => {
    if (state === 'open' && clock.now() - openedAt >= options.resetAfterMs) setState('half-open');
    return state;
  };
  const open = (): void => {
    openedAt = clock.now();
    failures = 0;
    setState('open');
  };

  return trackBreaker({
    name,
    get state() {
      return currentState();
    },
    async *stream(request: ModelRequest): AsyncGenerator<ModelEvent> {
      const s = currentState();
      if (s === 'open' || (s === 'half-open' && trialInFlight)) {
        const retryAfterMs = s === 'open' ? Math.max(0, openedAt + options.resetAfterMs - clock.now()) : options.resetAfterMs;
        throw new CircuitOpenError(`${name}: circuit ${s}, failing fast`, { retryable: true, retryAfterMs, code: 'unavailable' });
      }
      const isTrial = s === 'half-open';
      if (isTrial) trialInFlight = true;
      let outcome: 'success' | 'failure' | 'neutral' = 'neutral';
      let sawEvent = false;
      try {
        for await (const ev of provider.stream(request)) {
          sawEvent = true;
          yield ev;
        }
        outcome = 'success';
      } catch (e) {
        if (request.signal?.aborted) outcome = 'neutral';
        else if (e instanceof ProviderError && !e.retryable) outcome = 'success';
        else outcome = 'failure';
        throw e;
      } finally {
        // The caller stopping early after events arrived: the backend was working.
        if (outcome === 'neutral' && sawEvent && !request.signal?.aborted) outcome = 'success';
        if (isTrial) trialInFlight = false;
        if (outcome === 'success') {
          failures = 0;
          setState('closed');
        } else if (outcome === 'failure') {
          if (isTrial || state === 'half-open') open();
          else if (state === 'closed' && ++failures >= options.failureThreshold) open();
        }
      }
    },
  });
}

// ---------------------------------------------------------------------------------------
// fallbackChain
// ---------------------------------------------------------------------------------------

/** Options of {@link fallbackChain}. */
export interface FallbackOptions {
  /** Whether an error (thrown before any output) moves on to the next provider. Default: every error. */
  readonly shouldFallback?: (error: unknown, provider: ModelProvider) => boolean;
  /** Called when the chain moves past a failed provider. */
  readonly onFallback?: (info: { from: ModelProvider; to: ModelProvider; error: unknown }) => void;
}

/**
 * Tries providers in order: when one fails before emitting output (including an open
 * circuit breaker, which fails at once), the next one gets the same request. A failure
 * after output is re-thrown as is (no duplicated tokens), and so is a caller abort. When
 * all fail, throws a ProviderError whose `cause` is an AggregateError of every failure;
 * it is retryable if any failure was.
 */
export function fallbackChain(providers: readonly ModelProvider[], options: FallbackOptions = {}): ModelProvider {
  if (providers.length === 0) throw new ValidationError('fallbackChain needs at least one provider');
  const name = `fallback(${providers.map((p) => p.name).join(',')})`;
  return {
    name,
    async *stream(request: ModelRequest): AsyncGenerator<ModelEvent> {
      const errors: unknown[] = [];
      for (let i = 0; i < providers.length; i++) {
        const provider = providers[i]!;
        const out = { emitted: false };
        try {
          yield* tracked(provider, request, out);
          return;
        } catch (e) {
          if (out.emitted || request.signal?.aborted) throw e;
          if (options.shouldFallback && !options.shouldFallback(e, provider)) throw e;
          errors.push(e);
          const next = providers[i + 1];
          if (next) options.onFallback?.({ from: provider, to: next, error: e });
        }
      }
      const retryable = errors.some(isRetryable);
      const waits = errors.flatMap((e) =>
        e instanceof ProviderError && e.retryable && e.retryAfterMs !== undefined ? [e.retryAfterMs] : [],
      );
      const last = errors[errors.length - 1];
      const detail = errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
      throw new ProviderError(`${name}: every provider failed: ${detail}`, {
        retryable,
        ...(waits.length > 0 ? { retryAfterMs: Math.min(...waits) } : {}),
        ...(last instanceof ProviderError && last.status !== undefined ? { status: last.status } : {}),
        cause: new AggregateError(errors, 'every provider failed'),
        code: last instanceof ProviderError ? last.code : 'unavailable',
      });
    },
  };
}
