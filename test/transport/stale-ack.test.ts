/**
 * Settlements confirmed after a disruption (runtime/jetstream/intake.ts `confirm`) settle the message they were made for
 * and nothing else. JetStream settles by stream sequence alone: a server that lost its last writes, or a re-created
 * stream, hands the sequence of a message already handled to the next one published, and a confirmation sent again
 * with the old ack subject would settle that new message unseen (a lost tell: the clean-clone flake of
 * test/cluster/membership.test.ts "keeps working after the NATS server restarts"). Real nats-server, real nats.js.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, RetentionPolicy, jetstream, jetstreamManager, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { ackTarget, confirm, rfc3339Nanos, type IntakeContext } from '../../runtime/jetstream/intake.js';
import { systemClock } from '../../runtime/index.js';
import { NatsServer } from '../nats/server.js';

let server: NatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  server = await NatsServer.start();
  nc = await connect({ servers: server.url });
  jsm = await jetstreamManager(nc);
}, 30_000);

afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

/** What `confirm` reads of its intake's context. */
const context = (): IntakeContext => ({ connection: nc, clock: systemClock, closed: () => false }) as unknown as IntakeContext;

let n = 0;
async function freshStream(name: string): Promise<void> {
  await jsm.streams.delete(name).catch(() => undefined);
  await jsm.streams.add({ name, subjects: [`${name.toLowerCase()}.>`], retention: RetentionPolicy.Workqueue });
  await jsm.consumers.add(name, { durable_name: 'c', ack_policy: AckPolicy.Explicit, filter_subject: `${name.toLowerCase()}.m` });
}

async function pull(name: string): Promise<JsMsg> {
  const m = await (await jetstream(nc).consumers.get(name, 'c')).next({ expires: 2_000 });
  if (m === null) throw new Error('nothing pulled');
  return m;
}

const replyOf = (m: JsMsg): string => (m as JsMsg & { reply: string }).reply;

describe('confirming a settlement after a disruption', () => {
  it('does not settle another message that took the sequence of the one it was made for', async () => {
    const name = `STALE${n++}`;
    await freshStream(name);
    const js = jetstream(nc);
    await js.publish(`${name.toLowerCase()}.m`, 'first');
    const first = await pull(name);
    const oldReply = replyOf(first);
    first.ack();
    await nc.flush();
    // The stream loses what it held: the next message is stored at the same sequence.
    await freshStream(name);
    await js.publish(`${name.toLowerCase()}.m`, 'second');
    const second = await pull(name);
    expect(second.seq).toBe(first.seq);
    await confirm(context(), oldReply, false);
    // The second message was never settled by its reader: still in the work queue, pending.
    expect((await jsm.streams.info(name)).state.messages).toBe(1);
    expect((await jsm.consumers.info(name, 'c')).num_ack_pending).toBe(1);
    second.ack();
    await nc.flush();
  });

  it('still settles the message it was made for when the first settlement was lost', async () => {
    const name = `STALE${n++}`;
    await freshStream(name);
    await jetstream(nc).publish(`${name.toLowerCase()}.m`, 'only');
    const m = await pull(name);
    // Never acked (the ack was lost with its server): the confirmation is what settles it.
    await confirm(context(), replyOf(m), false);
    expect((await jsm.streams.info(name)).state.messages).toBe(0);
  });
});

describe('ackTarget and rfc3339Nanos', () => {
  it('read the stream, sequence and stored time of both ack subject forms', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);
    fc.assert(
      fc.property(
        token,
        token,
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.bigInt({ min: 0n, max: 4_102_444_800n * 1_000_000_000n }),
        fc.option(fc.tuple(token, token), { nil: undefined }),
        (stream, consumer, seq, storedNs, domain) => {
          const tail = `${stream}.${consumer}.1.${seq}.7.${storedNs}.0`;
          const reply = domain === undefined ? `$JS.ACK.${tail}` : `$JS.ACK.${domain[0]}.${domain[1]}.${tail}.r4nd`;
          expect(ackTarget(reply)).toEqual({ stream, seq, storedNs: storedNs.toString() });
          // JetStream writes the stored time as RFC 3339 with nanoseconds, trailing zeros dropped.
          const ms = storedNs / 1_000_000n;
          const frac = (storedNs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
          const iso = new Date(Number(ms)).toISOString().slice(0, 19) + (frac === '' ? '' : `.${frac}`) + 'Z';
          expect(rfc3339Nanos(iso)).toBe(storedNs.toString());
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('name nothing for other subjects and times', () => {
    for (const s of ['', '_INBOX.x', '$JS.ACK.s.c.1.x.1.1.0', '$JS.ACK.s.c.1.0.1.1.0', '$JS.ACK.s.c.1.1.1.1', '$JS.ACK.s.c.1.1.1.-5.0'])
      expect(ackTarget(s)).toBeUndefined();
    for (const t of ['', 'yesterday', '2026-12-07 09:41:00Z', '2026-12-07T09:41:00.1234567891Z']) expect(rfc3339Nanos(t)).toBeUndefined();
  });
});
