/**
 * The metering provider decorator (actors/llm/metered.ts): tokens, duration and time to first token of each model
 * call reach the meter with the backend's name under resilience wrappers; a failed call is timed with its error code;
 * a reply from the response cache is no model call and is not measured.
 */
import { describe, expect, it } from 'vitest';
import { baseProviderName, meteredProvider, ProviderError, type ModelEvent, type ModelProvider } from '../../actors/llm/index.js';
import { Meter, METER } from '../../runtime/index.js';

function provider(name: string, events: readonly ModelEvent[], fail?: Error): ModelProvider {
  return {
    name,
    async *stream() {
      for (const e of events) yield await Promise.resolve(e);
      if (fail !== undefined) throw fail;
    },
  };
}

const done = (cached?: { kind: 'exact' }): ModelEvent => ({
  type: 'done',
  message: { role: 'assistant', content: 'hi there' },
  usage: { promptTokens: 7, completionTokens: 2 },
  stopReason: 'stop',
  ...(cached === undefined ? {} : { cached }),
});

async function drain(p: ModelProvider): Promise<void> {
  for await (const _ of p.stream({ model: 'm1', messages: [] })) void _;
}

function observed(meter: Meter): [string, Record<string, string>, number][] {
  const out: [string, Record<string, string>, number][] = [];
  meter.watch((name, labels, value) => out.push([name, { ...labels }, value]));
  return out;
}

describe('meteredProvider', () => {
  it('observes tokens by type, duration and first token under the backend name', async () => {
    const meter = new Meter();
    const seen = observed(meter);
    let t = 0;
    const now = (): number => (t += 250);
    await drain(meteredProvider(provider('retry(breaker(openai))', [{ type: 'token', text: 'hi' }, done()]), meter, now));
    const labels = { operation: 'chat', provider: 'openai', model: 'm1' };
    expect(seen).toEqual([
      [METER.timeToFirstToken, { provider: 'openai', model: 'm1' }, 0.25],
      [METER.tokenUsage, { ...labels, token_type: 'input' }, 7],
      [METER.tokenUsage, { ...labels, token_type: 'output' }, 2],
      [METER.operationDuration, labels, 0.5],
    ]);
  });

  it('times a failed call with its error code and rethrows it', async () => {
    const meter = new Meter();
    const seen = observed(meter);
    const fail = new ProviderError('boom', { status: 429, retryable: true });
    await expect(drain(meteredProvider(provider('anthropic', [], fail), meter))).rejects.toBe(fail);
    expect(seen.map(([n, l]) => [n, l['error']])).toEqual([[METER.operationDuration, 'rate_limited']]);
  });

  it('does not measure a reply served from the cache', async () => {
    const meter = new Meter();
    const seen = observed(meter);
    await drain(meteredProvider(provider('offline', [{ type: 'token', text: 'hi' }, done({ kind: 'exact' })]), meter));
    expect(seen).toEqual([]);
  });

  it('names the backend under wrappers', () => {
    expect(baseProviderName('offline')).toBe('offline');
    expect(baseProviderName('timeout(retry(openai))')).toBe('openai');
    expect(baseProviderName('fallback(openai,anthropic)')).toBe('openai,anthropic');
  });
});
