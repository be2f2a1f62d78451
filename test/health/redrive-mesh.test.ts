/**
 * Redrive on a real nats-server mesh: a dead letter recorded by one node is redriven from two nodes at once after
 * its actor exists, and is delivered once (the mark is a KV create, the envelope keeps its id).
 */
import { describe, expect, it } from 'vitest';
import { isTroupeError } from '../../protocols/index.js';
import { redriveDeadLetter } from '../../runtime/index.js';
import { meshFixture } from '../cluster/mesh-fixture.js';
import { eventually } from '../transport/contract.js';

const mesh = meshFixture();

describe('redrive on a JetStream mesh', () => {
  it('delivers a dead letter once when two nodes redrive it at the same time', async () => {
    const prefix = `rd${process.pid}`;
    const a = await mesh.node(prefix, 'a');
    const b = await mesh.node(prefix, 'b');
    const refused = await a
      .ref('worker/late', 'acme')
      .tell('job.run', { n: 7 })
      .then(
        () => 'delivered',
        (e: unknown) => (isTroupeError(e, 'no_recipient') ? 'no_recipient' : String(e)),
      );
    expect(refused).toBe('no_recipient');
    const [letter] = await b.deadLetters.list({ to: 'worker/late', tenant: 'acme' });
    expect(letter).toMatchObject({ reason: 'no_recipient', node: 'a', envelope: { payload: { n: 7 } } });

    const seen: unknown[] = [];
    await b.spawn('worker/late', { receive: (msg) => void seen.push(msg.payload) }, { tenant: 'acme' });
    const results = await Promise.all([
      redriveDeadLetter(a, letter!.id),
      redriveDeadLetter(b, letter!.id),
      redriveDeadLetter(a, letter!.id),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['already_redriven', 'already_redriven', 'redriven']);
    const winner = results.find((r) => r.status === 'redriven')!;
    expect((await a.deadLetters.get(letter!.id))?.redriven).toEqual(winner.letter.redriven);
    // A marker from a, sent after the redrives, arrives after any second copy would have (the mailbox stream keeps order).
    await a.ref('worker/late', 'acme').tell('job.run', 'marker');
    await eventually(() => seen.includes('marker'), 10_000, 'marker');
    expect(seen).toEqual([{ n: 7 }, 'marker']);
  }, 60_000);
});
