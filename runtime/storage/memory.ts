/** In-process storage: values are copied through the codec on the way in and out, like the other backends. */
import { codec } from '../../protocols/index.js';
import { assertBucketName, assertKey, compareKeys, hasPrefix, type KvBucket, type Storage, type StorageEntry, type StorageKey } from './types.js';


class MemoryBucket implements KvBucket {
  private readonly data = new Map<string, { key: StorageKey; bytes: Uint8Array }>();
  constructor(readonly name: string) {}

  get<T>(key: StorageKey): Promise<T | undefined> {
    assertKey(key);
    const e = this.data.get(JSON.stringify(key));
    return Promise.resolve(e === undefined ? undefined : (codec.decodeValue(e.bytes) as T));
  }

  put(key: StorageKey, value: unknown): Promise<void> {
    assertKey(key);
    const bytes = codec.encodeValue(value);
    this.data.set(JSON.stringify(key), { key: [...key], bytes });
    return Promise.resolve();
  }

  putMany(entries: readonly StorageEntry[]): Promise<void> {
    const encoded = entries.map((e) => {
      assertKey(e.key);
      return { key: [...e.key], bytes: codec.encodeValue(e.value) };
    });
    for (const e of encoded) this.data.set(JSON.stringify(e.key), e);
    return Promise.resolve();
  }

  delete(key: StorageKey): Promise<boolean> {
    assertKey(key);
    return Promise.resolve(this.data.delete(JSON.stringify(key)));
  }

  list<T>(prefix: StorageKey, options: { limit?: number } = {}): Promise<StorageEntry<T>[]> {
    assertKey(prefix, true);
    const hits = [...this.data.values()].filter((e) => hasPrefix(e.key, prefix)).sort((a, b) => compareKeys(a.key, b.key));
    const limited = options.limit === undefined ? hits : hits.slice(0, options.limit);
    return Promise.resolve(limited.map((e) => ({ key: e.key, value: codec.decodeValue(e.bytes) as T })));
  }

  async deletePrefix(prefix: StorageKey): Promise<number> {
    assertKey(prefix, true);
    let n = 0;
    for (const [k, e] of this.data) if (hasPrefix(e.key, prefix) && this.data.delete(k)) n++;
    return Promise.resolve(n);
  }
}

/** Storage that lives as long as the process: for tests, benches and `storage.kind: memory`. */
export class MemoryStorage implements Storage {
  readonly kind = 'memory' as const;
  private readonly buckets = new Map<string, MemoryBucket>();

  bucket(name: string): KvBucket {
    assertBucketName(name);
    let b = this.buckets.get(name);
    if (b === undefined) this.buckets.set(name, (b = new MemoryBucket(name)));
    return b;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
