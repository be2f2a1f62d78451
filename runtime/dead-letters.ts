/**
 * Dead-letter stores kept in this process or its data directory, and the one filter every store applies:
 * the in-memory ring (a library `createSystem()`, tests) and the store over a {@link Storage} bucket (the
 * embedded default's data directory, so `troupe deadletters` reads what a `troupe start` recorded).
 */
import { randomBytes } from 'node:crypto';
import { NotFoundError, type DeadLetter } from '../protocols/index.js';
import { Deque } from './deque.js';
import { seqKey, type KvBucket, type Storage } from './storage/index.js';
import type { DeadLetterQuery, DeadLetterStore, RedriveMark, StoredDeadLetter } from './transport.js';

/** True when `l` passes the query's filters (paging aside). */
export function matchesDeadLetter(l: StoredDeadLetter, q: DeadLetterQuery): boolean {
  return (
    (q.reason === undefined || l.reason === q.reason) &&
    (q.tenant === undefined || l.envelope.tenant === q.tenant) &&
    (q.to === undefined || l.envelope.to === q.to) &&
    (q.since === undefined || l.at >= q.since) &&
    (q.until === undefined || l.at < q.until)
  );
}

/** Keeps the newest `capacity` dead letters in memory; `count()` includes evicted ones. Ids count up from 1. */
export class MemoryDeadLetterStore implements DeadLetterStore {
  private readonly letters = new Deque<StoredDeadLetter>();
  private readonly marks = new Map<string, RedriveMark>();
  private total = 0;

  constructor(private readonly capacity = 10_000) {}

  record(letter: DeadLetter): Promise<void> {
    this.total++;
    this.letters.push({ ...letter, id: String(this.total) });
    if (this.letters.length > this.capacity) this.marks.delete((this.letters.shift() as StoredDeadLetter).id);
    return Promise.resolve();
  }

  list(query: DeadLetterQuery = {}): Promise<StoredDeadLetter[]> {
    const out: StoredDeadLetter[] = [];
    const after = query.after === undefined ? 0 : Number(query.after);
    for (const l of this.snapshot()) {
      if (Number(l.id) <= after || !matchesDeadLetter(l, query)) continue;
      out.push(this.withMark(l));
      if (query.limit !== undefined && out.length >= query.limit) break;
    }
    return Promise.resolve(out);
  }

  get(id: string): Promise<StoredDeadLetter | undefined> {
    const l = this.snapshot().find((x) => x.id === id);
    return Promise.resolve(l === undefined ? undefined : this.withMark(l));
  }

  async markRedriven(id: string, mark: RedriveMark): Promise<boolean> {
    if ((await this.get(id)) === undefined) throw new NotFoundError(`no dead letter ${id}`);
    if (this.marks.has(id)) return false;
    this.marks.set(id, mark);
    return true;
  }

  count(): Promise<number> {
    return Promise.resolve(this.total);
  }

  /** Dead letters dropped from memory because the ring was full. */
  get evicted(): number {
    return this.total - this.letters.length;
  }

  private withMark(l: StoredDeadLetter): StoredDeadLetter {
    const m = this.marks.get(l.id);
    return m === undefined ? l : { ...l, redriven: m };
  }

  private snapshot(): StoredDeadLetter[] {
    const all = this.letters.drainAll();
    for (const l of all) this.letters.push(l);
    return all;
  }
}

const LETTER = 'letter';
const MARK = 'redriven';

/**
 * Dead letters in a storage bucket (`deadletters`): `letter/<at>.<random>` → the letter, `redriven/<id>` →
 * its mark. Ids sort by recording time, so a listing is oldest first and pages by id; several processes may
 * share the bucket (lmdb in one data directory). Keeps the newest `capacity` letters.
 */
export class StorageDeadLetterStore implements DeadLetterStore {
  private readonly bucket: KvBucket;
  private recorded = 0;

  constructor(
    storage: Storage,
    private readonly capacity = 10_000,
  ) {
    this.bucket = storage.bucket('deadletters');
  }

  async record(letter: DeadLetter): Promise<void> {
    const id = `${seqKey(letter.at)}.${randomBytes(6).toString('hex')}`;
    await this.bucket.put([LETTER, id], letter);
    if (++this.recorded % 100 === 0) await this.trim();
    const total = (await this.bucket.get<number>(['total'])) ?? 0;
    await this.bucket.put(['total'], total + 1);
  }

  /** Drops the oldest letters beyond capacity (checked every hundred records). */
  private async trim(): Promise<void> {
    const all = await this.bucket.list([LETTER]);
    for (const e of all.slice(0, Math.max(0, all.length - this.capacity))) {
      await this.bucket.delete(e.key);
      await this.bucket.delete([MARK, e.key[1] as string]);
    }
  }

  async list(query: DeadLetterQuery = {}): Promise<StoredDeadLetter[]> {
    const out: StoredDeadLetter[] = [];
    for (const e of await this.bucket.list<DeadLetter>([LETTER])) {
      const id = e.key[1] as string;
      const l = { ...e.value, id };
      if ((query.after !== undefined && id <= query.after) || !matchesDeadLetter(l, query)) continue;
      out.push(await this.withMark(l));
      if (query.limit !== undefined && out.length >= query.limit) break;
    }
    return out;
  }

  async get(id: string): Promise<StoredDeadLetter | undefined> {
    if (id.length === 0) return undefined;
    const l = await this.bucket.get<DeadLetter>([LETTER, id]);
    return l === undefined ? undefined : this.withMark({ ...l, id });
  }

  async markRedriven(id: string, mark: RedriveMark): Promise<boolean> {
    if ((await this.get(id)) === undefined) throw new NotFoundError(`no dead letter ${id}`);
    // Create-if-absent as a fenced write: the mark carries epoch 2, and a write fenced at epoch 1 is refused once it is there.
    return this.bucket.putFenced([MARK, id], 1, [{ key: [MARK, id], value: { ...mark, epoch: 2 } }]);
  }

  async count(): Promise<number> {
    return (await this.bucket.get<number>(['total'])) ?? 0;
  }

  private async withMark(l: StoredDeadLetter): Promise<StoredDeadLetter> {
    const m = await this.bucket.get<RedriveMark & { epoch: number }>([MARK, l.id]);
    return m === undefined ? l : { ...l, redriven: { at: m.at, node: m.node } };
  }
}
