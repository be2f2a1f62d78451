/**
 * `deliveryCount` (runtime/jetstream/intake.ts) reads a pulled message's delivery count from its ack subject without
 * nats.js' full parse: on ack subjects of both forms nats.js accepts, it agrees with nats.js' rule (split on dots; 9
 * tokens: the 5th, 11 or more: the 7th), and anything else is left to the message's own `info`.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { JsMsg } from '@nats-io/jetstream';
import { deliveryCount } from '../../runtime/jetstream/intake.js';

/** nats.js' rule (jsmsg.js `parseInfo`), written again as the oracle. */
function oracle(subject: string): number {
  const tokens = subject.split('.');
  if (tokens.length === 9) tokens.splice(2, 0, '_', '');
  return parseInt(tokens[6] as string, 10);
}

const INFO = -7;
const msg = (reply: string): JsMsg => ({ reply, info: { deliveryCount: INFO } }) as unknown as JsMsg;

const nameArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);
const numArb = fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
const tail = fc.tuple(numArb, numArb, numArb, numArb, numArb).map((ns) => ns.join('.'));
const oldForm = fc.tuple(nameArb, nameArb, tail).map(([s, c, t]) => `$JS.ACK.${s}.${c}.${t}`);
const newForm = fc
  .tuple(fc.oneof(fc.constant('_'), nameArb), nameArb, nameArb, nameArb, tail, fc.option(nameArb, { nil: undefined }))
  .map(([d, h, s, c, t, r]) => `$JS.ACK.${d}.${h}.${s}.${c}.${t}${r === undefined ? '' : `.${r}`}`);

describe('deliveryCount', () => {
  it('reads the count nats.js reads from both ack subject forms', () => {
    fc.assert(
      fc.property(fc.oneof(oldForm, newForm), (subject) => {
        expect(deliveryCount(msg(subject))).toBe(oracle(subject));
      }),
      { numRuns: 2_000 },
    );
  });

  it('leaves any other subject to the message info', () => {
    for (const reply of ['', '_INBOX.abc', '$JS.ACK.s.c', '$JS.ACK.s.c.x.1.1.1.1', '$JS.ACK.a.b.c.d.e.f.g.h.i.j', '$JS.ACK.s.c..1.1.1.1'])
      expect(deliveryCount(msg(reply))).toBe(INFO);
  });
});
