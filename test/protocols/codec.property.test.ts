import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Codec, codec, envelopeSchema, EncodeError, TroupeError, type Envelope } from '../../protocols/index.js';
import { bigintArb, dateArb, envelopeArb, keyArb, leafArb, nest, numberArb, wireEqual, wireValueArb } from './arbitraries.js';

const roundTrip = (v: unknown): unknown => codec.decodeValue(codec.encodeValue(v));
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

function expectEncodeError(f: () => unknown): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(EncodeError);
  expect(thrown).toBeInstanceOf(TroupeError);
  expect((thrown as EncodeError).code).toBe('encode_error');
  expect((thrown as EncodeError).name).toBe('EncodeError');
}

describe('wireEqual (the test oracle)', () => {
  it('distinguishes what the codec must preserve', () => {
    expect(wireEqual(-0, 0)).toBe(false);
    expect(wireEqual(NaN, NaN)).toBe(true);
    expect(wireEqual(1n, 1)).toBe(false);
    expect(wireEqual(new Date(NaN), new Date(NaN))).toBe(true);
    expect(wireEqual(new Uint8Array([1]), Buffer.from([1]))).toBe(false);
    expect(wireEqual(new Uint8Array([1]), new Uint8Array([2]))).toBe(false);
    expect(wireEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(wireEqual([1, [2]], [1, [2]])).toBe(true);
  });
});

describe('codec round trip on the wire-value domain', () => {
  it('encode → decode is the identity for any wire value', () => {
    fc.assert(
      fc.property(wireValueArb(5), (v) => wireEqual(v, roundTrip(v))),
      { numRuns: 500 },
    );
  });

  it('decodes the same from a plain Uint8Array copy as from the Buffer (as NATS APIs hand bytes back)', () => {
    fc.assert(
      fc.property(wireValueArb(5), (v) => {
        const bytes = codec.encodeValue(v);
        expect(wireEqual(v, codec.decodeValue(new Uint8Array(bytes)))).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(codec.decodeValue(new Uint8Array(codec.encodeValue(7n)))).toBe(7n);
  });

  it('re-encoding a decoded value gives the same bytes', () => {
    fc.assert(
      fc.property(wireValueArb(5), (v) => {
        const bytes = codec.encodeValue(v);
        return sameBytes(codec.encodeValue(codec.decodeValue(bytes)), bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps -0, NaN, ±Infinity, unsafe integers and huge floats exactly', () => {
    fc.assert(
      fc.property(numberArb, (n) => Object.is(roundTrip(n), n)),
      { numRuns: 1000 },
    );
    for (const n of [-0, NaN, Infinity, -Infinity, 2 ** 53 + 2, -(2 ** 53) - 2, 1.7976931348623157e308, 5e-324])
      expect(Object.is(roundTrip(n), n)).toBe(true);
  });

  it('keeps bigints as bigints, of any size and sign', () => {
    fc.assert(
      fc.property(bigintArb, (b) => roundTrip(b) === b),
      { numRuns: 500 },
    );
    for (const b of [0n, 1n, -1n, 2n ** 64n, -(2n ** 64n), 2n ** 1000n, -(3n ** 5000n)]) expect(roundTrip(b)).toBe(b);
  });

  it('keeps Dates (including the invalid Date) by time value', () => {
    fc.assert(
      fc.property(dateArb, (d) => wireEqual(d, roundTrip(d))),
      { numRuns: 500 },
    );
    const invalid = roundTrip(new Date(NaN));
    expect(invalid).toBeInstanceOf(Date);
    expect((invalid as Date).getTime()).toBeNaN();
  });

  it('decodes binary as a plain Uint8Array with the same contents, never a Buffer', () => {
    for (const input of [new Uint8Array([1, 2, 3]), Buffer.from([4, 5]), new Uint8Array([9, 8, 7, 6]).subarray(1, 3), new Uint8Array(0)]) {
      const out = roundTrip({ b: [input] }) as { b: Uint8Array[] };
      const bin = out.b[0];
      expect(bin).toBeInstanceOf(Uint8Array);
      expect(Object.getPrototypeOf(bin)).toBe(Uint8Array.prototype);
      expect(Buffer.isBuffer(bin)).toBe(false);
      expect(Array.from(bin ?? [])).toEqual(Array.from(input));
    }
  });

  it('handles unicode, empty and long strings and weird object keys', () => {
    const v = {
      '': '',
      ' ': 'é🎭\u0000',
      constructor: 1,
      hasOwnProperty: 'x',
      '0': [],
      '-1': {},
      then: null,
      ключ: '漢字',
      '🎭': '\uFFFF',
    };
    expect(wireEqual(v, roundTrip(v))).toBe(true);
    expect(roundTrip('x'.repeat(70_000))).toBe('x'.repeat(70_000));
    const long = Array.from({ length: 70_000 }, (_, i) => (i % 3 === 0 ? -0 : i));
    expect(wireEqual(long, roundTrip(long))).toBe(true);
    const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, b: [2] });
    expect(wireEqual(nullProto, roundTrip(nullProto))).toBe(true);
  });

  // Regression (was a bug, fixed): the Packr uses msgpackr's fast map16 writer (no `variableMapSize`), so any object with
  // more than 65535 keys is an EncodeError although it is far below maxBytes.
  it('keeps an object with more than 65535 keys', () => {
    const big: Record<string, number> = {};
    for (let i = 0; i < 70_000; i++) big[`k${i}`] = i;
    expect(wireEqual(big, roundTrip(big))).toBe(true);
  });

  it('accepts nesting exactly maxDepth deep', () => {
    expect(wireEqual(nest(64), roundTrip(nest(64)))).toBe(true);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 25 }), (max, n) => {
        const c = new Codec({ maxDepth: max });
        if (n <= max) return wireEqual(nest(n), c.decodeValue(c.encodeValue(nest(n))));
        expectEncodeError(() => c.encodeValue(nest(n)));
        return true;
      }),
    );
  });
});

describe('undefined', () => {
  it('undefined array slots (and holes) become null', () => {
    fc.assert(
      fc.property(fc.array(fc.option(leafArb, { nil: undefined }), { maxLength: 8 }), (arr) => {
        const out = roundTrip(arr) as unknown[];
        return out.length === arr.length && arr.every((x, i) => wireEqual(x === undefined ? null : x, out[i]));
      }),
    );
    // eslint-disable-next-line no-sparse-arrays
    expect(roundTrip([, 1, , undefined])).toEqual([null, 1, null, null]);
    expect(roundTrip(undefined)).toBeNull();
  });

  it('drops an undefined property when another property needs rewriting before it', () => {
    expect(roundTrip({ a: -0, b: undefined })).toEqual({ a: -0 });
    expect(Object.keys(roundTrip({ a: 1n, b: undefined }) as object)).toEqual(['a']);
  });

  // Regression: until 3a7141d an undefined property was kept (and made the bytes undecodable)
  // unless an earlier key of the same object needed rewriting.
  it('undefined object properties are dropped, at any depth and any position', () => {
    const withHoles = fc.dictionary(keyArb, fc.option(wireValueArb(2), { nil: undefined }), { maxKeys: 6 });
    fc.assert(
      fc.property(withHoles, withHoles, (o, inner) => {
        const strip = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([, x]) => x !== undefined));
        return wireEqual({ ...strip(o), inner: [strip(inner)] }, roundTrip({ ...o, inner: [inner] }));
      }),
      { numRuns: 300 },
    );
    expect(roundTrip({ a: undefined })).toEqual({});
    expect(Object.keys(roundTrip({ a: undefined, b: 1, c: undefined, d: -0 }) as object)).toEqual(['b', 'd']);
  });

  it('an envelope with optional fields set to undefined round-trips without them', () => {
    const env = {
      id: 'm1',
      type: 'acp.run.create',
      from: 'agent/a',
      to: 'agent/b',
      tenant: 't',
      attempt: 1,
      payload: { x: undefined },
      replyTo: undefined,
      deadline: undefined,
    };
    const out = codec.decode(codec.encode(env));
    expect(out).toEqual({ id: 'm1', type: 'acp.run.create', from: 'agent/a', to: 'agent/b', tenant: 't', attempt: 1, payload: {} });
    expect('replyTo' in out || 'deadline' in out).toBe(false);
  });
});

describe('envelopes', () => {
  it('encode → decode is the identity; absent optional fields stay absent', () => {
    fc.assert(
      fc.property(envelopeArb(), (env) => {
        expect(envelopeSchema.safeParse(env).success).toBe(true);
        const out = codec.decode(codec.encode(env));
        expect(Object.keys(out).sort()).toEqual(Object.keys(env).sort());
        return wireEqual(env, out);
      }),
      { numRuns: 300 },
    );
  });

  it('re-encodes a decoded envelope to the same bytes', () => {
    fc.assert(
      fc.property(envelopeArb(), (env) => {
        const bytes = codec.encode(env);
        return sameBytes(codec.encode(codec.decode(bytes)), bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses to encode an envelope that fails the schema', () => {
    const ok: Envelope = { id: 'm', type: 'x', from: 'a/b', to: 'a/c', tenant: 't', attempt: 1, payload: null };
    for (const bad of [
      { from: 'nope' },
      { attempt: 0 },
      { traceparent: '00-abc' },
      { tenant: '' },
      { type: 'Bad' },
      { deadline: 1.5 },
      { id: '' },
    ]) {
      expectEncodeError(() => codec.encode({ ...ok, ...bad } as Envelope));
    }
  });
});

/** Values outside the domain, freshly built per run. */
const outsideArb: fc.Arbitrary<() => unknown> = fc.constantFrom(
  () => () => 1,
  () => Symbol('s'),
  () => new Map([[1, 2]]),
  () => new Set([1]),
  () => new (class Foo {})(),
  () => /re/g,
  () => new Error('e'),
  () => new Int16Array(2),
  () => new Float64Array(1),
  () => new Uint8ClampedArray(1),
  () => new ArrayBuffer(2),
  () => new DataView(new ArrayBuffer(1)),
  () => new Number(1),
  () => new String('s'),
  () => new WeakMap(),
  () => Promise.resolve(1),
  () => Object.create({ inherited: 1 }) as unknown,
);

describe('values outside the domain throw EncodeError', () => {
  it('at any position inside a valid value, and as an envelope payload', () => {
    fc.assert(
      fc.property(outsideArb, fc.array(fc.tuple(fc.boolean(), fc.nat(3), wireValueArb(1)), { maxLength: 6 }), (make, path) => {
        let v: unknown = make();
        for (const [asArray, at, sibling] of path) {
          v = asArray ? [...Array.from({ length: at }, () => sibling), v, sibling] : { s: sibling, [`k${at}`]: v };
        }
        expectEncodeError(() => codec.encodeValue(v));
        expectEncodeError(() => codec.encode({ id: 'm', type: 'x', from: 'a/b', to: 'a/c', tenant: 't', attempt: 1, payload: v }));
      }),
      { numRuns: 300 },
    );
  });

  it('cycles and nesting deeper than maxDepth', () => {
    const o: Record<string, unknown> = { a: 1 };
    o.self = o;
    const arr: unknown[] = [1];
    arr.push([arr]);
    const deep: Record<string, unknown> = { x: { y: [] } };
    ((deep.x as Record<string, unknown>).y as unknown[]).push(deep);
    for (const v of [o, arr, deep, nest(65), nest(1000)]) expectEncodeError(() => codec.encodeValue(v));
    expectEncodeError(() => new Codec({ maxDepth: 2 }).encodeValue([[[]]]));
  });

  // Regression (was a bug, fixed): msgpackr calls value.toJSON() for any object whose `constructor` property is not Object,
  // so a plain object with own keys `constructor` and `toJSON` (or a null-prototype object with a
  // `toJSON` key) is refused although it is inside the documented domain.
  it('a plain object with a `toJSON` data key round-trips', () => {
    const v = { constructor: 1, toJSON: 'x' };
    expect(wireEqual(v, roundTrip(v))).toBe(true);
  });

  // Regression (was a bug, fixed): the bigint extension decoder caps the decimal text at 10000 digits; the encoder does not.
  it('a bigint with more than 10000 digits round-trips', () => {
    const b = 10n ** 10000n;
    expect(roundTrip(b)).toBe(b);
  });

  // Regression (was a bug, fixed): a string with an unpaired surrogate is silently rewritten to U+FFFD (msgpack strings are
  // UTF-8); it should either round-trip or be an EncodeError, never change silently.
  it('a lone surrogate is not silently replaced', () => {
    const s = 'a\uD800b';
    let out: unknown;
    try {
      out = roundTrip(s);
    } catch (e) {
      out = e;
    }
    expect(out === s || out instanceof EncodeError).toBe(true);
  });
});
