/**
 * Dead letters kept in a JetStream stream, readable from every node. A letter's id is its stream sequence;
 * redrive marks live in a KV bucket (`<PREFIX>_dlq_redriven`, opened on first use), whose create-if-absent
 * makes marking atomic across the mesh: of two nodes redriving one letter, one sends it.
 */
import { AckPolicy, DeliverPolicy, type ConsumerConfig, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { NotFoundError, deadLetterSchema, type Codec, type DeadLetter } from '../../protocols/index.js';
import { matchesDeadLetter } from '../dead-letters.js';
import type { DeadLetterQuery, DeadLetterStore, RedriveMark, StoredDeadLetter } from '../transport.js';
import { asTroupeError, isWrongLastSequence, retryTransient } from './errors.js';
import type { MeshNames } from './subjects.js';

const text = new TextDecoder();

/** The dead-letter stream of a mesh. */
export class JetStreamDeadLetterStore implements DeadLetterStore {
  private marksKv: Promise<KV> | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly names: MeshNames,
    private readonly codec: Codec,
    private readonly replicas = 1,
  ) {}

  async record(letter: DeadLetter): Promise<void> {
    await this.js
      .publish(this.names.deadLetter(letter.envelope.tenant, letter.reason), this.codec.encodeValue(letter))
      .catch((e: unknown) => {
        throw asTroupeError(e, `could not record a dead letter for ${letter.envelope.to}`);
      });
  }

  list(query: DeadLetterQuery = {}): Promise<StoredDeadLetter[]> {
    return this.read(query).catch((e: unknown) => {
      throw asTroupeError(e, 'could not list dead letters');
    });
  }

  private async read(query: DeadLetterQuery): Promise<StoredDeadLetter[]> {
    const stream = this.names.deadLetterStream;
    const info = await this.jsm.streams.info(stream);
    const after = query.after === undefined ? 0 : Number(query.after);
    if (info.state.messages === 0 || !Number.isSafeInteger(after) || after >= info.state.last_seq) return [];
    const start: Partial<ConsumerConfig> =
      after > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 } : { deliver_policy: DeliverPolicy.All };
    const ci = await this.jsm.consumers.add(stream, {
      filter_subject: this.names.deadLetter(query.tenant ?? '*', query.reason ?? '*'),
      ack_policy: AckPolicy.None,
      inactive_threshold: 30_000_000_000,
      ...start,
    });
    const out: StoredDeadLetter[] = [];
    try {
      const marks = await this.marks();
      const consumer = await this.js.consumers.get(stream, ci.name);
      let pending = ci.num_pending;
      while (pending > 0) {
        const batch = await consumer.fetch({ max_messages: Math.min(pending, 256), expires: 2_000 });
        let got = 0;
        for await (const m of batch) {
          got++;
          const l = this.decode(m.data, m.seq);
          if (l === undefined || !matchesDeadLetter(l, query)) continue;
          out.push(await this.withMark(l, marks));
          if (query.limit !== undefined && out.length >= query.limit) return out;
        }
        if (got === 0) break;
        pending -= got;
      }
    } finally {
      await this.jsm.consumers.delete(stream, ci.name).catch(() => undefined);
    }
    return out;
  }

  async get(id: string): Promise<StoredDeadLetter | undefined> {
    const seq = Number(id);
    if (!/^[1-9][0-9]{0,15}$/.test(id) || !Number.isSafeInteger(seq)) return undefined;
    try {
      const m = await this.jsm.streams.getMessage(this.names.deadLetterStream, { seq });
      const l = m === null ? undefined : this.decode(m.data, m.seq);
      return l === undefined ? undefined : await this.withMark(l, await this.marks());
    } catch (e) {
      throw asTroupeError(e, `could not read dead letter ${id}`);
    }
  }

  async markRedriven(id: string, mark: RedriveMark): Promise<boolean> {
    if ((await this.get(id)) === undefined) throw new NotFoundError(`no dead letter ${id}`);
    try {
      await (await this.marks()).create(id, JSON.stringify(mark));
      return true;
    } catch (e) {
      if (isWrongLastSequence(e)) return false;
      throw asTroupeError(e, `could not mark dead letter ${id} redriven`);
    }
  }

  async count(): Promise<number> {
    const info = await this.jsm.streams.info(this.names.deadLetterStream).catch((e: unknown) => {
      throw asTroupeError(e, 'could not count dead letters');
    });
    return info.state.last_seq;
  }

  private decode(data: Uint8Array, seq: number): StoredDeadLetter | undefined {
    const parsed = deadLetterSchema.safeParse(this.codec.decodeValue(data));
    return parsed.success ? { ...parsed.data, id: String(seq) } : undefined;
  }

  private async withMark(l: StoredDeadLetter, marks: KV): Promise<StoredDeadLetter> {
    const e = await marks.get(l.id);
    if (e === null || e.operation !== 'PUT') return l;
    return { ...l, redriven: JSON.parse(text.decode(e.value)) as RedriveMark };
  }

  /** The bucket of redrive marks, created (or opened) once; its entries age out with the letters (a week). */
  private marks(): Promise<KV> {
    const create = (): Promise<KV> =>
      new Kvm(this.js).create(this.names.redriveBucket, {
        history: 1,
        replicas: this.replicas,
        ttl: 7 * 86_400_000,
      });
    // Two nodes redriving at once may both create it: the retry finds the bucket the other made.
    this.marksKv ??= retryTransient(create, 10_000).catch((e: unknown) => {
      this.marksKv = undefined;
      throw e;
    });
    return this.marksKv;
  }
}
