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

/** Wraps `inner` so each call's tokens, duration and time to first token reach `meter`. */
export function meteredProvider(inner: ModelProvider, meter: Meter, now: () => number = () => performance.now()): ModelProvider {
  const provider = baseProviderName(inner.name);
  return {
    name: inner.name,
    async *stream(request: ModelRequest): AsyncIterable<ModelEvent> {
      const labels = { operation: 'chat', provider, model: request.model };
      const started = now();
      let firstToken: number | undefined;
      try {
        for await (const ev of inner.stream(request)) {
          if (ev.type === 'token' && firstToken === undefined) firstToken = (now() - started) / 1000;
          if (ev.type === 'done' && ev.cached === undefined) {
            if (firstToken !== undefined) meter.observe(METER.timeToFirstToken, { provider, model: request.model }, firstToken);
            meter.observe(METER.tokenUsage, { ...labels, token_type: 'input' }, ev.usage.promptTokens);
            meter.observe(METER.tokenUsage, { ...labels, token_type: 'output' }, ev.usage.completionTokens);
            meter.observe(METER.operationDuration, labels, (now() - started) / 1000);
          }
          yield ev;
        }
      } catch (e) {
        const error = isTroupeError(e) ? e.code : 'internal';
        meter.observe(METER.operationDuration, { ...labels, error }, (now() - started) / 1000);
        throw e;
      }
    },
  };
}
