/**
 * The embedded default backend (ADR 0006): one lmdb environment in the data directory
 * (`<dir>/storage.lmdb`), shared by every bucket and every process that opens the directory.
 * A bucket is a key prefix, not a named sub-database, so any number of buckets fit without a
 * `maxDbs` ceiling fixed at open. Keys are byte strings (see {@link encodeLmdbKey}) whose byte
 * order is {@link compareKeys}' order, so a segment prefix is one contiguous range.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database } from 'lmdb';
import { codec, SystemStoppedError, TooLargeError, ValidationError } from '../../protocols/index.js';
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

/** lmdb-js refuses keys longer than this (bytes). */
const MAX_KEY_BYTES = 1978;

/** Appends one segment: each UTF-16 code unit as 1–3 bytes (CESU-8), 0x00/0x01 escaped, then a 0x00 terminator. */
function pushSegment(out: number[], s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 2) out.push(1, c + 1);
    else if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  out.push(0);
}

/**
 * Encodes `[bucket, ...key]` so that byte order equals segment-wise UTF-16 code-unit order
 * (what {@link compareKeys} does): code units, not code points, are encoded, so surrogate
 * pairs sort below U+E000–U+FFFF exactly as in JavaScript, and lone surrogates survive.
 */
export function encodeLmdbKey(bucket: string, key: StorageKey): Buffer {
  const out: number[] = [];
  pushSegment(out, bucket);
  for (const s of key) pushSegment(out, s);
  return Buffer.from(out);
}

/** Inverse of {@link encodeLmdbKey}: `[bucket, ...key]`. */
export function decodeLmdbKey(bytes: Uint8Array): string[] {
  const segments: string[] = [];
  let units: number[] = [];
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i] as number;
    if (b === 0) {
      segments.push(String.fromCharCode(...units));
      units = [];
      i++;
    } else if (b === 1) {
      units.push((bytes[i + 1] as number) - 1);
      i += 2;
    } else if (b < 0x80) {
      units.push(b);
      i++;
    } else if (b < 0xe0) {
      units.push(((b & 0x1f) << 6) | ((bytes[i + 1] as number) & 63));
      i += 2;
    } else {
      units.push(((b & 0x0f) << 12) | (((bytes[i + 1] as number) & 63) << 6) | ((bytes[i + 2] as number) & 63));
      i += 3;
    }
  }
  return segments;
}

/** The exclusive upper bound of every key that starts with `start` (which ends in a 0x00 terminator). */
function rangeEnd(start: Buffer): Buffer {
  const end = Buffer.from(start);
  end[end.length - 1] = 1;
  return end;
}

class LmdbBucket implements KvBucket {
  constructor(
    readonly name: string,
    private readonly owner: LmdbStorage,
  ) {}

  private key(key: StorageKey, prefix = false): Buffer {
    assertKey(key, prefix);
    const bytes = encodeLmdbKey(this.name, key);
    if (bytes.length > MAX_KEY_BYTES)
      throw new TooLargeError(`storage key is ${bytes.length} bytes encoded (with the bucket name), lmdb's limit is ${MAX_KEY_BYTES}`);
    return bytes;
  }

  async get<T>(key: StorageKey): Promise<T | undefined> {
    const k = this.key(key);
    const bytes = this.owner.db().get(k);
    return bytes === undefined ? undefined : (codec.decodeValue(bytes) as T);
  }

  put(key: StorageKey, value: unknown): Promise<void> {
    return this.putMany([{ key, value }]);
  }

  async putMany(entries: readonly StorageEntry[]): Promise<void> {
    // Encode everything first: one bad entry writes nothing.
    const encoded = entries.map((e) => ({ key: this.key(e.key), value: codec.encodeValue(e.value) }));
    if (encoded.length === 0) return;
    const db = this.owner.db();
    await this.owner.durable(
      db.transaction(() => {
        for (const e of encoded) void db.put(e.key, e.value);
      }),
    );
  }

  async putFenced(fence: StorageKey, epoch: number, entries: readonly StorageEntry[]): Promise<boolean> {
    const f = this.key(fence);
    const encoded = entries.map((e) => ({ key: this.key(e.key), value: codec.encodeValue(e.value) }));
    const db = this.owner.db();
    // One write transaction (exclusive across processes): the fence is read where the entries are written.
    return this.owner.durable(
      db.transaction(() => {
        const held = db.get(f);
        if (held !== undefined && fenceEpoch(codec.decodeValue(held)) > epoch) return false;
        for (const [i, e] of encoded.entries()) {
          if (entries[i]?.once !== true) continue;
          const was = db.get(e.key);
          if (was !== undefined && !sameBytes(was, e.value)) return false;
        }
        for (const e of encoded) void db.put(e.key, e.value);
        return true;
      }),
    );
  }

  async delete(key: StorageKey): Promise<boolean> {
    const k = this.key(key);
    const db = this.owner.db();
    return this.owner.durable(
      db.transaction(() => {
        if (db.get(k) === undefined) return false;
        void db.remove(k);
        return true;
      }),
    );
  }

  async list<T>(prefix: StorageKey, options: { readonly limit?: number } = {}): Promise<StorageEntry<T>[]> {
    const start = this.key(prefix, true);
    const limit = options.limit;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0))
      throw new ValidationError(`list limit must be a non-negative integer, got ${String(limit)}`);
    // A listing sees every committed write, this process's and other processes' alike.
    const range = this.owner.db().getRange({ start, end: rangeEnd(start), snapshot: false, ...(limit === undefined ? {} : { limit }) });
    const out: StorageEntry<T>[] = [];
    for (const { key, value } of range) out.push({ key: decodeLmdbKey(key).slice(1), value: codec.decodeValue(value) as T });
    return out;
  }

  async deletePrefix(prefix: StorageKey): Promise<number> {
    const start = this.key(prefix, true);
    const db = this.owner.db();
    return this.owner.durable(
      db.transaction(() => {
        let n = 0;
        for (const key of db.getKeys({ start, end: rangeEnd(start) })) {
          void db.remove(key);
          n++;
        }
        return n;
      }),
    );
  }
}

/** Storage in a local directory on lmdb: durable once a write's promise resolves, safe for several processes. */
export class LmdbStorage implements Storage {
  readonly kind = 'lmdb' as const;
  /** The lmdb file inside the data directory. */
  readonly path: string;
  private readonly env: Database<Uint8Array, Buffer>;
  private readonly buckets = new Map<string, LmdbBucket>();
  private closed = false;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, 'storage.lmdb');
    // overlappingSync (lmdb-js's default on Linux) lost a write whose promise had resolved, about once in 45 rounds of
    // two processes writing to one directory (ADR 0048); without it, none in 173 rounds.
    this.env = open<Uint8Array, Buffer>({
      path: this.path,
      keyEncoding: 'binary',
      encoding: 'binary',
      compression: false,
      overlappingSync: false,
    });
  }

  /** The open database; throws once closed. */
  db(): Database<Uint8Array, Buffer> {
    if (this.closed) throw new SystemStoppedError(`lmdb storage at ${this.path} is closed`);
    return this.env;
  }

  /** Waits for a write transaction to commit and then for lmdb to flush it to disk (overlapping sync). */
  async durable<T>(commit: Promise<T>): Promise<T> {
    const result = await commit;
    await this.env.flushed;
    // Read your writes: reads share a read transaction that lmdb-js renews lazily, so a read
    // right after this write could otherwise see the snapshot from before it.
    this.env.resetReadTxn();
    return result;
  }

  bucket(name: string): KvBucket {
    assertBucketName(name);
    let b = this.buckets.get(name);
    if (b === undefined) this.buckets.set(name, (b = new LmdbBucket(name, this)));
    return b;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.env.close();
  }
}
