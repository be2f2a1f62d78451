/**
 * In-process storage: values are copied on the way in and out, so no caller can change what is stored, and they come
 * back as the other backends give them back (the codec's value domain: protocols/codec.ts). The copy is made without
 * encoding: a value of plain data (objects, arrays, strings, numbers, booleans, null, Dates, bytes) is copied as it
 * is checked; anything else — a value the codec refuses, bigints, strings or keys it would not round-trip, a value
 * that may be past the codec's size limit — goes through the codec (encoded and decoded), whose answer, or error,
 * is the one the other backends give.
 *
 * Keys live in a tree of segments, so a listing walks only the subtree of its prefix (a run's event log is read
 * without scanning every other run's). A key holding a value (with no fencing epoch) and nothing under it — most
 * keys — is its copy alone in its parent's map: no node, no entry and no copy of the key (a listing rebuilds keys from
 * the path it walked), so what a stored entry leaves the collector to trace and move is its copy and a map slot.
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

/** The copy of `value` stored: plain data copied, anything else through the codec (which throws what it refuses). */
function copyIn(value: unknown): unknown {
  bound = 0;
  const c = plainCopy(value, 0);
  if (c !== CODEC && bound <= codec.maxBytes) return c;
  return codec.decodeValue(codec.encodeValue(value));
}

/** An entry checked and copied, before it is written. */
interface Staged {
  readonly key: StorageKey;
  /** The stored copy ({@link copyIn}: never undefined). */
  readonly stored: unknown;
  readonly epoch: number;
}

function staged(key: StorageKey, value: unknown): Staged {
  return { key, stored: copyIn(value), epoch: fenceEpoch(value) };
}

/**
 * A child in the tree: a node, or (a key holding a value with no fencing epoch and nothing under it: most keys) the
 * stored copy alone, with no node of its own (a copy is never a {@link Node}, nor undefined).
 */
type Child = unknown;

/** A key that has keys under it, or holds a value with a fencing epoch. */
class Node {
  /** Made with the first child. */
  children: Map<string, Child> | undefined = undefined;
  /** The stored copy, if the key holds one. */
  stored: unknown = undefined;
  /** The fencing epoch of the stored value, read once when written ({@link fenceEpoch}). */
  epoch = 0;
}

/** The node a child stands for. */
function asNode(c: Child): Node {
  if (c instanceof Node) return c;
  const n = new Node();
  n.stored = c;
  return n;
}

class MemoryBucket implements KvBucket {
  private readonly root = new Node();
  constructor(readonly name: string) {}

  /** The child at `key`, or undefined. */
  private child(key: StorageKey): Child {
    let c: Child = this.root;
    for (const s of key) {
      if (!(c instanceof Node)) return undefined;
      c = c.children?.get(s);
    }
    return c;
  }

  /** The copy stored at `key` (undefined: none). */
  private stored(key: StorageKey): unknown {
    const c = this.child(key);
    return c instanceof Node ? c.stored : c;
  }

  /** Writes an entry checked and copied already. */
  private write(e: Staged): void {
    const key = e.key;
    const last = key.length - 1;
    let n = this.root;
    for (let i = 0; i < last; i++) {
      const s = key[i] as string;
      const children = (n.children ??= new Map());
      const c = children.get(s);
      if (!(c instanceof Node)) children.set(s, (n = c === undefined ? new Node() : asNode(c)));
      else n = c;
    }
    const s = key[last] as string;
    const children = (n.children ??= new Map());
    const c = children.get(s);
    // a bare copy where no node is needed (no fencing epoch, nothing under the key), else the key's node
    if (!(c instanceof Node) && e.epoch === 0) {
      children.set(s, e.stored);
      return;
    }
    const m = c instanceof Node ? c : new Node();
    if (m !== c) children.set(s, m);
    m.stored = e.stored;
    m.epoch = e.epoch;
  }

  /**
   * Drops the nodes along `key` that hold nothing any more, deepest first (from the deepest node there is: a key
   * deleted as a bare value has no node of its own).
   */
  private prune(key: StorageKey): void {
    const path: Node[] = [this.root];
    for (const s of key) {
      const next = path[path.length - 1]?.children?.get(s);
      if (!(next instanceof Node)) break;
      path.push(next);
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const n = path[i] as Node;
      if (n.children?.size === 0) n.children = undefined;
      if (i === 0 || n.stored !== undefined || n.children !== undefined) return;
      (path[i - 1] as Node).children?.delete(key[i - 1] as string);
    }
  }

  get<T>(key: StorageKey): Promise<T | undefined> {
    assertKey(key);
    const s = this.stored(key);
    return Promise.resolve(s === undefined ? undefined : (copyOut(s) as T));
  }

  put(key: StorageKey, value: unknown): Promise<void> {
    assertKey(key);
    this.write(staged(key, value));
    return DONE;
  }

  /** Checks and copies every entry first: a bad entry writes nothing. */
  private staged(entries: readonly StorageEntry[]): Staged[] {
    return entries.map((e) => {
      assertKey(e.key);
      return staged(e.key, e.value);
    });
  }

  putMany(entries: readonly StorageEntry[]): Promise<void> {
    // Everything is checked and copied first: a bad entry writes nothing.
    const all = this.staged(entries);
    for (const e of all) this.write(e);
    return DONE;
  }

  putFenced(fence: StorageKey, epoch: number, entries: readonly StorageEntry[]): Promise<boolean> {
    assertKey(fence);
    const all = this.staged(entries);
    // Synchronous from the check to the last write: nothing can come between them.
    const f = this.child(fence);
    if (f instanceof Node && f.epoch > epoch) return REFUSED;
    for (const e of entries) {
      const held = e.once === true ? this.stored(e.key) : undefined;
      if (held !== undefined && !sameBytes(codec.encodeValue(held), codec.encodeValue(e.value))) return REFUSED;
    }
    for (const e of all) this.write(e);
    return APPLIED;
  }

  delete(key: StorageKey): Promise<boolean> {
    assertKey(key);
    const parent = key.length === 1 ? this.root : this.child(key.slice(0, -1));
    if (!(parent instanceof Node)) return Promise.resolve(false);
    const s = key[key.length - 1] as string;
    const c = parent.children?.get(s);
    if (c === undefined) return Promise.resolve(false);
    const existed = !(c instanceof Node) || c.stored !== undefined;
    if (!(c instanceof Node)) parent.children?.delete(s);
    else {
      c.stored = undefined;
      c.epoch = 0;
    }
    this.prune(key);
    return Promise.resolve(existed);
  }

  list<T>(prefix: StorageKey, options: { limit?: number } = {}): Promise<StorageEntry<T>[]> {
    assertKey(prefix, true);
    const out: StorageEntry<T>[] = [];
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const path = [...prefix];
    // Depth first, a key's own entry before the keys under it, children in segment order: key order.
    const walk = (c: Child): void => {
      if (out.length >= limit) return;
      const s = !(c instanceof Node) ? c : c.stored;
      if (s !== undefined) out.push({ key: [...path], value: copyOut(s) as T });
      const children = !(c instanceof Node) ? undefined : c.children;
      if (children === undefined) return;
      for (const k of [...children.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
        path.push(k);
        walk(children.get(k));
        path.pop();
      }
    };
    const start = this.child(prefix);
    if (start !== undefined) walk(start);
    return Promise.resolve(out);
  }

  deletePrefix(prefix: StorageKey): Promise<number> {
    assertKey(prefix, true);
    let n = 0;
    const count = (c: Child): void => {
      if (!(c instanceof Node)) {
        n++;
        return;
      }
      if (c.stored !== undefined) n++;
      for (const x of c.children?.values() ?? []) count(x);
    };
    const start = this.child(prefix);
    if (start === undefined) return Promise.resolve(0);
    count(start);
    if (!(start instanceof Node)) {
      // A bare value is never the root: the prefix names a key holding a value and nothing under it.
      const parent = this.child(prefix.slice(0, -1)) as Node;
      parent.children?.delete(prefix[prefix.length - 1] as string);
    } else {
      start.stored = undefined;
      start.epoch = 0;
      start.children = undefined;
    }
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
