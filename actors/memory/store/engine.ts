/**
 * The long-term store of one tenant, LangGraph semantics over a {@link KvBucket}: put / get /
 * delete / search (namespace prefix, metadata filter, natural-language query on indexed
 * namespaces) / list namespaces, TTLs with a sweeper that deletes expired items. One engine per
 * activation of the store actor; it is the only writer of its tenant's keys.
 */
import {
  NotFoundError,
  ValidationError,
  STORE_DEFAULTS,
  type StoreDelete,
  type StoreDeleteReply,
  type StoreGet,
  type StoreItem,
  type StoreNamespaces,
  type StoreNamespacesReply,
  type StorePut,
  type StoreSearch,
  type StoreSearchItem,
  type StoreSearchReply,
} from '../../../protocols/index.js';
import type { Clock, KvBucket, StorageEntry } from '../../../runtime/index.js';
import type { FieldCipher } from '../crypto.js';
import { hasNamespacePrefix, listNamespaces, matchesItemFilter, validateFilter } from './filter.js';
import { StoreIndexing, type IndexOptions } from './indexing.js';
import {
  isExpired,
  itemKey,
  itemPrefix,
  nsKey,
  nsPrefix,
  nsSegment,
  toApiItem,
  ttlKey,
  ttlPrefix,
  vecKey,
  type StoredItem,
} from './records.js';
import { SensitiveFields, type PiiScan, type SensitiveRule } from './sensitive.js';
import { StoreVectors } from './vectors.js';

/** How a tenant's store is built. */
export interface StoreEngineOptions {
  readonly bucket: KvBucket;
  readonly tenant: string;
  readonly clock: Clock;
  /** TTL (minutes) of items put without one; absent = none. */
  readonly defaultTtlMinutes?: number;
  /** Whether reads refresh TTLs when the request does not say (default true, as LangGraph). */
  readonly refreshOnRead?: boolean;
  /** Natural-language search: the embedder, the indexed namespaces, and the index (default hnswlib). */
  readonly index?: IndexOptions;
  /** Encryption at rest of sensitive fields. */
  readonly encryption?: { readonly cipher?: FieldCipher; readonly sensitive?: readonly SensitiveRule[]; readonly pii?: PiiScan };
}

const SWEEP_BATCH = 256;
/** Expiry entries one sweep handles at most (a few ms each on JetStream). */
const SWEEP_MAX = 2000;
const MINUTE = 60_000;

/** One tenant's long-term store. Call {@link open} before anything else. */
export class StoreEngine {
  private readonly bucket: KvBucket;
  private readonly tenant: string;
  private readonly clock: Clock;
  private readonly namespaces = new Map<string, string[]>();
  private readonly sensitive: SensitiveFields;
  private readonly indexing: StoreIndexing | undefined;
  /** No TTL runs out before this (epoch ms): sweeps before it need not read storage. */
  private nextExpiry = Infinity;

  constructor(private readonly options: StoreEngineOptions) {
    this.bucket = options.bucket;
    this.tenant = options.tenant;
    this.clock = options.clock;
    const e = options.encryption;
    this.sensitive = new SensitiveFields(options.tenant, e?.cipher, e?.sensitive ?? [], e?.pii);
    this.indexing =
      options.index === undefined ? undefined : new StoreIndexing(options.bucket, options.tenant, this.sensitive, options.index);
  }

  /** Loads the namespace list and the vectors; items whose vectors came from another embedder wait for {@link reembed}. */
  async open(): Promise<void> {
    for (const e of await this.bucket.list<{ namespace: string[] }>(nsPrefix(this.tenant)))
      this.namespaces.set(e.key[2] as string, e.value.namespace);
    await this.findNextExpiry();
    await this.indexing?.load();
  }

  /** Items waiting to be embedded again after an embedder change (unranked by queries until then). */
  get staleVectors(): number {
    return this.indexing?.waiting ?? 0;
  }

  /** Embeds up to `max` waiting items again; returns how many still wait. */
  async reembed(max = 32): Promise<number> {
    return (await this.indexing?.reembed(max)) ?? 0;
  }

  /** Vectors in the semantic index (0 without one). */
  get indexedVectors(): number {
    return this.indexing?.vectors.size ?? 0;
  }

  /** Stores (or replaces) an item; returns it as `get` would. */
  async put(p: StorePut, signal?: AbortSignal): Promise<StoreItem> {
    const ns = nsSegment(p.namespace);
    const now = this.clock.now();
    const key = itemKey(this.tenant, ns, p.key);
    const prev = await this.bucket.get<StoredItem>(key);
    const ttl = p.ttl === undefined ? this.options.defaultTtlMinutes : (p.ttl ?? undefined);
    const sealed = this.sensitive.seal(p.value, this.sensitive.paths(p.namespace, p.sensitive), ns, p.key);
    const item: StoredItem = {
      namespace: [...p.namespace],
      key: p.key,
      value: sealed.stored,
      created: prev !== undefined && !isExpired(prev, now) ? prev.created : now,
      updated: now,
      ...(ttl === undefined ? {} : { ttl, expires: now + ttl * MINUTE }),
      ...(p.index === undefined || p.index === null ? {} : { index: p.index }),
      ...(sealed.enc === undefined ? {} : { enc: sealed.enc }),
    };
    const prepared = await this.indexing?.embed(item, p.value, signal);
    if (prepared !== undefined) item.vec = true;
    const writes: StorageEntry[] = [{ key, value: item }];
    if (item.expires !== undefined) writes.push({ key: ttlKey(this.tenant, item.expires, ns, p.key), value: 1 });
    if (prepared !== undefined) writes.push({ key: vecKey(this.tenant, ns, p.key), value: prepared.stored });
    if (!this.namespaces.has(ns)) writes.push({ key: nsKey(this.tenant, ns), value: { namespace: item.namespace } });
    await this.bucket.putMany(writes);
    this.namespaces.set(ns, item.namespace);
    if (item.expires !== undefined) this.nextExpiry = Math.min(this.nextExpiry, item.expires);
    if (prev?.expires !== undefined && prev.expires !== item.expires)
      await this.bucket.delete(ttlKey(this.tenant, prev.expires, ns, p.key));
    if (prepared !== undefined) this.indexing?.vectors.apply(ns, p.key, prepared.vectors);
    else {
      this.indexing?.vectors.drop(ns, p.key);
      if (prev?.vec === true) await this.bucket.delete(vecKey(this.tenant, ns, p.key));
    }
    return toApiItem(item, p.value);
  }

  /** The item, or `not_found` (an expired item is deleted on sight). */
  async get(p: StoreGet): Promise<StoreItem> {
    const ns = nsSegment(p.namespace);
    const item = await this.read(ns, p.key);
    if (item === undefined) throw new NotFoundError(`no item "${p.key}" in namespace ${ns}`);
    if (p.refresh_ttl ?? this.options.refreshOnRead ?? true) await this.touch(item);
    return toApiItem(item, this.sensitive.open(item.value, item.enc, ns, item.key));
  }

  /** Deletes an item; deleting a missing one is not an error (as in LangGraph). */
  async delete(p: StoreDelete): Promise<StoreDeleteReply> {
    const ns = nsSegment(p.namespace);
    const item = await this.bucket.get<StoredItem>(itemKey(this.tenant, ns, p.key));
    if (item === undefined) return { deleted: false };
    await this.remove(item);
    return { deleted: !isExpired(item, this.clock.now()) };
  }

  /** Items under a namespace prefix that match the filter, ranked by the query when the items are indexed. */
  async search(p: StoreSearch, signal?: AbortSignal): Promise<StoreSearchReply> {
    if (p.filter) validateFilter(p.filter);
    const prefix = p.namespace_prefix ?? [];
    const limit = p.limit ?? STORE_DEFAULTS.searchLimit;
    const offset = p.offset ?? 0;
    const now = this.clock.now();
    type Hit = { item: StoredItem; value: Record<string, unknown>; ns: string; score?: number };
    const hits: Hit[] = [];
    for (const [ns, labels] of [...this.namespaces]) {
      if (!hasNamespacePrefix(labels, prefix)) continue;
      for (const e of await this.bucket.list<StoredItem>(itemPrefix(this.tenant, ns))) {
        if (isExpired(e.value, now)) {
          await this.remove(e.value);
          continue;
        }
        const value = this.sensitive.open(e.value.value, e.value.enc, ns, e.value.key);
        if (matchesItemFilter(value, p.filter)) hits.push({ item: e.value, value, ns });
      }
    }
    if (p.query)
      this.checkSearchable(
        prefix,
        hits.map((h) => h.item),
      );
    if (p.query && this.indexing !== undefined) {
      const scores = await this.indexing.vectors.rank(
        p.query,
        hits.map((h) => ({ ns: h.ns, key: h.item.key })),
        offset + limit,
        signal,
      );
      if (scores.size > 0) for (const h of hits) h.score = scores.get(StoreVectors.id(h.ns, h.item.key));
    }
    // Scored first (best first), then the rest; ties and unscored items newest first, then by namespace and key.
    hits.sort((a, b) => {
      if (a.score !== b.score) {
        if (a.score === undefined) return 1;
        if (b.score === undefined) return -1;
        return b.score - a.score;
      }
      return b.item.updated - a.item.updated || cmp(a.ns, b.ns) || cmp(a.item.key, b.item.key);
    });
    const page = hits.slice(offset, offset + limit);
    if (p.refresh_ttl ?? this.options.refreshOnRead ?? true) for (const h of page) await this.touch(h.item);
    return {
      items: page.map((h): StoreSearchItem =>
        h.score === undefined ? toApiItem(h.item, h.value) : { ...toApiItem(h.item, h.value), score: h.score },
      ),
    };
  }

  /**
   * A `query` is refused, not ignored, where nothing can be ranked: on a store without an embedder,
   * or when none of the items under the prefix is indexed (no `memory.store.index` rule covers them
   * and their puts named no fields). Items are then listed only without a query.
   */
  private checkSearchable(prefix: readonly string[], items: readonly StoredItem[]): void {
    const where = `namespace prefix ${JSON.stringify(prefix)}`;
    if (this.indexing === undefined) {
      throw new ValidationError(
        `query: semantic search is off on this store (no embedder); search ${where} without a query, or configure memory.store.index`,
      );
    }
    const indexing = this.indexing;
    if (items.length > 0 && !items.some((i) => indexing.indexes(i))) {
      throw new ValidationError(
        `query: ${where} is not indexed for semantic search (memory.store.index has no rule for it); search without a query, or add a rule`,
      );
    }
  }

  /** Namespaces holding at least one live item, matched, cut and paged as LangGraph does. */
  async namespacesList(p: StoreNamespaces): Promise<StoreNamespacesReply> {
    await this.sweep(); // a namespace whose last item just expired is gone
    return {
      namespaces: listNamespaces(this.namespaces.values(), {
        prefix: p.prefix,
        suffix: p.suffix,
        maxDepth: p.max_depth,
        limit: p.limit ?? STORE_DEFAULTS.namespacesLimit,
        offset: p.offset ?? 0,
      }),
    };
  }

  /**
   * Deletes items whose TTL has run out, at most `max` expiry entries per call (so one sweep stays
   * well inside a handler's time limit); {@link sweepDue} says whether more are due.
   */
  async sweep(max = SWEEP_MAX): Promise<number> {
    const now = this.clock.now();
    if (this.nextExpiry > now) return 0;
    let removed = 0;
    let seen = 0;
    for (;;) {
      const batch = await this.bucket.list(ttlPrefix(this.tenant), { limit: SWEEP_BATCH });
      let done = batch.length < SWEEP_BATCH;
      for (const e of batch) {
        if (Number(e.key[2]) > now) {
          done = true;
          break;
        }
        const [, , , ns, key] = e.key as [string, string, string, string, string];
        const item = await this.bucket.get<StoredItem>(itemKey(this.tenant, ns, key));
        if (item !== undefined && isExpired(item, now)) {
          await this.remove(item);
          removed++;
        }
        await this.bucket.delete(e.key); // a stale entry (the TTL was refreshed) goes too
        if (++seen >= max) {
          done = true;
          break;
        }
      }
      if (done) break;
    }
    await this.findNextExpiry();
    return removed;
  }

  /** True when an item's TTL has run out and a sweep would delete it. */
  sweepDue(): boolean {
    return this.nextExpiry <= this.clock.now();
  }

  /** Reads the earliest entry of the expiry queue. */
  private async findNextExpiry(): Promise<void> {
    const [first] = await this.bucket.list(ttlPrefix(this.tenant), { limit: 1 });
    this.nextExpiry = first === undefined ? Infinity : Number(first.key[2]);
  }

  /** A live item, or undefined; an expired one is removed. */
  private async read(ns: string, key: string): Promise<StoredItem | undefined> {
    const item = await this.bucket.get<StoredItem>(itemKey(this.tenant, ns, key));
    if (item === undefined) return undefined;
    if (!isExpired(item, this.clock.now())) return item;
    await this.remove(item);
    return undefined;
  }

  /** Pushes an item's expiry out by its TTL (LangGraph's refresh on read). */
  private async touch(item: StoredItem): Promise<void> {
    if (item.ttl === undefined || item.expires === undefined) return;
    const expires = this.clock.now() + item.ttl * MINUTE;
    if (expires === item.expires) return;
    const ns = nsSegment(item.namespace);
    const old = item.expires;
    item.expires = expires;
    this.nextExpiry = Math.min(this.nextExpiry, expires);
    await this.bucket.putMany([
      { key: itemKey(this.tenant, ns, item.key), value: item },
      { key: ttlKey(this.tenant, expires, ns, item.key), value: 1 },
    ]);
    await this.bucket.delete(ttlKey(this.tenant, old, ns, item.key));
  }

  /** Deletes an item and everything kept for it; drops its namespace when that was the last item. */
  private async remove(item: StoredItem): Promise<void> {
    const ns = nsSegment(item.namespace);
    await this.bucket.delete(itemKey(this.tenant, ns, item.key));
    if (item.expires !== undefined) await this.bucket.delete(ttlKey(this.tenant, item.expires, ns, item.key));
    this.indexing?.vectors.drop(ns, item.key);
    if (item.vec === true) await this.bucket.delete(vecKey(this.tenant, ns, item.key));
    if ((await this.bucket.list(itemPrefix(this.tenant, ns), { limit: 1 })).length === 0) {
      await this.bucket.delete(nsKey(this.tenant, ns));
      this.namespaces.delete(ns);
    }
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
