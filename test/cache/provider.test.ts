/**
 * The cache decorator on its own: TTL, keys that include every parameter, a failing backend or embedder (the model
 * answers, the failure is counted, nothing wrong is served), calls without a tenant, and replies not worth caching.
 */
import { describe, expect, it } from 'vitest';
import { cachedProvider, StorageCacheBackend, type CacheBackend } from '../../actors/llm/cache/index.js';
import type { ModelEvent, ModelProvider, ModelRequest } from '../../actors/llm/types.js';
import { HashingTestEmbedder, type Embedder } from '../../actors/memory/index.js';
import { MemoryStorage, Meter } from '../../runtime/index.js';
import { CountingProvider } from './fixtures.js';

const req = (content: string, extra: Partial<ModelRequest> = {}): ModelRequest => ({
  model: 'm',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content },
  ],
  scope: { tenant: 'acme' },
  ...extra,
});

async function collect(p: ModelProvider, r: ModelRequest): Promise<{ text: string; done: Extract<ModelEvent, { type: 'done' }> }> {
  let text = '';
  let done: Extract<ModelEvent, { type: 'done' }> | undefined;
  for await (const ev of p.stream(r)) {
    if (ev.type === 'token') text += ev.text;
    if (ev.type === 'done') done = ev;
  }
  return { text, done: done as Extract<ModelEvent, { type: 'done' }> };
}

/** Waits (with a deadline) until `check` holds: the cache stores after answering. */
async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in 5 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A backend whose every operation fails, as a storage outage makes it. */
class BrokenBackend implements CacheBackend {
  private fail(): Promise<never> {
    return Promise.reject(new Error('storage unavailable'));
  }
  getExact = () => this.fail();
  putExact = () => this.fail();
  semantic = () => this.fail();
  putSemantic = () => this.fail();
  clear = () => this.fail();
}

function setup(extra: { backend?: CacheBackend; now?: () => number; embedder?: boolean } = {}) {
  const model = new CountingProvider();
  const meter = new Meter();
  const warnings: string[] = [];
  const backend = extra.backend ?? new StorageCacheBackend(new MemoryStorage());
  const provider = cachedProvider(model, {
    backend,
    ttlMs: 60_000,
    threshold: 0.9,
    cacheableTools: new Set(['lookup']),
    meter,
    warn: (m) => warnings.push(m),
    ...(extra.now === undefined ? {} : { now: extra.now }),
    ...(extra.embedder === true ? { embedder: () => Promise.resolve(new HashingTestEmbedder()) } : {}),
  });
  const stored = (r: ModelRequest) => async () => (await collectCount(provider, model, r)) === 0;
  return { model, meter, warnings, provider, backend, stored };
}

async function collectCount(p: ModelProvider, model: CountingProvider, r: ModelRequest): Promise<number> {
  const before = model.requests.length;
  await collect(p, r);
  return model.requests.length - before;
}

describe('cachedProvider', () => {
  it('serves an entry until its TTL passes, then asks the model again', async () => {
    let now = 1_000;
    const { provider, model, stored } = setup({ now: () => now });
    const first = await collect(provider, req('hi'));
    await until(stored(req('hi')));
    const hit = await collect(provider, req('hi'));
    expect(hit.text).toBe(first.text);
    expect(hit.done.cached).toEqual({ kind: 'exact' });
    expect(hit.done.usage).toEqual({ promptTokens: 0, completionTokens: 0 });
    now += 60_001;
    const before = model.requests.length;
    const late = await collect(provider, req('hi'));
    expect(model.requests.length).toBe(before + 1);
    expect(late.done.cached).toBeUndefined();
  });

  it('keys on every parameter, tool and message', async () => {
    const { provider, model, stored } = setup();
    await collect(provider, req('hi', { temperature: 0.2 }));
    await until(stored(req('hi', { temperature: 0.2 })));
    const n = model.requests.length;
    for (const other of [
      req('hi', { temperature: 0.3 }),
      req('hi', { temperature: 0.2, model: 'other' }),
      req('hi', { temperature: 0.2, maxTokens: 10 }),
      req('hi', { temperature: 0.2, tools: [{ name: 'lookup', description: 'd', parameters: {} }] }),
      req('hi', {
        temperature: 0.2,
        messages: [
          { role: 'system', content: 'Be long.' },
          { role: 'user', content: 'hi' },
        ],
      }),
    ])
      await collect(provider, other);
    expect(model.requests.length).toBe(n + 5);
  });

  it('bypasses a failing backend: the model answers every call and the failures are counted', async () => {
    const { provider, model, meter, warnings } = setup({ backend: new BrokenBackend(), embedder: true });
    const a = await collect(provider, req('cancel my order'));
    const b = await collect(provider, req('cancel my order'));
    expect(model.requests.length).toBe(2);
    expect([a.done.cached, b.done.cached]).toEqual([undefined, undefined]);
    expect(b.text).toBe('answer #2: cancel my order');
    expect(meter.get('llm_cache_lookups', { kind: 'exact', result: 'error' })).toBe(2);
    expect(warnings.join('\n')).toContain('storage unavailable');
  });

  it('bypasses a failing embedder for the semantic side and still caches nothing wrong', async () => {
    const model = new CountingProvider();
    const meter = new Meter();
    const provider = cachedProvider(model, {
      backend: new StorageCacheBackend(new MemoryStorage()),
      ttlMs: 60_000,
      threshold: 0.5,
      cacheableTools: new Set(),
      meter,
      embedder: () => Promise.reject(new Error('model missing')),
    });
    const a = await collect(provider, req('cancel my order'));
    expect(a.text).toBe('answer #1: cancel my order');
    expect(meter.get('llm_cache_lookups', { kind: 'semantic', result: 'error' })).toBe(1);
  });

  it('never caches a call without a tenant, offering a non-cacheable tool, or cut off by length', async () => {
    const { provider, model, meter } = setup();
    const noScope = req('hi');
    delete (noScope as { scope?: unknown }).scope;
    await collect(provider, noScope);
    await collect(provider, noScope);
    const tools = [{ name: 'send_mail', description: 'd', parameters: {} }];
    await collect(provider, req('hi', { tools }));
    await collect(provider, req('hi', { tools }));
    expect(model.requests.length).toBe(4);
    expect(meter.get('llm_cache_lookups', { kind: 'exact', result: 'bypass' })).toBe(4);

    // A reply cut off by the length limit is not stored; one stored after it shows the store ran.
    const inner = new CountingProvider();
    const cut: ModelProvider = {
      name: 'cut',
      async *stream(r) {
        if (r.messages.some((m) => m.content === 'long')) {
          yield {
            type: 'done',
            message: { role: 'assistant', content: 'half' },
            usage: { promptTokens: 1, completionTokens: 1 },
            stopReason: 'length',
          };
        } else yield* inner.stream(r);
      },
    };
    const backend = new StorageCacheBackend(new MemoryStorage());
    const cached = cachedProvider(cut, { backend, ttlMs: 60_000, threshold: 0.9, cacheableTools: new Set() });
    await collect(cached, req('long'));
    await collect(cached, req('short'));
    await until(async () => (await collect(cached, req('short'))).done.cached !== undefined);
    expect((await collect(cached, req('long'))).done.cached).toBeUndefined();
  });

  it('never compares one embedder’s vectors with another’s, even in one store', async () => {
    // Every text gets the same vector: any prompt is similar enough, so only the embedder's id keeps them apart.
    const same = (id: string): Embedder => ({
      id,
      dims: 4,
      embed: (texts) => Promise.resolve(texts.map(() => Float32Array.of(0.5, 0.5, 0.5, 0.5))),
      close: () => Promise.resolve(),
    });
    const backend = new StorageCacheBackend(new MemoryStorage());
    const model = new CountingProvider();
    const options = { backend, ttlMs: 60_000, threshold: 0.9, cacheableTools: new Set<string>() };
    const a = cachedProvider(model, { ...options, embedder: () => Promise.resolve(same('model-a')) });
    const b = cachedProvider(model, { ...options, embedder: () => Promise.resolve(same('model-b')) });
    await collect(a, req('please reset my password'));
    // Stored: the same model serves a paraphrase from its entry.
    await until(async () => (await collectCount(a, model, req('how do I reset my password'))) === 0);
    expect(await collectCount(b, model, req('how can I reset my password'))).toBe(1);
  });

  it('keeps tenants apart in storage', async () => {
    const storage = new MemoryStorage();
    const { provider, model, stored } = setup({ backend: new StorageCacheBackend(storage) });
    await collect(provider, req('hi'));
    await until(stored(req('hi')));
    const n = model.requests.length;
    await collect(provider, req('hi', { scope: { tenant: 'globex' } }));
    expect(model.requests.length).toBe(n + 1);
    const keys = (await storage.bucket('llmcache').list([])).map((e) => e.key[0]);
    expect(new Set(keys)).toEqual(new Set(['acme', 'globex']));
  });
});
