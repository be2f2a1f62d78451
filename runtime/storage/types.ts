/**
 * Persistence behind one interface with three backends (ADR 0006): `memory` (tests, benches),
 * `lmdb` (the embedded default, a local data directory) and `jetstream` (a cluster: JetStream KV,
 * so any node can read what another wrote). Keys are arrays of non-empty string segments; a
 * listing returns every entry under a segment prefix, ordered by key. Values are anything the
 * codec can carry (protocols/codec.ts).
 */
import { ValidationError } from '../../protocols/index.js';
import type { BlobBackend } from './blobs.js';

/** A key: one or more non-empty segments, e.g. `['default', 'run', '4f2…', '0000000012']`. */
export type StorageKey = readonly string[];

/** One stored entry. */
export interface StorageEntry<T = unknown> {
  readonly key: StorageKey;
  readonly value: T;
  /**
   * Written once ({@link KvBucket.putFenced} only): where the key already holds another value, the whole fenced write is
   * refused, on every backend. The same value again is accepted (a write retried after its answer was lost). A run's
   * event log is written so: on JetStream a write that passed its fence's check may land late (its process paused), and
   * its event must not replace the one a newer driver logged at the same seq meanwhile, nor be replaced by it.
   */
  readonly once?: boolean;
}

/** A named key/value bucket. */
export interface KvBucket {
  readonly name: string;
  get<T = unknown>(key: StorageKey): Promise<T | undefined>;
  /** Writes `value` under `key` (last write wins). */
  put(key: StorageKey, value: unknown): Promise<void>;
  /** Writes several entries; on lmdb and memory atomically, on JetStream one by one in order. */
  putMany(entries: readonly StorageEntry[]): Promise<void>;
  /** Removes `key`; true when it existed. */
  delete(key: StorageKey): Promise<boolean>;
  /** Every entry whose key starts with `prefix` (segment-wise), in key order. */
  list<T = unknown>(prefix: StorageKey, options?: { readonly limit?: number }): Promise<StorageEntry<T>[]>;
  /** Removes every entry under `prefix`; returns how many. */
  deletePrefix(prefix: StorageKey): Promise<number>;
  /**
   * A fenced write (one driver per run, ADR 0007): writes `entries` in order unless the value stored at `fence`
   * carries an `epoch` above `epoch` ({@link fenceEpoch}); an entry for `fence` itself should carry `epoch`. False,
   * and nothing written, when refused. On lmdb and memory the check and the writes are one atomic step. On
   * JetStream a write of `fence` is a compare-and-set on its revision (two writers of one fence cannot both land
   * out of order); other entries are written after the check and the fence is read again after them, so a refusal
   * found then returns false although those entries landed. An entry marked {@link StorageEntry.once} that finds
   * another value under its key refuses the write (false) on every backend; on JetStream the entries before it landed.
   */
  putFenced(fence: StorageKey, epoch: number, entries: readonly StorageEntry[]): Promise<boolean>;
}

/** The fencing epoch a stored value carries (its numeric `epoch` field; 0 for none or no value). */
export function fenceEpoch(value: unknown): number {
  const e = typeof value === 'object' && value !== null ? (value as { epoch?: unknown }).epoch : undefined;
  return typeof e === 'number' ? e : 0;
}

/** True when two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** True when two keys are the same, segment by segment. */
export function sameKey(a: StorageKey, b: StorageKey): boolean {
  return a.length === b.length && hasPrefix(a, b);
}

/** A storage backend: a set of buckets. */
export interface Storage {
  readonly kind: 'memory' | 'lmdb' | 'jetstream';
  /** The bucket `name` ([a-z][a-z0-9_-]{0,31}), created on first use. */
  bucket(name: string): KvBucket;
  /**
   * The backend's own store for blobs (JetStream's object store, ADR 0047), when it has one; without it blobs are
   * chunked KV entries (runtime/storage/blobs.ts). `chunkBytes`: the largest piece a blob is stored in.
   */
  blobs?(options: { readonly chunkBytes: number }): BlobBackend;
  close(): Promise<void>;
}

/** The keys of the first seqs, made once: every run's log and every thread's history is keyed by the same few. */
const SEQ_KEYS: string[] = [];
const COMMON_SEQS = 4096;

/** Zero-padded decimal, so numeric key segments sort in numeric order (up to 2^53). */
export function seqKey(n: number): string {
  if (Number.isInteger(n) && n >= 0 && n < COMMON_SEQS) return (SEQ_KEYS[n] ??= flatSeqKey(n));
  return n.toString().padStart(16, '0');
}

/**
 * {@link seqKey} as one flat string (`padStart` builds a tree of pieces, which every stored key would keep; parsed
 * JSON text is flat).
 */
function flatSeqKey(n: number): string {
  return JSON.parse(`"${n.toString().padStart(16, '0')}"`) as string;
}

const BUCKET = /^[a-z][a-z0-9_-]{0,31}$/;

/** Throws unless `name` is a valid bucket name. */
export function assertBucketName(name: string): void {
  if (!BUCKET.test(name)) throw new ValidationError(`bucket name ${JSON.stringify(name)} is not [a-z][a-z0-9_-]{0,31}`);
}

/** Throws unless `key` is a non-empty array of non-empty strings. */
export function assertKey(key: StorageKey, prefix = false): void {
  if (!Array.isArray(key) || (!prefix && key.length === 0)) throw new ValidationError('a storage key is a non-empty array of segments');
  for (const s of key)
    if (typeof s !== 'string' || s.length === 0)
      throw new ValidationError(`storage key segments are non-empty strings, got ${JSON.stringify(s)}`);
}

/** Orders keys segment by segment (the order `list` returns). */
export function compareKeys(a: StorageKey, b: StorageKey): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** True when `key` starts with `prefix`, segment-wise. */
export function hasPrefix(key: StorageKey, prefix: StorageKey): boolean {
  if (prefix.length > key.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}
