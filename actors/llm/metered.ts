/**
 * A {@link ModelProvider} decorator that measures every model call into the node's meter, after
 * OpenTelemetry's GenAI client metrics: tokens in and out, the call's duration (failed calls
 * labelled with their error code) and the time to its first token, by provider and requested
 * model. A reply from the response cache is no model call and is not measured here (the cache
 * counts its hits itself).
 */
import { isTroupeError } from '../../protocols/index.js';
import { METER, type Meter } from '../../runtime/index.js';
import type { ModelEvent, ModelProvider, ModelRequest } from './types.js';

/** The backend under resilience wrappers: `retry(breaker(openai))` → `openai`; `fallback(a,b)` → `a,b`. */
export function baseProviderName(name: string): string {
  let n = name;
  for (let m = /^[a-z_]+\((.*)\)$/.exec(n); m !== null; m = /^[a-z_]+\((.*)\)$/.exec(n)) n = m[1] as string;
  return n;
}

/**
 * Wraps `inner` so each call's tokens, duration and time to first token reach `meter`. Its stream is the inner one's
 * iterator with a look at each event, not a generator around it: every event of every model call passes here, and a
 * generator layer costs several promises per event.
 */
export function meteredProvider(inner: ModelProvider, meter: Meter, now: () => number = () => performance.now()): ModelProvider {
  const provider = baseProviderName(inner.name);
  return {
    name: inner.name,
    stream(request: ModelRequest): AsyncIterable<ModelEvent> {
      const labels = { operation: 'chat', provider, model: request.model };
      const started = now();
      let firstToken: number | undefined;
      const seen = (r: IteratorResult<ModelEvent>): IteratorResult<ModelEvent> => {
        if (r.done === true) return r;
        const ev = r.value;
        if (ev.type === 'token' && firstToken === undefined) firstToken = (now() - started) / 1000;
        if (ev.type === 'done' && ev.cached === undefined) {
          if (firstToken !== undefined) meter.observe(METER.timeToFirstToken, { provider, model: request.model }, firstToken);
          meter.observe(METER.tokenUsage, { ...labels, token_type: 'input' }, ev.usage.promptTokens);
          meter.observe(METER.tokenUsage, { ...labels, token_type: 'output' }, ev.usage.completionTokens);
          meter.observe(METER.operationDuration, labels, (now() - started) / 1000);
        }
        return r;
      };
      const failed = (e: unknown): never => {
        const error = isTroupeError(e) ? e.code : 'internal';
        meter.observe(METER.operationDuration, { ...labels, error }, (now() - started) / 1000);
        throw e;
      };
      return {
        [Symbol.asyncIterator](): AsyncIterator<ModelEvent> {
          let it: AsyncIterator<ModelEvent>;
          try {
            it = inner.stream(request)[Symbol.asyncIterator]();
          } catch (e) {
            return { next: () => Promise.reject(e as Error).then(seen, failed) };
          }
          return {
            next: () => it.next().then(seen, failed),
            // A consumer that stops early (a `break`) ends the inner stream too, as a `for await` inside a generator would.
            return: (value?: unknown) => (it.return === undefined ? Promise.resolve({ done: true, value }) : it.return(value)),
          };
        },
      };
    },
  };
}
