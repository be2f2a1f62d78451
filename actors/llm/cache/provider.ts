/**
 * The response cache as a {@link ModelProvider} decorator: an exact cache keyed by model, parameters, messages and
 * tools (with a TTL), then a semantic cache on an embedder whose hits must also pass the polarity gate (gate.ts).
 * Both are per tenant (the request's scope; a call without one is never cached). A call offering a tool not marked
 * cacheable bypasses the cache: its answer may lead to side effects that a replay would skip or repeat. A hit
 * streams like a model answer (tokens, tool calls, `done` with zero usage and `cached` set); a backend or embedder
 * failure bypasses the cache — the model answers — and is counted, never a wrong answer.
 */
import { randomUUID } from 'node:crypto';
import type { Meter } from '../../../runtime/index.js';
import type { Embedder } from '../../memory/semantic/types.js';
import type { CacheHit, ChatMessage, ModelEvent, ModelProvider, ModelRequest } from '../types.js';
import { gateReason, promptTraits } from './gate.js';
import { embedderPartition, exactKey, semanticKey } from './key.js';
import type { CacheBackend, CachedReply, LoadedEntry } from './store.js';

/** Counter of cache lookups (labels `kind`: exact | semantic, `result`: hit | miss | bypass | error). */
export const LLM_CACHE_METER = 'llm_cache_lookups';

/** Options of {@link cachedProvider}. */
export interface CacheOptions {
  readonly backend: CacheBackend;
  /** How long a reply is served (ms). */
  readonly ttlMs: number;
  /** The semantic cache's embedder (absent: exact only); made on first use. */
  readonly embedder?: () => Promise<Embedder>;
  /** Similarity a new prompt needs to reuse an entry (stored with each entry); short prompts need `shortBoost` more. */
  readonly threshold: number;
  readonly shortBoost?: number;
  /** Tools whose calls may be answered from the cache (their effects are safe to skip or repeat). */
  readonly cacheableTools: ReadonlySet<string>;
  readonly meter?: Meter;
  readonly warn?: (message: string) => void;
  readonly now?: () => number;
}

/** Splits a cached text into word tokens, as a model streams it. */
function tokens(text: string): string[] {
  return text.match(/\s*\S+/g) ?? (text === '' ? [] : [text]);
}

/** A hit replayed as a model stream. */
function* replay(reply: CachedReply, cached: CacheHit): Generator<ModelEvent> {
  for (const t of tokens(reply.message.content)) yield { type: 'token', text: t };
  for (const call of reply.message.toolCalls ?? []) yield { type: 'tool_call', call };
  yield { type: 'done', message: reply.message, usage: { promptTokens: 0, completionTokens: 0 }, stopReason: reply.stopReason, cached };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** The best entry the prompt may reuse: similar enough for that entry and through the gate. */
export function bestEntry(
  entries: readonly LoadedEntry[],
  vector: Float32Array,
  prompt: string,
): { entry: LoadedEntry; similarity: number } | undefined {
  const traits = promptTraits(prompt);
  let best: { entry: LoadedEntry; similarity: number } | undefined;
  for (const entry of entries) {
    const similarity = cosine(entry.floats, vector);
    if (similarity < entry.threshold || (best !== undefined && similarity <= best.similarity)) continue;
    if (gateReason(entry.traits, traits) !== undefined) continue;
    best = { entry, similarity };
  }
  return best;
}

/** The similarity a prompt's entry asks of later prompts: the configured one, more for prompts of three words or fewer. */
export function entryThreshold(prompt: string, options: Pick<CacheOptions, 'threshold' | 'shortBoost'>): number {
  const words = prompt.trim().split(/\s+/).length;
  return Math.min(0.999, options.threshold + (words <= 3 ? (options.shortBoost ?? 0) : 0));
}

/** Wraps `inner` with the response cache. */
export function cachedProvider(inner: ModelProvider, options: CacheOptions): ModelProvider {
  const now = options.now ?? Date.now;
  const count = (kind: string, result: string): void => options.meter?.inc(LLM_CACHE_METER, { kind, result });
  const failed = (what: string, e: unknown): void => {
    options.warn?.(`llm cache: ${what} failed, bypassing the cache: ${(e as Error).message}`);
  };
  let embedder: Promise<Embedder> | undefined;
  const semanticEmbedder = (): Promise<Embedder> => {
    embedder ??= (options.embedder as () => Promise<Embedder>)();
    embedder.catch(() => (embedder = undefined));
    return embedder;
  };

  async function* stream(request: ModelRequest): AsyncGenerator<ModelEvent> {
    const tenant = request.scope?.tenant;
    const unsafe = (request.tools ?? []).some((t) => !options.cacheableTools.has(t.name));
    if (tenant === undefined || unsafe) {
      count('exact', 'bypass');
      yield* inner.stream(request);
      return;
    }
    const key = exactKey(request);
    const sem = options.embedder === undefined ? undefined : semanticKey(request);
    let usable = true;
    try {
      const hit = await options.backend.getExact(tenant, key);
      if (hit !== undefined && hit.expires > now()) {
        count('exact', 'hit');
        yield* replay(hit, { kind: 'exact' });
        return;
      }
      count('exact', 'miss');
    } catch (e) {
      failed('exact lookup', e);
      count('exact', 'error');
      usable = false;
    }
    let vector: Float32Array | undefined;
    let partition: string | undefined;
    if (usable && sem !== undefined) {
      try {
        const e = await semanticEmbedder();
        // Entries are kept per embedder: another model's vectors (an upgrade, a config change) are never compared.
        partition = embedderPartition(sem.partition, e.id);
        const [entries, [v]] = await Promise.all([options.backend.semantic(tenant, partition, now()), e.embed([sem.query])]);
        vector = v as Float32Array;
        const best = bestEntry(entries, vector, sem.query);
        if (best !== undefined) {
          count('semantic', 'hit');
          yield* replay(best.entry, { kind: 'semantic', similarity: Math.round(best.similarity * 1000) / 1000 });
          return;
        }
        count('semantic', 'miss');
      } catch (e) {
        failed('semantic lookup', e);
        count('semantic', 'error');
        usable = false;
      }
    }
    let done: Extract<ModelEvent, { type: 'done' }> | undefined;
    for await (const ev of inner.stream(request)) {
      if (ev.type === 'done') done = ev;
      yield ev;
    }
    if (!usable || done === undefined || done.stopReason === 'length') return;
    const message: ChatMessage = done.message;
    if (message.content === '' && (message.toolCalls ?? []).length === 0) return;
    const reply: CachedReply = { message, stopReason: done.stopReason, expires: now() + options.ttlMs };
    // Stored after the answer went out: a slow or failing backend delays no reply.
    const threshold = sem === undefined ? options.threshold : entryThreshold(sem.query, options);
    void (async () => {
      await options.backend.putExact(tenant, key, reply);
      if (sem !== undefined && vector !== undefined && partition !== undefined)
        await options.backend.putSemantic(tenant, partition, {
          ...reply,
          id: randomUUID(),
          prompt: sem.query,
          vector: [...vector],
          threshold,
        });
    })().catch((e: unknown) => failed('store', e));
  }

  return { name: inner.name, stream };
}

/** Adds the run's scope to every call of `provider` (the agent host does this, so caches know the tenant). */
export function scopedProvider(provider: ModelProvider, scope: ModelRequest['scope']): ModelProvider {
  return { name: provider.name, stream: (request) => provider.stream({ ...request, scope }) };
}
