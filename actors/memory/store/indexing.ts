/**
 * The semantic side of a tenant's store: which fields of an item are embedded (the put's
 * `index`, else the longest matching namespace rule), its vectors in the in-memory index, the
 * load of stored vectors at activation, and re-embedding, in batches, of items whose vectors came
 * from another embedder. Sealed fields are never embedded.
 */
import type { KvBucket } from '../../../runtime/index.js';
import { HnswIndex } from '../semantic/hnsw-index.js';
import type { Embedder, VectorIndex } from '../semantic/types.js';
import { DecryptionError } from '../crypto.js';
import { hasNamespacePrefix } from './filter.js';
import { textsAt, tokenizePath } from './paths.js';
import { itemKey, nsSegment, vecKey, vecPrefix, type StoredItem, type StoredVectors } from './records.js';
import { SensitiveFields } from './sensitive.js';
import { StoreVectors, type PreparedVectors } from './vectors.js';

/** Namespaces embedded for natural-language search: a prefix and the field paths to embed. */
export interface IndexRule {
  readonly prefix: readonly string[];
  readonly fields: readonly string[];
}

/** How a store indexes: the embedder, the indexed namespaces, and the index (default hnswlib). */
export interface IndexOptions {
  readonly embedder: Embedder;
  readonly rules: readonly IndexRule[];
  readonly createIndex?: (dims: number) => VectorIndex;
}

/** Embeds items and keeps their vectors for one tenant's store. */
export class StoreIndexing {
  readonly vectors: StoreVectors;
  private readonly rules: readonly IndexRule[];
  /** Items whose stored vectors came from another embedder: [namespace segment, key]. */
  private readonly stale: [string, string][] = [];

  constructor(
    private readonly bucket: KvBucket,
    private readonly tenant: string,
    private readonly sensitive: SensitiveFields,
    options: IndexOptions,
  ) {
    this.rules = options.rules;
    for (const r of this.rules) for (const f of r.fields) tokenizePath(f); // malformed paths fail at startup
    this.vectors = new StoreVectors(options.embedder, (options.createIndex ?? ((d) => HnswIndex.create(d)))(options.embedder.dims));
  }

  /** Puts the stored vectors of the current embedder in the index; the others wait for {@link reembed}. */
  async load(): Promise<void> {
    for (const e of await this.bucket.list<StoredVectors>(vecPrefix(this.tenant))) {
      if (this.vectors.current(e.value)) this.vectors.load(e);
      else this.stale.push([e.key[2] as string, e.key[3] as string]);
    }
  }

  /** Items waiting to be embedded again (unranked by queries until then). */
  get waiting(): number {
    return this.stale.length;
  }

  /** Embeds up to `max` waiting items again; returns how many still wait. */
  async reembed(max = 32): Promise<number> {
    for (const [ns, key] of this.stale.splice(0, max)) {
      if (this.vectors.has(ns, key)) continue; // put again meanwhile, with fresh vectors
      const item = await this.bucket.get<StoredItem>(itemKey(this.tenant, ns, key));
      if (item === undefined) await this.bucket.delete(vecKey(this.tenant, ns, key));
      else
        await this.reindex(item).catch((err: unknown) => {
          // A sealed item the configured key cannot open stays unindexed; its reads report the key problem.
          if (!(err instanceof DecryptionError)) throw err;
        });
    }
    return this.stale.length;
  }

  /** Embeds the item's indexed texts (`value` is its plaintext); undefined when it has none. */
  async embed(item: StoredItem, value: Record<string, unknown>, signal?: AbortSignal): Promise<PreparedVectors | undefined> {
    const visible = SensitiveFields.redact(value, item.enc);
    if (visible === undefined) return undefined;
    const texts = this.fieldsFor(item).flatMap((f) => textsAt(visible, f));
    return texts.length === 0 ? undefined : this.vectors.prepare(texts, signal);
  }

  /** True when the item has fields to embed (a rule covers its namespace, or its put named fields). */
  indexes(item: StoredItem): boolean {
    return this.fieldsFor(item).length > 0;
  }

  /** The field paths embedded for an item: its put's `index`, else the longest matching rule's fields. */
  private fieldsFor(item: StoredItem): readonly string[] {
    if (item.index === false) return [];
    if (item.index !== undefined) return item.index;
    let best: IndexRule | undefined;
    for (const r of this.rules)
      if (hasNamespacePrefix(item.namespace, r.prefix) && (best === undefined || r.prefix.length > best.prefix.length)) best = r;
    return best?.fields ?? [];
  }

  /** Re-embeds a stored item with the current embedder. */
  private async reindex(item: StoredItem): Promise<void> {
    const ns = nsSegment(item.namespace);
    const prepared = await this.embed(item, this.sensitive.open(item.value, item.enc, ns, item.key));
    if (prepared === undefined) {
      await this.bucket.delete(vecKey(this.tenant, ns, item.key));
      return;
    }
    await this.bucket.put(vecKey(this.tenant, ns, item.key), prepared.stored);
    this.vectors.apply(ns, item.key, prepared.vectors);
  }
}
