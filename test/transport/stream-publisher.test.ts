/**
 * The mailbox publisher (runtime/jetstream/publisher.ts) against a real nats-server, beside nats.js' `js.publish` on the
 * same answers: stored, a duplicate id, a full subject, no stream, an unanswered publish (sent again, or timed out), a closed
 * publisher.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DiscardPolicy, RetentionPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPerSubjectLimit, isTransient } from '../../runtime/jetstream/index.js';
import { StreamPublisher } from '../../runtime/jetstream/publisher.js';
import { NatsServer } from '../nats/server.js';

let server: NatsServer;
let nc: NatsConnection;
beforeAll(async () => {
  server = await NatsServer.start();
  nc = await connect({ servers: server.url, noAsyncTraces: true });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: 'PUB',
    subjects: ['pub.>'],
    retention: RetentionPolicy.Workqueue,
    max_msgs_per_subject: 2,
    discard: DiscardPolicy.New,
    discard_new_per_subject: true,
  });
});
afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

const refusal = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => expect.fail('expected a refusal'),
    (e: unknown) => e,
  );
const data = new TextEncoder().encode('x');

describe('StreamPublisher', () => {
  it('resolves once stored, once more for a duplicate id (stored once), as js.publish does', async () => {
    const p = new StreamPublisher(nc, 2_000);
    await p.publish('pub.a', data, 'a-1');
    await p.publish('pub.a', data, 'a-1');
    const info = await (await jetstreamManager(nc)).streams.info('PUB', { subjects_filter: 'pub.a' });
    expect(info.state.subjects?.['pub.a']).toBe(1);
    expect((await jetstream(nc).publish('pub.a', data, { msgID: 'a-1' })).duplicate).toBe(true);
    p.close();
  });

  it('a full subject is a per-subject-limit refusal, not transient (the sender dead-letters it as mailbox_full)', async () => {
    const p = new StreamPublisher(nc, 2_000);
    await p.publish('pub.full', data, 'f-1');
    await p.publish('pub.full', data, 'f-2');
    const e = await refusal(p.publish('pub.full', data, 'f-3'));
    const js = await refusal(jetstream(nc).publish('pub.full', data, { msgID: 'f-4' }));
    expect(isPerSubjectLimit(e)).toBe(true);
    expect(isTransient(e)).toBe(false);
    expect([isPerSubjectLimit(js), isTransient(js)]).toEqual([true, false]);
    p.close();
  });

  it('no stream on the subject is transient (retried through an outage), like js.publish', async () => {
    const p = new StreamPublisher(nc, 2_000);
    const e = await refusal(p.publish('nostream.x', data, 'n-1'));
    expect(isTransient(e)).toBe(true);
    p.close();
  });

  it('sends an unanswered publish again under the same id and reply subject, settled by the first answer', async () => {
    // Stands in for replicas electing a leader: the first copy is dropped, the second answered.
    const copies: { id: string | undefined; reply: string | undefined }[] = [];
    const sub = nc.subscribe('electing.x', {
      callback: (_err, m) => {
        copies.push({ id: m.headers?.get('Nats-Msg-Id'), reply: m.reply });
        if (copies.length === 2) m.respond(new TextEncoder().encode(JSON.stringify({ stream: 'PUB', seq: 1 })));
      },
    });
    const p = new StreamPublisher(nc, 2_000, undefined, 100);
    const start = performance.now();
    await p.publish('electing.x', data, 'e-1');
    // Answered by the copy (~100 ms), not at the 2 s timeout; no further copy once it was answered. (On a loaded
    // machine a third copy may leave before the second's answer is read, and arrive after it: every copy carries the
    // same id and reply.)
    expect(performance.now() - start).toBeLessThan(1_500);
    await new Promise((r) => setTimeout(r, 300));
    const atAnswer = copies.length;
    // copies go every 100 ms until answered: none in a further 300 ms
    await new Promise((r) => setTimeout(r, 300));
    expect(copies).toHaveLength(atAnswer);
    expect(atAnswer).toBeGreaterThanOrEqual(2);
    expect(copies[0]?.id).toBe('e-1');
    for (const c of copies) expect(c).toEqual(copies[0]);
    // Without a resend pause the one copy waits out the timeout.
    const once = new StreamPublisher(nc, 300);
    expect(isTransient(await refusal(once.publish('electing.x', data, 'e-2')))).toBe(true);
    expect(copies).toHaveLength(atAnswer + 1);
    p.close();
    once.close();
    sub.unsubscribe();
  });

  it('a stream stores a publish sent again before its answer once (deduplicated by id)', async () => {
    const p = new StreamPublisher(nc, 2_000, undefined, 1);
    await Promise.all(Array.from({ length: 20 }, (_, i) => p.publish(`pub.d.${i}`, data, `d-${i}`)));
    const info = await (await jetstreamManager(nc)).streams.info('PUB', { subjects_filter: 'pub.d.>' });
    expect(Object.values(info.state.subjects ?? {})).toEqual(Array.from({ length: 20 }, () => 1));
    p.close();
  });

  it('an unanswered publish times out (transient); close fails what waits and every later publish', async () => {
    // A plain subscriber on the subject takes the message and never answers.
    const sub = nc.subscribe('silent.x');
    const p = new StreamPublisher(nc, 200);
    expect(isTransient(await refusal(p.publish('silent.x', data, 's-1')))).toBe(true);
    const waiting = refusal(p.publish('silent.x', data, 's-2'));
    p.close();
    expect(isTransient(await waiting)).toBe(true);
    expect(isTransient(await refusal(p.publish('pub.a', data, 's-3')))).toBe(true);
    sub.unsubscribe();
  });
});
