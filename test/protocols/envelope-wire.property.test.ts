/**
 * The envelope's fields written and read by hand (protocols/envelope-wire.ts) against msgpackr, which wrote and read
 * them before: every valid envelope round-trips and, in the schema's field order, is msgpackr's bytes; any other order
 * decodes (by msgpackr too) to the same envelope; what msgpackr wrote decodes; and damaged bytes of every kind decode
 * to what the general path makes of them — the same envelope or a DecodeError, never another error or a different value.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { Codec, DecodeError, envelopeSchema, type Envelope } from '../../protocols/index.js';
import { isEnvelope, isEnvelopeKey } from '../../protocols/envelope.js';
import { Reader, Writer } from '../../protocols/envelope-wire.js';
import { envelopeArb, wireEqual, wireValueArb } from './arbitraries.js';
import { outcome, referenceDecode } from './reference.js';

const codec = new Codec();
const OPTIONS = { useRecords: false, moreTypes: false, mapsAsObjects: true, bundleStrings: false, variableMapSize: true } as const;
/** msgpackr with the codec's options. */
const packr = new Packr(OPTIONS);
const unpackr = new Unpackr(OPTIONS);

/** ASCII ids of every length the schema allows, control characters included. */
const asciiIdArb = fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 128 });
/** Valid envelopes whose ids are ASCII: the hand-written paths take these. */
const asciiEnvelopeArb = (payload?: fc.Arbitrary<unknown>): fc.Arbitrary<Envelope> =>
  fc.tuple(envelopeArb(payload), asciiIdArb, asciiIdArb, asciiIdArb).map(([e, id, c, k]) => ({
    ...e,
    id,
    ...(e.correlationId === undefined ? {} : { correlationId: c }),
    ...(e.causationId === undefined ? {} : { causationId: k }),
  }));

/** Payloads the hand-written paths take (see `small` in envelope-wire.ts) and their near misses, which msgpackr takes. */
const asciiArb = (min: number, max: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), minLength: min, maxLength: max });
const smallLeafArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -0x80000000, max: 0xffffffff }),
  fc.constantFrom(0, -1, -32, -33, -128, -129, -32768, -32769, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, -0x80000000),
  fc.constantFrom(-0, 2 ** 32, -(2 ** 31) - 1, 0.5, NaN, Infinity, 2n, '\ud800', 'é'),
  asciiArb(0, 33),
  fc.boolean(),
  fc.constant(null),
);
const smallPayloadArb: fc.Arbitrary<unknown> = fc.oneof(
  smallLeafArb,
  fc.dictionary(asciiArb(0, 33), smallLeafArb, { maxKeys: 17 }),
  fc.record({ ok: fc.boolean(), value: smallLeafArb }),
  fc.constant({ ok: true, value: { nested: 1 } }),
  fc.constant([1, 2]),
);

/** Damage: a byte changed, bytes cut off or added, a range overwritten with bytes the format gives meaning to. */
const damageArb = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(
    ([at, v]) =>
      (b: Buffer) => (b.length > 0 && (b[at % b.length] = v), b),
  ),
  fc.nat().map((n) => (b: Buffer) => b.subarray(0, n % (b.length + 1))),
  fc.uint8Array({ minLength: 1, maxLength: 4 }).map((x) => (b: Buffer) => Buffer.concat([b, x])),
  fc
    .tuple(fc.nat(), fc.array(fc.constantFrom(0x80, 0x8f, 0xa0, 0xbf, 0xc0, 0xcb, 0xcc, 0xce, 0xd9, 0xda, 0xff, 0, 0x7f), { maxLength: 3 }))
    .map(
      ([at, xs]) =>
        (b: Buffer) => (b.length > 0 && b.set(xs.slice(0, b.length - (at % b.length)), at % b.length), b),
    ),
);

describe('envelope wire: hand-written fields, msgpackr bytes', () => {
  it('every valid envelope round-trips; in schema order its bytes are msgpackr’s, and the hand-written reader reads them', () => {
    fc.assert(
      fc.property(fc.oneof(asciiEnvelopeArb(), asciiEnvelopeArb(smallPayloadArb), envelopeArb()), (env) => {
        const encoded = outcome(() => codec.encode(env));
        const general = outcome(() => codec.encodeValue(env));
        expect(encoded.ok).toBe(general.ok);
        // A payload outside the wire domain (a lone surrogate) is refused by both.
        if (!encoded.ok || !general.ok) return;
        const bytes = encoded.value as Uint8Array;
        expect(Buffer.from(bytes).equals(Buffer.from(general.value as Uint8Array))).toBe(true);
        expect(wireEqual(env, codec.decode(bytes))).toBe(true);
        const fields = new Reader().read(bytes);
        // Non-ASCII ids are msgpackr's to write and read; everything else takes the hand-written paths.
        const ascii = [env.id, env.correlationId ?? '', env.causationId ?? ''].every((s) => !/[\u0080-\uffff]/.test(s));
        expect(fields !== undefined && isEnvelope(fields)).toBe(ascii);
      }),
      { numRuns: 500 },
    );
  });

  it('any field order: the bytes decode, by msgpackr and by the codec, to the same envelope', () => {
    fc.assert(
      fc.property(asciiEnvelopeArb(), fc.nat(), (env, seed) => {
        const keys = Object.keys(env);
        const shuffled = keys.map((k, i) => [k, (i * 7919 + seed) % 101] as const).sort((a, b) => a[1] - b[1]);
        const reordered = Object.fromEntries(shuffled.map(([k]) => [k, (env as Record<string, unknown>)[k]])) as Envelope;
        const bytes = codec.encode(reordered);
        expect(wireEqual(env, codec.decode(bytes))).toBe(true);
        expect(wireEqual(env, codec.decodeValue(bytes))).toBe(true);
        // And what msgpackr wrote in that order (a stored message of the last version) decodes alike.
        expect(wireEqual(env, codec.decode(codec.encodeValue(reordered)))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('damaged bytes: the same envelope or a DecodeError as the general path, never another error', () => {
    fc.assert(
      fc.property(
        fc.oneof(asciiEnvelopeArb(wireValueArb(2)), asciiEnvelopeArb(smallPayloadArb), asciiEnvelopeArb(fc.constant(undefined))),
        damageArb,
        (env, damage) => {
          const encoded = outcome(() => codec.encode(env));
          fc.pre(encoded.ok);
          const bytes = damage(Buffer.from(encoded.value as Uint8Array));
          const fast = outcome(() => codec.decode(bytes));
          const general = outcome(() => referenceDecode(codec, bytes));
          expect(fast.ok).toBe(general.ok);
          if (fast.ok && general.ok) expect(wireEqual(general.value, fast.value)).toBe(true);
          if (!fast.ok) expect(fast.error).toBeInstanceOf(DecodeError);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('random bytes after a map header never crash the reader', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0x80, max: 0x8f }), fc.uint8Array({ maxLength: 200 }), (head, rest) => {
        const bytes = Uint8Array.from([head, ...rest]);
        const r = outcome(() => codec.decode(bytes));
        if (!r.ok) expect(r.error).toBeInstanceOf(DecodeError);
        else expect(isEnvelope(r.value)).toBe(true);
        expect(() => new Reader().read(bytes)).not.toThrow();
      }),
      { numRuns: 1_000 },
    );
  });

  it('a repeated field value is the string read before; a changed one is read anew', () => {
    const reader = new Reader();
    const writer = new Writer();
    const pack = (v: unknown): Uint8Array => packr.pack(v);
    const base: Envelope = { id: 'a.1', type: 'x.y', from: 'agent/a', to: 'agent/b', tenant: 'default', attempt: 1 };
    const first = reader.read(Buffer.from(writer.write(base, pack) as Uint8Array));
    const second = reader.read(Buffer.from(writer.write({ ...base, id: 'a.2' }, pack) as Uint8Array));
    const third = reader.read(Buffer.from(writer.write({ ...base, to: 'agent/c' }, pack) as Uint8Array));
    expect(second?.['to']).toBe(first?.['to']);
    expect(second?.['id']).toBe('a.2');
    expect(third?.['to']).toBe('agent/c');
    expect(unpackr.unpack(writer.write(base, pack) as Uint8Array)).toEqual(base);
    // Keys whose value is undefined are left out, as the general path leaves them out.
    const undef = { ...base, payload: { a: undefined, b: 1 } };
    expect(Buffer.from(codec.encode(undef)).equals(Buffer.from(codec.encodeValue(undef)))).toBe(true);
  });

  it('isEnvelopeKey names exactly the schema’s keys', () => {
    const names = Object.keys(envelopeSchema.shape);
    for (const k of names) expect(isEnvelopeKey(k)).toBe(true);
    for (const k of ['', 'ID', 'payloads', 'replyto', '__proto__', 'constructor', 'toString']) expect(isEnvelopeKey(k)).toBe(false);
    fc.assert(fc.property(fc.string(), (k) => isEnvelopeKey(k) === names.includes(k)));
  });
});
