/**
 * The cluster backend (ADR 0006): one JetStream KV bucket `<prefix>_<bucket>` per storage
 * bucket (history 1), on its own NATS connection. A key's segments become subject tokens
 * ({@link idToken}) joined by '.', so a segment prefix is a subject filter: `list` reads a
 * prefix in one pass of a last-per-subject consumer, `delete`/`deletePrefix` purge by
 * subject (no tombstones are left). A read sees every write that resolved before it: it goes
 * to the stream leader, or by direct get when the bucket has a single replica. Works on
 * nats-server 2.9 (one filter subject per consumer).
 */
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import {
  codec,
  EncodeError,
  SystemStoppedError,
  TooLargeError,
  TroupeError,
  UnavailableError,
  ValidationError,
} from '../../protocols/index.js';
import { idToken } from '../jetstream/subjects.js';
import type { BlobBackend } from './blobs.js';
import { ObjectBucket, ObjectStoreBlobs } from './jetstream-blobs.js';
import { casPublish } from '../jetstream/cas.js';
import { isStreamExists, isTooLarge, isWrongLastSequence, retryTransient } from '../jetstream/errors.js';
import {
  assertBucketName,
  assertKey,
  compareKeys,
  fenceEpoch,
  sameBytes,
  sameKey,
  type KvBucket,
  type Storage,
  type StorageEntry,
  type StorageKey,
} from './types.js';

/** Longest encoded key accepted (subject tokens joined by '.'): keeps every subject well under NATS's 4 KiB control line. */
const MAX_KEY_CHARS = 2048;
const FETCH_BATCH = 1024;
/** Reads of a leader scan in flight at once. */
const LEADER_READS = 32;

/** Options of {@link JetStreamStorage.connect}. */
export interface JetStreamStorageOptions {
  readonly servers: readonly string[];
  /** Bucket names are `<prefix>_<bucket>` (default `troupe`, like the transport). */
  readonly prefix?: string;
  /** Replicas of each bucket; default 1 on a single server, 3 when the server is clustered. */
  readonly replicas?: number;
  /** Extra NATS connection options (name, credentials). */
  readonly connection?: Partial<ConnectionOptions>;
  /** Bound on each server request (ms, default 2000): a request lost with its server is tried again after this long. */
  readonly timeoutMs?: number;
  /**
   * How long an operation keeps retrying through an outage or a stream leader election (ms, default 15,000) before it
   * fails `unavailable`. Every operation is safe to repeat: puts write the same values, fenced writes check the fence again.
   */
  readonly retryMs?: number;
}

/**
 * Decodes stored bytes. NATS hands out plain Uint8Arrays; the codec's bigint extension reads its
 * payload with Buffer#toString, so the bytes are viewed as a Buffer first (no copy).
 */
function decode<T>(bytes: Uint8Array): T {
  return codec.decodeValue(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as T;
}

/** Key → KV key: every segment as one subject token, joined by '.'. */
export function encodeKvKey(key: StorageKey): string {
  const tokens = key.map((s) => {
    if (!s.isWellFormed())
      throw new EncodeError(`storage key segment ${JSON.stringify(s)} holds a lone surrogate: JetStream keys must be well-formed Unicode`);
    return idToken(s);
  });
  return tokens.join('.');
}

/** Inverse of {@link encodeKvKey}. */
export function decodeKvKey(key: string): string[] {
  return key.split('.').map((t) => (t.startsWith('=') ? Buffer.from(t.slice(1), 'base64url').toString('utf8') : t));
}

class JetStreamBucket implements KvBucket {
  /** `KV_<bucket>`: the stream behind the bucket. */
  private readonly stream: string;
  /** `$KV.<bucket>.`: the subject prefix of its keys. */
  private readonly subjects: string;
  private ready: Promise<void> | undefined;
  /** Direct get is safe (and ~3x faster) when the bucket has one replica: no follower can lag. */
  private direct = false;
  /** More than one replica: lists read the stream leader's subjects (a scan consumer may sit on a lagging replica). */
  private replicated = false;

  constructor(
    readonly name: string,
    private readonly kvName: string,
    private readonly owner: JetStreamStorage,
  ) {
    this.stream = `KV_${kvName}`;
    this.subjects = `$KV.${kvName}.`;
  }

  private key(key: StorageKey, prefix = false): string {
    assertKey(key, prefix);
    const k = encodeKvKey(key);
    if (k.length > MAX_KEY_CHARS)
      throw new TooLargeError(`storage key is ${k.length} characters encoded, the JetStream backend's limit is ${MAX_KEY_CHARS}`);
    return k;
  }

  /** Creates the KV bucket on first use (idempotent; a failed attempt is retried next time). */
  private open(): Promise<void> {
    this.ready ??= this.owner.createBucket(this.kvName).then(
      ({ direct, replicated }) => {
        this.direct = direct;
        this.replicated = replicated;
      },
      (e: unknown) => {
        this.ready = undefined;
        throw e;
      },
    );
    return this.ready;
  }

  private run<T>(what: string, op: () => Promise<T>): Promise<T> {
    return this.owner.run(`${what} in bucket ${this.name}`, async () => {
      await this.open();
      return op();
    });
  }

  async get<T>(key: StorageKey): Promise<T | undefined> {
    const k = this.key(key);
    return this.run('get', async () => {
      const value = await this.read(k);
      return value === undefined ? undefined : decode<T>(value);
    });
  }

  /** The stored bytes of one KV key, from the stream leader (or by direct get on a single replica). */
  private async read(k: string): Promise<Uint8Array | undefined> {
    return (await this.readLast(k)).data;
  }

  /** The last message of one KV key: its stream sequence (0: none) and its bytes (undefined when deleted). */
  private async readLast(k: string): Promise<{ seq: number; data: Uint8Array | undefined }> {
    const query = { last_by_subj: this.subjects + k };
    const { jsm } = this.owner;
    const sm = this.direct ? await jsm.direct.getMessage(this.stream, query) : await jsm.streams.getMessage(this.stream, query);
    if (sm === null || sm.subject !== this.subjects + k) return { seq: 0, data: undefined };
    const op = sm.header?.get('KV-Operation');
    return { seq: sm.seq, data: op === 'DEL' || op === 'PURGE' ? undefined : sm.data };
  }

  async putFenced(fence: StorageKey, epoch: number, entries: readonly StorageEntry[]): Promise<boolean> {
    const f = this.key(fence);
    const encoded = this.encodeAll(entries);
    const own = entries.some((e) => sameKey(e.key, fence));
    return this.run('putFenced', async () => {
      /** The fence's revision when no higher epoch holds it, else undefined. */
      const check = async (): Promise<number | undefined> => {
        const { seq, data } = await this.readLast(f);
        return data !== undefined && fenceEpoch(decode(data)) > epoch ? undefined : seq;
      };
      let revision = await check();
      if (revision === undefined) return false;
      for (const [i, e] of encoded.entries()) {
        if (e.subject !== this.subjects + f) {
          if (entries[i]?.once !== true) await this.owner.js.publish(e.subject, e.bytes);
          else if (!(await this.createOnce(e.subject, e.bytes))) return false;
          continue;
        }
        // The fence itself: compare-and-set on the revision read, again while no higher epoch wrote it.
        for (;;) {
          try {
            await casPublish(this.owner.js, e.subject, e.bytes, revision);
            break;
          } catch (err) {
            if (!isWrongLastSequence(err)) throw err;
            revision = await check();
            if (revision === undefined) return false;
          }
        }
      }
      // Entries written beside the fence: a takeover that came between the check and the writes is found now.
      return own || (await check()) !== undefined;
    });
  }

  /**
   * Writes `bytes` on `subject` where its key holds nothing (never written, or deleted): a compare-and-set on the key's
   * last revision. True also when the key holds these very bytes (this write retried after its answer was lost).
   */
  private async createOnce(subject: string, bytes: Uint8Array): Promise<boolean> {
    for (let seen = 0; ;) {
      try {
        await casPublish(this.owner.js, subject, bytes, seen);
        return true;
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
        const { seq, data } = await this.readLast(subject.slice(this.subjects.length));
        if (data !== undefined) return sameBytes(data, bytes);
        if (seq === seen) return false; // refused, yet nothing newer is readable: not ours to decide, so not written
        seen = seq; // a delete marker: written over it
      }
    }
  }

  put(key: StorageKey, value: unknown): Promise<void> {
    return this.putMany([{ key, value }]);
  }

  async putMany(entries: readonly StorageEntry[]): Promise<void> {
    // Encode and check everything first: a bad entry writes nothing. Then one by one, in order.
    const encoded = this.encodeAll(entries);
    if (encoded.length === 0) return;
    await this.run('put', async () => {
      for (const e of encoded) await this.owner.js.publish(e.subject, e.bytes);
    });
  }

  /** Subjects and bytes of `entries`, every key and size checked. */
  private encodeAll(entries: readonly StorageEntry[]): { subject: string; bytes: Uint8Array }[] {
    const max = this.owner.maxPayload();
    return entries.map((e) => {
      const subject = this.subjects + this.key(e.key);
      const bytes = codec.encodeValue(e.value);
      if (bytes.length > max)
        throw new TooLargeError(
          `value for key ${JSON.stringify(e.key)} is ${bytes.length} bytes encoded, the NATS server's max_payload is ${max}`,
        );
      return { subject, bytes };
    });
  }

  async delete(key: StorageKey): Promise<boolean> {
    const k = this.key(key);
    return this.run('delete', async () => (await this.owner.jsm.streams.purge(this.stream, { filter: this.subjects + k })).purged > 0);
  }

  async list<T>(prefix: StorageKey, options: { readonly limit?: number } = {}): Promise<StorageEntry<T>[]> {
    const p = prefix.length === 0 ? '' : this.key(prefix, true);
    const limit = options.limit;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0))
      throw new ValidationError(`list limit must be a non-negative integer, got ${String(limit)}`);
    return this.run('list', async () => {
      const found: { key: string[]; value: Uint8Array }[] = [];
      if (p !== '') {
        const exact = await this.read(p);
        if (exact !== undefined) found.push({ key: [...prefix], value: exact });
      }
      const filter = p === '' ? `${this.subjects}>` : `${this.subjects}${p}.>`;
      // By subject, the newest delivery winning: a key written (or deleted) while the scan runs is delivered again.
      const latest = new Map<string, Uint8Array>();
      const onValue = (subject: string, value: Uint8Array | undefined): void => {
        if (value === undefined) latest.delete(subject);
        else latest.set(subject, value);
      };
      await this.checkedScan(filter, onValue);
      for (const [subject, value] of latest) found.push({ key: decodeKvKey(subject.slice(this.subjects.length)), value });
      found.sort((a, b) => compareKeys(a.key, b.key));
      const hits = limit === undefined ? found : found.slice(0, limit);
      return hits.map((e) => ({ key: e.key, value: decode<T>(e.value) }));
    });
  }

  /**
   * The last value of every subject under `filter`, as the stream leader has it. The scan's subjects are checked against
   * the leader's subject list (stream info, read at the same time): a subject the scan missed is read from the leader,
   * one the leader no longer has is dropped. A scan misses subjects in two ways: its R1 consumer may sit on a lagging
   * replica (a server that restarted and is catching up answers with fewer subjects, even none), and on any server a
   * key rewritten while the scan runs can end the pass without its new value (seen: 3 of 300 keys missing).
   */
  private async checkedScan(filter: string, onValue: (subject: string, value: Uint8Array) => void): Promise<void> {
    const scanned = new Map<string, Uint8Array>();
    const [info] = await Promise.all([
      this.owner.jsm.streams.info(this.stream, { subjects_filter: filter }),
      this.scan(filter, (subject, value) => {
        if (value === undefined) scanned.delete(subject);
        else scanned.set(subject, value);
      }),
    ]);
    const missing: string[] = [];
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const value = scanned.get(subject);
      if (value === undefined) missing.push(subject);
      else onValue(subject, value);
    }
    for (let i = 0; i < missing.length; i += LEADER_READS) {
      const batch = missing.slice(i, i + LEADER_READS);
      const values = await Promise.all(batch.map((subject) => this.read(subject.slice(this.subjects.length))));
      values.forEach((v, j) => {
        if (v !== undefined) onValue(batch[j] as string, v);
      });
    }
  }

  /**
   * One pass over the last value of every subject under `filter`: an ephemeral pull consumer, fetched in batches, then
   * deleted. A subject written or deleted during the pass is delivered again (`undefined`: deleted); the last call for a
   * subject is its value.
   */
  private async scan(filter: string, onValue: (subject: string, value: Uint8Array | undefined) => void): Promise<void> {
    const { js, jsm, timeoutMs } = this.owner;
    const ci = await jsm.consumers.add(this.stream, {
      filter_subject: filter,
      deliver_policy: DeliverPolicy.LastPerSubject,
      ack_policy: AckPolicy.None,
      mem_storage: true,
      num_replicas: 1,
      inactive_threshold: timeoutMs * 4 * 1_000_000,
    });
    try {
      let pending = ci.num_pending;
      if (pending === 0) return;
      // One pass: at most as many messages as subjects were pending when it began. Writes keep adding messages to a
      // consumer of a busy bucket, and a pass that followed them might never end; what the pass leaves out is read by
      // the caller's check against the leader's subject list.
      let left = pending;
      const consumer = await js.consumers.get(this.stream, ci.name);
      while (pending > 0 && left > 0) {
        const batch = await consumer.fetch({ max_messages: Math.min(pending, left, FETCH_BATCH), expires: timeoutMs });
        let got = 0;
        for await (const m of batch) {
          got++;
          left--;
          pending = m.info.pending;
          const op = m.headers?.get('KV-Operation');
          onValue(m.subject, op === 'DEL' || op === 'PURGE' ? undefined : m.data);
        }
        if (got === 0) {
          // What was pending when the scan began may have been deleted (purged) since: the consumer says what is left.
          pending = (await jsm.consumers.info(this.stream, ci.name)).num_pending;
          if (pending > 0) throw new UnavailableError(`no messages within ${timeoutMs} ms while ${pending} were pending`);
        }
      }
    } finally {
      await jsm.consumers.delete(this.stream, ci.name).catch(() => undefined);
    }
  }

  async deletePrefix(prefix: StorageKey): Promise<number> {
    const p = prefix.length === 0 ? '' : this.key(prefix, true);
    return this.run('deletePrefix', async () => {
      const purge = async (filter: string): Promise<number> => (await this.owner.jsm.streams.purge(this.stream, { filter })).purged;
      if (p === '') return purge(`${this.subjects}>`);
      return (await purge(this.subjects + p)) + (await purge(`${this.subjects}${p}.>`));
    });
  }
}

/** Storage in JetStream KV buckets: what one node writes, any node of the cluster reads. */
export class JetStreamStorage implements Storage {
  readonly kind = 'jetstream' as const;
  private readonly buckets = new Map<string, JetStreamBucket>();
  private readonly kvm: Kvm;
  private objects: ObjectBucket | undefined;
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly prefix: string,
    readonly replicas: number,
    readonly timeoutMs: number,
    readonly retryMs: number,
  ) {
    this.kvm = new Kvm(js);
  }

  /** Connects to NATS (its own connection) and checks JetStream is enabled. */
  static async connect(options: JetStreamStorageOptions): Promise<JetStreamStorage> {
    const prefix = options.prefix ?? 'troupe';
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(prefix))
      throw new ValidationError(`jetstream storage prefix ${JSON.stringify(prefix)} is not [a-z][a-z0-9_-]{0,31}`);
    const timeoutMs = options.timeoutMs ?? 2_000;
    const nc = await connect({
      servers: [...options.servers],
      name: 'troupe:storage',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: timeoutMs,
      ...options.connection,
    }).catch((e: unknown) => {
      throw new UnavailableError(`jetstream storage: cannot connect to ${options.servers.join(',')}: ${(e as Error).message}`, {
        cause: e,
      });
    });
    try {
      const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
      const replicas = options.replicas ?? (nc.info?.cluster === undefined ? 1 : 3);
      const js = jetstream(nc, { timeout: timeoutMs });
      return new JetStreamStorage(nc, js, jsm, prefix, replicas, timeoutMs, options.retryMs ?? 15_000);
    } catch (e) {
      await nc.close();
      throw new UnavailableError(`jetstream storage: JetStream is not available at ${options.servers.join(',')}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  /** The server's largest accepted message (bytes). */
  maxPayload(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
  }

  /**
   * Creates (or opens, if it exists with other settings) the KV bucket `name`. `direct`: direct gets are consistent
   * (one replica); `replicated`: more than one replica (lists read the leader).
   */
  async createBucket(name: string): Promise<{ direct: boolean; replicated: boolean }> {
    try {
      await this.kvm.create(name, { history: 1, replicas: this.replicas, timeout: this.timeoutMs });
    } catch (e) {
      if (!isStreamExists(e)) throw e;
      await this.kvm.open(name, { timeout: this.timeoutMs });
    }
    const { config } = await this.jsm.streams.info(`KV_${name}`);
    return {
      direct: config.allow_direct === true && config.num_replicas === 1 && config.mirror === undefined,
      replicated: config.num_replicas > 1,
    };
  }

  /**
   * Runs one operation, again after transient failures (an outage, a stream leader election) for up to `retryMs`:
   * refused once closed; NATS failures become `unavailable`, oversize ones `too_large`.
   */
  async run<T>(what: string, op: () => Promise<T>): Promise<T> {
    if (this.closed) throw new SystemStoppedError(`jetstream storage is closed (${what})`);
    try {
      return await retryTransient(op, this.retryMs, () => this.closed);
    } catch (e) {
      if (e instanceof TroupeError) throw e;
      const message = (e as Error)?.message ?? String(e);
      if (this.closed) throw new SystemStoppedError(`jetstream storage closed during ${what}`, { cause: e });
      if (isTooLarge(e)) throw new TooLargeError(`jetstream storage: ${what}: ${message}`, { cause: e });
      throw new UnavailableError(`jetstream storage: ${what} failed: ${message}`, { cause: e });
    }
  }

  /** Blobs in the object store `<prefix>_blobs` (jetstream-blobs.ts, ADR 0047), not in chunked KV entries. */
  blobs(options: { readonly chunkBytes: number }): BlobBackend {
    this.objects ??= new ObjectBucket(this);
    return new ObjectStoreBlobs(this, this.objects, Math.min(options.chunkBytes, this.maxPayload()));
  }

  bucket(name: string): KvBucket {
    assertBucketName(name);
    let b = this.buckets.get(name);
    if (b === undefined) this.buckets.set(name, (b = new JetStreamBucket(name, `${this.prefix}_${name}`, this)));
    return b;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.nc.close();
  }
}
