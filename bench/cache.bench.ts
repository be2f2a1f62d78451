/**
 * Response cache: quality and speed of the real decorator (actors/llm/cache) on the embedded default (memory storage,
 * the USE-lite embedder as config builds it). Quality on test/fixtures/cache: each pair in a tenant of its own, the
 * first prompt answered by the model and stored, then the second asked — the share of paraphrases served from the
 * cache and the count of negation/opposite/number/entity pairs wrongly served. Speed: a hit's p99 (exact; semantic,
 * which embeds the prompt first) beside the offline model's own latency for the same prompt, measured in the same run.
 */
import {
  CACHE_BUCKET,
  cacheEmbedder,
  cachedProvider,
  StorageCacheBackend,
  embedderFromConfig,
  loadUseLiteLatency,
  providerFor,
  USE_LITE_ID,
  type ModelProvider,
  type ModelRequest,
} from '../actors/index.js';
import { configSchema } from '../config/index.js';
import { MemoryStorage } from '../runtime/index.js';
import { negationPairs, paraphrasePairs } from '../test/cache/pairs.js';
import { CountingProvider } from '../test/cache/fixtures.js';
import { latency, type BenchOptions, type Figure, type Goal, type Latency, type SuiteResult } from './harness.js';

const req = (tenant: string, content: string): ModelRequest => ({
  model: 'offline',
  messages: [
    { role: 'system', content: 'You are a support agent.' },
    { role: 'user', content },
  ],
  scope: { tenant },
});

/** Streams a whole reply; true when it came from the cache. */
async function ask(p: ModelProvider, r: ModelRequest): Promise<boolean> {
  let cached = false;
  for await (const ev of p.stream(r)) if (ev.type === 'done') cached = ev.cached !== undefined;
  return cached;
}

async function run(o: BenchOptions): Promise<SuiteResult> {
  const config = configSchema.parse({ cache: { enabled: true } });
  const c = config.cache;
  const embedder = await embedderFromConfig(config.memory);
  // The cache's own embedder, as actors/agent/cache.ts builds it (int8 USE-lite on the default).
  const semanticEmbedder = await cacheEmbedder(() => Promise.resolve(embedder))();
  const storage = new MemoryStorage();
  const backend = new StorageCacheBackend(storage, c.semantic.maxEntries);
  const model = new CountingProvider();
  const options = {
    backend,
    ttlMs: c.ttlSeconds * 1000,
    threshold: c.semantic.threshold,
    shortBoost: c.semantic.shortBoost,
    cacheableTools: new Set<string>(),
    embedder: () => Promise.resolve(semanticEmbedder),
  };
  const cached = cachedProvider(model, options);
  const figures: Figure[] = [];
  const goals: Goal[] = [];
  const notes: string[] = [
    `embedder ${semanticEmbedder.id} (memory: ${embedder.id}); ` +
      `threshold ${c.semantic.threshold}, short-prompt boost ${c.semantic.shortBoost}`,
  ];

  // ---- quality
  /** Asks `a` (stored once the store lands), then `b`; true when `b` was served from the cache. */
  const bucket = storage.bucket(CACHE_BUCKET);
  /** Asks `a`, waits until its semantic entry is stored, then asks `b`; true when `b` was served from the cache. */
  const pair = async (tenant: string, a: string, b: string): Promise<boolean> => {
    await ask(cached, req(tenant, a));
    const deadline = Date.now() + 10_000;
    while ((await bucket.list([tenant, 's'])).length === 0) {
      if (Date.now() > deadline) throw new Error(`no semantic entry stored for ${JSON.stringify(a)}`);
      await new Promise((r) => setTimeout(r, 1));
    }
    return ask(cached, req(tenant, b));
  };
  const para = paraphrasePairs();
  const neg = negationPairs();
  const pairs = o.quick ? 10 : para.length;
  let hits = 0;
  for (let i = 0; i < pairs; i++) {
    const [a, b] = para[i] as [string, string];
    if (await pair(`para-${i}`, a, b)) hits++;
  }
  const falseHits: string[] = [];
  const negs = o.quick ? 10 : neg.length;
  for (let i = 0; i < negs; i++) {
    const { kind, a, b } = neg[i] as { kind: string; a: string; b: string };
    if (await pair(`neg-${i}`, a, b)) falseHits.push(`${kind}: ${a} → ${b}`);
    if (await pair(`neg-r-${i}`, b, a)) falseHits.push(`${kind}: ${b} → ${a}`);
  }
  const hitRate = hits / pairs;
  goals.push({ name: 'paraphrase hits ≥ 50 %', met: hitRate >= 0.5, detail: `${hits}/${pairs} = ${(hitRate * 100).toFixed(1)} %` });
  goals.push({
    name: 'negation/opposite/number/entity false hits = 0',
    met: falseHits.length === 0,
    detail: `${falseHits.length} of ${negs * 2} lookups (both directions)`,
  });
  if (falseHits.length > 0) notes.push(`false hits: ${falseHits.slice(0, 5).join('; ')}`);
  o.log(`cache: paraphrases ${hits}/${pairs}, false hits ${falseHits.length}`);

  // ---- speed
  const offline = providerFor({ provider: 'offline' }).provider;
  const prompt = 'how do I reset my password';
  await ask(cached, req('speed', prompt));
  while (!(await ask(cached, req('speed', prompt)))) await new Promise((r) => setTimeout(r, 2));
  const count = o.quick ? 50 : 2000;
  // Best of `runs` passes (by p99), interleaved, so a burst of load on a shared machine hits both sides alike.
  const runs = o.runs ?? (o.quick ? 1 : 3);
  let exact = await latency({ count, warmup: 100, op: () => ask(cached, req('speed', prompt)) });
  let model1 = await latency({ count, warmup: 100, op: () => ask(offline, req('speed', prompt)) });
  for (let r = 1; r < runs; r++) {
    const e = await latency({ count, warmup: 10, op: () => ask(cached, req('speed', prompt)) });
    const m = await latency({ count, warmup: 10, op: () => ask(offline, req('speed', prompt)) });
    if (e.p99Us < exact.p99Us) exact = e;
    if (m.p99Us < model1.p99Us) model1 = m;
  }
  const paraphrase = 'I forgot my password, how can I reset it';
  const samples = o.quick ? 20 : 300;
  /** Latency of `op`, and the process's CPU per call (warm-up included): unlike wall time, not inflated by waiting for a core. */
  const timed = async (op: () => Promise<unknown>): Promise<Latency & { cpuMs: number }> => {
    const before = process.cpuUsage();
    const l = await latency({ count: samples, warmup: 10, op });
    const used = process.cpuUsage(before);
    return { ...l, cpuMs: (used.user + used.system) / 1000 / (samples + 10) };
  };
  const semantic = await timed(() => ask(cached, req('speed', paraphrase)));
  const embedOnly = await timed(() => semanticEmbedder.embed([paraphrase]));
  // The memory embedder (float32 USE-lite on the default) on the same prompt, for comparison.
  // The cache did not use it: its first call starts it, and calls go to its pool until its latency session has loaded.
  if (semanticEmbedder !== embedder) {
    await embedder.embed([paraphrase]);
    if (embedder.id === USE_LITE_ID) await loadUseLiteLatency();
  }
  const memoryEmbed = semanticEmbedder === embedder ? embedOnly : await timed(() => embedder.embed([paraphrase]));
  const offlineBaseline = { name: 'offline model, same prompt', value: model1.p99Us / 1000, unit: 'ms' };
  figures.push({ name: 'exact hit p99', value: exact.p99Us / 1000, unit: 'ms', higherIsBetter: false, baselines: [offlineBaseline] });
  figures.push({
    name: 'semantic hit p99',
    value: semantic.p99Us / 1000,
    unit: 'ms',
    higherIsBetter: false,
    baselines: [offlineBaseline, { name: 'embedding the prompt alone', value: embedOnly.p99Us / 1000, unit: 'ms' }],
  });
  goals.push({ name: 'exact hit p99 ≤ 2 ms', met: exact.p99Us <= 2000, detail: `${(exact.p99Us / 1000).toFixed(3)} ms` });
  goals.push({
    name: 'semantic hit p99 ≤ 2 ms',
    met: semantic.p99Us <= 2000,
    detail: `${(semantic.p99Us / 1000).toFixed(3)} ms (embedding alone ${(embedOnly.p99Us / 1000).toFixed(3)} ms)`,
  });
  notes.push(
    `p50: exact hit ${(exact.p50Us / 1000).toFixed(3)} ms, semantic hit ${(semantic.p50Us / 1000).toFixed(3)} ms, ` +
      `embedding alone ${(embedOnly.p50Us / 1000).toFixed(3)} ms, offline model ${(model1.p50Us / 1000).toFixed(3)} ms`,
    `CPU per call: semantic hit ${semantic.cpuMs.toFixed(3)} ms, embedding alone ${embedOnly.cpuMs.toFixed(3)} ms`,
    `memory embedder ${embedder.id} on the same prompt: p50 ${(memoryEmbed.p50Us / 1000).toFixed(3)} ms, ` +
      `p99 ${(memoryEmbed.p99Us / 1000).toFixed(3)} ms, CPU ${memoryEmbed.cpuMs.toFixed(3)} ms`,
  );
  await embedder.close();
  return { suite: 'cache', figures, goals, notes };
}

/** The cache suite. */
export const cacheSuite = {
  name: 'cache',
  description: 'response cache: paraphrase hits and negation false hits on test/fixtures/cache, hit latency vs the offline model',
  run,
};
