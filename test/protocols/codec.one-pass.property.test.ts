/**
 * The codec's envelope paths run `prepare`/`restore` on the payload only and trust `isEnvelope` for the other fields
 * (ADR 0040). These properties compare them with the whole walk they replaced: the same bytes on encode, and on decode
 * the same envelope or a DecodeError on every input, hostile maps built field by field included.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { Codec, DecodeError, EncodeError, envelopeSchema, type Envelope } from '../../protocols/index.js';
import { isEnvelope } from '../../protocols/envelope.js';
import { envelopeArb, wireEqual, wireValueArb } from './arbitraries.js';
import { outcome, referenceDecode, type Outcome } from './reference.js';

const codec = new Codec();
/** A packer that writes what it is given (undefined, lone surrogates, Buffers) as msgpack, no domain check. */
const raw = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true, bundleStrings: false, variableMapSize: true });

function sameOutcome(a: Outcome, b: Outcome): void {
  expect(a.ok).toBe(b.ok);
  if (a.ok && b.ok) expect(wireEqual(a.value, b.value)).toBe(true);
  if (!a.ok && !b.ok) expect((a.error as Error).constructor).toBe((b.error as Error).constructor);
}

const LONE = fc.constantFrom('\ud800', 'a\udfff', '\udc00x');
const FIELDS = ['id', 'type', 'from', 'to', 'tenant', 'correlationId', 'causationId', 'traceparent', 'deadline', 'attempt', 'replyTo'];

/** A valid envelope with one field made hostile: undefined, a lone surrogate, a wrong type, an extra or a `__proto__` key. */
const hostileArb: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    envelopeArb(),
    fc.constantFrom(...FIELDS, 'payload'),
    fc.oneof(
      fc.constant(undefined),
      LONE,
      LONE.map((s) => `ok${s}`),
      fc.integer(),
      fc.constant(null),
      fc.constant(Buffer.from('xyz')),
      fc.constant({ nested: undefined }),
      fc.constant([undefined, '\ud800']),
    ),
    fc.constantFrom('set', 'extra', 'proto'),
  )
  .map(([env, field, value, how]) => {
    const e: Record<string, unknown> = { ...env };
    if (how === 'set') e[field] = value;
    else if (how === 'extra') e[`x${field}`] = value;
    else Object.defineProperty(e, '__proto__', { value: { field: value }, enumerable: true, configurable: true, writable: true });
    return e;
  });

describe('codec: the one-pass envelope paths agree with the whole walk', () => {
  it('encode gives the bytes encodeValue gives, and refuses what it refuses', () => {
    fc.assert(
      fc.property(fc.oneof(envelopeArb(), hostileArb), (env) => {
        const fast = outcome(() => codec.encode(env as Envelope));
        const whole = outcome(() => {
          if (!isEnvelope(env) && !envelopeSchema.safeParse(env).success) throw new EncodeError('invalid envelope');
          return codec.encodeValue(env);
        });
        expect(fast.ok).toBe(whole.ok);
        if (fast.ok && whole.ok) expect(Buffer.from(fast.value as Uint8Array).equals(Buffer.from(whole.value as Uint8Array))).toBe(true);
        if (!fast.ok) expect(fast.error).toBeInstanceOf(EncodeError);
      }),
      { numRuns: 400 },
    );
  });

  it('decode of valid envelopes and of hostile maps: the same envelope or the same error as the whole walk', () => {
    fc.assert(
      fc.property(fc.oneof(envelopeArb(), hostileArb), (value) => {
        const packed = outcome(() => raw.pack(value));
        fc.pre(packed.ok); // msgpackr alone cannot write every wire value (large bigints): those are the codec's own tests
        const bytes = (packed as { value: Uint8Array }).value;
        const fast = outcome(() => codec.decode(bytes));
        sameOutcome(
          fast,
          outcome(() => referenceDecode(codec, bytes)),
        );
        if (!fast.ok) expect(fast.error).toBeInstanceOf(DecodeError);
      }),
      { numRuns: 400 },
    );
  });

  it('an id, correlation id or causation id written as a CESU-8 surrogate decodes as the whole walk decodes it', () => {
    // Encoders write U+FFFD for a lone surrogate, so the bytes are made by hand (ED A0 80 is \ud800 in CESU-8).
    const marker = '\u0001\u0002\u0003';
    fc.assert(
      fc.property(envelopeArb(fc.constant(null)), fc.constantFrom('id', 'correlationId', 'causationId'), (env, field) => {
        const bytes = Buffer.from(raw.pack({ ...env, [field]: marker }));
        const at = bytes.indexOf(Buffer.from([1, 2, 3]));
        bytes.set([0xed, 0xa0, 0x80], at);
        sameOutcome(
          outcome(() => codec.decode(bytes)),
          outcome(() => referenceDecode(codec, bytes)),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('a payload that is not a wire value is refused in an otherwise valid envelope', () => {
    fc.assert(
      fc.property(envelopeArb(wireValueArb(2)), LONE, (env, lone) => {
        expect(() => codec.decode(raw.pack({ ...env, payload: { deep: [1, undefined] } }))).toThrow(DecodeError);
        expect(() => codec.encode({ ...env, payload: { deep: [lone] } })).toThrow(EncodeError);
        expect(() => codec.encode({ ...env, payload: { f: () => 1 } })).toThrow(EncodeError);
      }),
      { numRuns: 100 },
    );
  });
});
