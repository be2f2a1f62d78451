/** Dead letters kept in a JetStream stream, readable from every node. */
import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { deadLetterSchema, type Codec, type DeadLetter } from '../../protocols/index.js';
import type { DeadLetterQuery, DeadLetterStore } from '../transport.js';
import { asTroupeError } from './errors.js';
import type { MeshNames } from './subjects.js';

/** The dead-letter stream of a mesh. */
export class JetStreamDeadLetterStore implements DeadLetterStore {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly names: MeshNames,
    private readonly codec: Codec,
  ) {}

  async record(letter: DeadLetter): Promise<void> {
    await this.js
      .publish(this.names.deadLetter(letter.envelope.tenant, letter.reason), this.codec.encodeValue(letter))
      .catch((e: unknown) => {
        throw asTroupeError(e, `could not record a dead letter for ${letter.envelope.to}`);
      });
  }

  list(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    return this.read(query).catch((e: unknown) => {
      throw asTroupeError(e, 'could not list dead letters');
    });
  }

  private async read(query: DeadLetterQuery): Promise<DeadLetter[]> {
    const stream = this.names.deadLetterStream;
    const info = await this.jsm.streams.info(stream);
    if (info.state.messages === 0) return [];
    const filter = this.names.deadLetter(query.tenant ?? '*', query.reason ?? '*');
    const ci = await this.jsm.consumers.add(stream, {
      filter_subject: filter,
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
      inactive_threshold: 30_000_000_000,
    });
    const out: DeadLetter[] = [];
    try {
      const consumer = await this.js.consumers.get(stream, ci.name);
      let pending = ci.num_pending;
      while (pending > 0) {
        const batch = await consumer.fetch({ max_messages: Math.min(pending, 256), expires: 2_000 });
        let got = 0;
        for await (const m of batch) {
          got++;
          const parsed = deadLetterSchema.safeParse(this.codec.decodeValue(m.data));
          if (!parsed.success) continue;
          const l = parsed.data;
          if (query.to !== undefined && l.envelope.to !== query.to) continue;
          out.push(l);
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

  async count(): Promise<number> {
    const info = await this.jsm.streams.info(this.names.deadLetterStream).catch((e: unknown) => {
      throw asTroupeError(e, 'could not count dead letters');
    });
    return info.state.last_seq;
  }
}
