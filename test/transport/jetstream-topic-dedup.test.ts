/**
 * A stored topic's publish retried with the same envelope id (its ack was lost: a paused process, an election) reaches
 * a live subscriber once: the stream drops the copy, and the subscription drops the id it just saw.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Envelope } from '../../protocols/index.js';
import { systemClock } from '../../runtime/index.js';
import { JetStreamTransport } from '../../runtime/jetstream/index.js';
import { NatsServer } from '../nats/server.js';
import { eventually } from './contract.js';

let server: NatsServer;
beforeAll(async () => {
  server = await NatsServer.start();
});
afterAll(async () => {
  await server?.stop();
});

it('delivers a topic envelope published twice with one id once, and envelopes with other ids each', async () => {
  const transport = new JetStreamTransport({ servers: server.url, prefix: `tdd${process.pid}` });
  await transport.start({ node: 'tdd', clock: systemClock, onReply: () => undefined });
  try {
    const got: string[] = [];
    transport.subscribe('default', 'news', (e) => void got.push(`${e.id}:${String(e.payload)}`));
    const envelope = (id: string, payload: string): Envelope => ({
      id,
      type: 'topic.message',
      from: 'test/x',
      to: 'topic/news',
      tenant: 'default',
      attempt: 1,
      payload,
    });
    await transport.publish(envelope('e1', 'first'));
    await transport.publish(envelope('e1', 'first')); // the retry of a publish whose ack was lost
    await transport.publish(envelope('e2', 'second'));
    await eventually(() => got.length >= 2, 5_000, 'both envelopes');
    // A last, distinct envelope is delivered after any late copy of e1 would have been (one connection keeps order).
    await transport.publish(envelope('e3', 'third'));
    await eventually(() => got.includes('e3:third'), 5_000, 'the last envelope');
    expect(got).toEqual(['e1:first', 'e2:second', 'e3:third']);
  } finally {
    await transport.close();
  }
});
