/**
 * In-process storage: values are copied through the codec on the way in and out, like the other
 * backends. Keys live in a tree of segments, so a listing walks only the subtree of its prefix
 * (a run's event log is read without scanning every other run's).
 */
import { codec } from '../../protocols/index.js';
import { assertBucketName, assertKey, fenceEpoch, type KvBucket, type Storage, type StorageEntry, type StorageKey } from './types.js';

interface Node {
  readonly children: Map<string, Node>;
  /** The stored value's bytes, and its fencing epoch read once when written ({@link fenceEpoch}). */
  entry: { readonly key: StorageKey; readonly bytes: Uint8Array; readonly epoch: number } | undefined;
}

const node = (): Node => ({ children: new Map(), entry: undefined });

class MemoryBucket implements KvBucket {
  private readonly root = node();
  constructor(readonly name: string) {}

  /** The node of `key` (made when `create`), or undefined. */
  private find(key: StorageKey, create: boolean): Node | undefined {
    let n = this.root;
    for (const s of key) {
      let next = n.children.get(s);
      if (next === undefined) {
        if (!create) return undefined;
        n.children.set(s, (next = node()));
      }
      n = next;
    }
    return n;
  }

  /** Drops the nodes along `key` that hold nothing any more (deepest first). */
  private prune(key: StorageKey): void {
    const path: Node[] = [this.root];
    for (const s of key) {
      const next = path[path.length - 1]?.children.get(s);
      if (next === undefined) return;
      path.push(next);
    }
    for (let i = key.length; i > 0; i--) {
      const n = path[i] as Node;
      if (n.entry !== undefined || n.children.size > 0) return;
      (path[i - 1] as Node).children.delete(key[i - 1] as string);
    }
  }

  get<T>(key: StorageKey): Promise<T | undefined> {
    assertKey(key);
    const e = this.find(key, false)?.entry;
    return Promise.resolve(e === undefined ? undefined : (codec.decodeValue(e.bytes) as T));
  }

  put(key: StorageKey, value: unknown): Promise<void> {
    assertKey(key);
    const bytes = codec.encodeValue(value);
    (this.find(key, true) as Node).entry = { key: [...key], bytes, epoch: fenceEpoch(value) };
    return Promise.resolve();
  }

  /** Checks and encodes every entry first: a bad entry writes nothing. */
  private encode(entries: readonly StorageEntry[]): { key: StorageKey; bytes: Uint8Array; epoch: number }[] {
    return entries.map((e) => {
      assertKey(e.key);
      return { key: [...e.key], bytes: codec.encodeValue(e.value), epoch: fenceEpoch(e.value) };
    });
  }

  putMany(entries: readonly StorageEntry[]): Promise<void> {
    // Everything is checked and encoded first: a bad entry writes nothing.
    const encoded = this.encode(entries);
    for (const e of encoded) (this.find(e.key, true) as Node).entry = e;
    return Promise.resolve();
  }

  putFenced(fence: StorageKey, epoch: number, entries: readonly StorageEntry[]): Promise<boolean> {
    assertKey(fence);
    const encoded = this.encode(entries);
    // Synchronous from the check to the last write: nothing can come between them.
    if ((this.find(fence, false)?.entry?.epoch ?? 0) > epoch) return Promise.resolve(false);
    for (const e of encoded) (this.find(e.key, true) as Node).entry = e;
    return Promise.resolve(true);
  }

  delete(key: StorageKey): Promise<boolean> {
    assertKey(key);
    const n = this.find(key, false);
    const existed = n?.entry !== undefined;
    if (n !== undefined) n.entry = undefined;
    this.prune(key);
    return Promise.resolve(existed);
  }

  list<T>(prefix: StorageKey, options: { limit?: number } = {}): Promise<StorageEntry<T>[]> {
    assertKey(prefix, true);
    const out: StorageEntry<T>[] = [];
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    // Depth first, a node's own entry before its children, children in segment order: key order.
    const walk = (n: Node): void => {
      if (out.length >= limit) return;
      if (n.entry !== undefined) out.push({ key: n.entry.key, value: codec.decodeValue(n.entry.bytes) as T });
      for (const s of [...n.children.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) walk(n.children.get(s) as Node);
    };
    const start = this.find(prefix, false);
    if (start !== undefined) walk(start);
    return Promise.resolve(out);
  }

  deletePrefix(prefix: StorageKey): Promise<number> {
    assertKey(prefix, true);
    let n = 0;
    const count = (x: Node): void => {
      if (x.entry !== undefined) n++;
      for (const c of x.children.values()) count(c);
    };
    const start = this.find(prefix, false);
    if (start === undefined) return Promise.resolve(0);
    count(start);
    start.entry = undefined;
    start.children.clear();
    this.prune(prefix);
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
