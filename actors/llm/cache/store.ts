/**
 * Where cached replies live: the node's storage (bucket `llmcache`; memory on the embedded default, lmdb or JetStream
 * KV otherwise), every key under its tenant, so one tenant's prompts never answer another's. Semantic entries are
 * also held in memory per tenant and partition (loaded from storage on first use) so a lookup is a scan of a few
 * vectors, not a storage listing.
 */
import type { KvBucket, Storage } from '../../../runtime/index.js';
import type { ChatMessage } from '../types.js';
import { promptTraits, type PromptTraits } from './gate.js';

/** A cached reply. */
export interface CachedReply {
  readonly message: ChatMessage;
  readonly stopReason: 'stop' | 'tool_calls';
  /** Epoch ms after which it is not served. */
  readonly expires: number;
}

/** A semantic entry: the prompt it answered, its vector, and the similarity a new prompt needs to reuse it. */
export interface SemanticEntry extends CachedReply {
  readonly id: string;
  readonly prompt: string;
  readonly vector: readonly number[];
  readonly threshold: number;
}

/** A semantic entry as held in memory: the vector as floats, the gate's traits computed once. */
export interface LoadedEntry extends SemanticEntry {
  readonly floats: Float32Array;
  readonly traits: PromptTraits;
}

/** The cache's storage. Every method may reject: the caller bypasses the cache then. */
export interface CacheBackend {
  getExact(tenant: string, key: string): Promise<CachedReply | undefined>;
  putExact(tenant: string, key: string, reply: CachedReply): Promise<void>;
  /** The live semantic entries of a partition. */
  semantic(tenant: string, partition: string, now: number): Promise<readonly LoadedEntry[]>;
  putSemantic(tenant: string, partition: string, entry: SemanticEntry): Promise<void>;
  /** Drops every entry of a tenant. */
  clear(tenant: string): Promise<void>;
}

/** Bucket of cached replies. */
export const CACHE_BUCKET = 'llmcache';

function load(e: SemanticEntry): LoadedEntry {
  return { ...e, floats: Float32Array.from(e.vector), traits: promptTraits(e.prompt) };
}

/** The backend over a {@link Storage}; `maxPerPartition` bounds the semantic entries kept per partition (oldest go). */
export class StorageCacheBackend implements CacheBackend {
  private readonly bucket: KvBucket;
  private readonly loaded = new Map<string, Promise<LoadedEntry[]>>();

  constructor(
    storage: Storage,
    private readonly maxPerPartition = 512,
  ) {
    this.bucket = storage.bucket(CACHE_BUCKET);
  }

  getExact(tenant: string, key: string): Promise<CachedReply | undefined> {
    return this.bucket.get<CachedReply>([tenant, 'x', key]);
  }

  putExact(tenant: string, key: string, reply: CachedReply): Promise<void> {
    return this.bucket.put([tenant, 'x', key], reply);
  }

  async semantic(tenant: string, partition: string, now: number): Promise<readonly LoadedEntry[]> {
    const entries = await this.entries(tenant, partition);
    return entries.filter((e) => e.expires > now);
  }

  async putSemantic(tenant: string, partition: string, entry: SemanticEntry): Promise<void> {
    await this.bucket.put([tenant, 's', partition, entry.id], entry);
    const entries = await this.entries(tenant, partition);
    entries.push(load(entry));
    while (entries.length > this.maxPerPartition) {
      const old = entries.shift() as LoadedEntry;
      await this.bucket.delete([tenant, 's', partition, old.id]);
    }
  }

  async clear(tenant: string): Promise<void> {
    for (const k of this.loaded.keys()) if (k.startsWith(`${tenant}\u0000`)) this.loaded.delete(k);
    await this.bucket.deletePrefix([tenant]);
  }

  private entries(tenant: string, partition: string): Promise<LoadedEntry[]> {
    const k = `${tenant}\u0000${partition}`;
    let p = this.loaded.get(k);
    if (p === undefined) {
      p = this.bucket.list<SemanticEntry>([tenant, 's', partition]).then((rows) => rows.map((r) => load(r.value)));
      this.loaded.set(k, p);
      // A failed load is tried again next time rather than remembered as empty.
      p.catch(() => this.loaded.delete(k));
    }
    return p;
  }
}
