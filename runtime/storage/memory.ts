/**
 * In-process storage: values are copied on the way in and out, so no caller can change what is stored, and they come
 * back as the other backends give them back (the codec's value domain: protocols/codec.ts). The copy is made without
 * encoding: a value of plain data (objects, arrays, strings, numbers, booleans, null, Dates, bytes) is copied as it
 * is checked; anything else — a value the codec refuses, bigints, strings or keys it would not round-trip, a value
 * that may be past the codec's size limit — goes through the codec (encoded and decoded), whose answer, or error,
 * is the one the other backends give. Keys live in a tree of segments, so a listing walks only the subtree of its
 * prefix (a run's event log is read without scanning every other run's).
 */
import { codec } from '../../protocols/index.js';
import {
  assertBucketName,
  assertKey,
  fenceEpoch,
  sameBytes,
  type KvBucket,
  type Storage,
  type StorageEntry,
  type StorageKey,
} from './types.js';

/** Answers shared by every write (a settled promise can be awaited any number of times): one promise less per write. */
const DONE: Promise<void> = Promise.resolve();
const APPLIED: Promise<boolean> = Promise.resolve(true);
const REFUSED: Promise<boolean> = Promise.resolve(false);

/** What {@link plainCopy} returns when only the codec can decide a value. */
const CODEC = Symbol('codec');
/** The codec's nesting limit (protocols/codec.ts): deeper values are the codec's to refuse. */
const MAX_DEPTH = codec.maxDepth;

/** An upper bound of the encoded size of what {@link plainCopy} copied so far (reset per value). */
let bound = 0;

/** Bytes msgpack needs for a string at most (3 per UTF-16 unit, a 5-byte header). */
const stringBound = (s: string): number => 5 + 3 * s.length;

/**
 * A deep copy of `v` as the codec would round-trip it (undefined keys dropped, undefined items null, bytes as plain
 * Uint8Arrays), or {@link CODEC} when `v` holds anything this copy does not decide itself. Adds to {@link bound}.
 */
function plainCopy(v: unknown, depth: number): unknown {
  switch (typeof v) {
    case 'string':
      if (!v.isWellFormed()) return CODEC;
      bound += stringBound(v);
      return v;
    case 'number':
      bound += 9;
      return v;
    case 'boolean':
      bound += 1;
      return v;
    case 'undefined':
      bound += 1;
      return null;
    case 'object':
      break;
    default:
      return CODEC;
  }
  if (v === null) {
    bound += 1;
    return null;
  }
  if (depth >= MAX_DEPTH) return CODEC;
  if (Array.isArray(v)) {
    const n = v.length;
    const out: unknown[] = new Array<unknown>(n);
    bound += 5;
    for (let i = 0; i < n; i++) {
      const c = plainCopy(v[i], depth + 1);
      if (c === CODEC) return CODEC;
      out[i] = c;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = {};
    bound += 5;
    // `for…in` makes no array of keys; an inherited enumerable key (a polluted prototype) is the codec's to decide.
    for (const k in v) {
      if (k === '__proto__' || !Object.hasOwn(v, k)) return CODEC;
      const item = (v as Record<string, unknown>)[k];
      if (item === undefined) continue;
      if (!k.isWellFormed()) return CODEC;
      const c = plainCopy(item, depth + 1);
      if (c === CODEC) return CODEC;
      bound += stringBound(k);
      out[k] = c;
    }
    return out;
  }
  if (v instanceof Uint8Array) {
    bound += 5 + v.byteLength;
    return new Uint8Array(v);
  }
  if (v instanceof Date) {
    bound += 15;
    return new Date(v.getTime());
  }
  return CODEC;
}

/** The copy of `value` stored: plain data copied, anything else through the codec (which throws what it refuses). */
function copyIn(value: unknown): unknown {
  bound = 0;
  const c = plainCopy(value, 0);
  if (c !== CODEC && bound <= codec.maxBytes) return c;
  return codec.decodeValue(codec.encodeValue(value));
}

/** The tree entry that stores `value` under `key`: the key and value copied, the fencing epoch read once. */
function storedEntry(key: StorageKey, value: unknown): { key: StorageKey; value: unknown; epoch: number } {
  return { key: [...key], value: copyIn(value), epoch: fenceEpoch(value) };
}

/** A copy of a stored value for a reader (stored values are inside the domain already: nothing to check). */
function copyOut(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const n = v.length;
    const out: unknown[] = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = copyOut(v[i]);
    return out;
  }
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (v instanceof Date) return new Date(v.getTime());
  const out: Record<string, unknown> = {};
  // A stored object is a plain one made by plainCopy or the codec: its keys are its own (no array of them made here).
  for (const k in v) out[k] = copyOut((v as Record<string, unknown>)[k]);
  return out;
}

interface Node {
  /** Made with the first child: most nodes are leaves (an event segment, a record), and a Map each is memory to scan. */
  children: Map<string, Node> | undefined;
  /** The stored copy of the value ({@link copyIn}), and its fencing epoch read once when written ({@link fenceEpoch}). */
  entry: { readonly key: StorageKey; readonly value: unknown; readonly epoch: number } | undefined;
}

const node = (): Node => ({ children: undefined, entry: undefined });

class MemoryBucket implements KvBucket {
  private readonly root = node();
  constructor(readonly name: string) {}

  /** The node of `key` (made when `create`), or undefined. */
  private find(key: StorageKey, create: boolean): Node | undefined {
    let n = this.root;
    for (const s of key) {
      let next = n.children?.get(s);
      if (next === undefined) {
        if (!create) return undefined;
        (n.children ??= new Map()).set(s, (next = node()));
      }
      n = next;
    }
    return n;
  }

  /** Drops the nodes along `key` that hold nothing any more (deepest first). */
  private prune(key: StorageKey): void {
    const path: Node[] = [this.root];
    for (const s of key) {
      const next = path[path.length - 1]?.children?.get(s);
      if (next === undefined) return;
      path.push(next);
    }
    for (let i = key.length; i > 0; i--) {
      const n = path[i] as Node;
      if (n.entry !== undefined || (n.children?.size ?? 0) > 0) return;
      const parent = path[i - 1] as Node;
      parent.children?.delete(key[i - 1] as string);
      if (parent.children?.size === 0) parent.children = undefined;
    }
  }

  get<T>(key: StorageKey): Promise<T | undefined> {
    assertKey(key);
    const e = this.find(key, false)?.entry;
    return Promise.resolve(e === undefined ? undefined : (copyOut(e.value) as T));
  }

  put(key: StorageKey, value: unknown): Promise<void> {
    assertKey(key);
    (this.find(key, true) as Node).entry = storedEntry(key, value);
    return DONE;
  }

  /** Checks and copies every entry first: a bad entry writes nothing. */
  private stored(entries: readonly StorageEntry[]): ReturnType<typeof storedEntry>[] {
    return entries.map((e) => {
      assertKey(e.key);
      return storedEntry(e.key, e.value);
    });
  }

  putMany(entries: readonly StorageEntry[]): Promise<void> {
    // Everything is checked and copied first: a bad entry writes nothing.
    const stored = this.stored(entries);
    for (const e of stored) (this.find(e.key, true) as Node).entry = e;
    return DONE;
  }

  putFenced(fence: StorageKey, epoch: number, entries: readonly StorageEntry[]): Promise<boolean> {
    assertKey(fence);
    const stored = this.stored(entries);
    // Synchronous from the check to the last write: nothing can come between them.
    if ((this.find(fence, false)?.entry?.epoch ?? 0) > epoch) return REFUSED;
    for (const e of entries) {
      const held = e.once === true ? this.find(e.key, false)?.entry : undefined;
      if (held !== undefined && !sameBytes(codec.encodeValue(held.value), codec.encodeValue(e.value))) return REFUSED;
    }
    for (const e of stored) (this.find(e.key, true) as Node).entry = e;
    return APPLIED;
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
      if (n.entry !== undefined) out.push({ key: n.entry.key, value: copyOut(n.entry.value) as T });
      const children = n.children;
      if (children === undefined) return;
      for (const s of [...children.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) walk(children.get(s) as Node);
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
      for (const c of x.children?.values() ?? []) count(c);
    };
    const start = this.find(prefix, false);
    if (start === undefined) return Promise.resolve(0);
    count(start);
    start.entry = undefined;
    start.children = undefined;
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
