/** Shared fast-check arbitraries and a wire-value deep equality for the protocol tests. */
import fc from 'fast-check';
import type { Envelope } from '../../protocols/index.js';

/** Numbers, leaning on the edges msgpack gets wrong: -0, NaN, ±Infinity, 2^53±k, int/float boundaries. */
export const numberArb: fc.Arbitrary<number> = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.integer({ min: -16, max: 16 }).map((k) => 2 ** 53 + k),
  fc.integer({ min: -16, max: 16 }).map((k) => -(2 ** 53) + k),
  fc.tuple(fc.integer({ min: -1074, max: 1023 }), fc.double({ min: 1, max: 2, noNaN: true })).map(([e, m]) => 2 ** e * m),
  fc.constantFrom(
    -0,
    0,
    NaN,
    Infinity,
    -Infinity,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
    Number.EPSILON,
    2 ** 31,
    -(2 ** 31),
    2 ** 31 - 1,
    2 ** 32,
    2 ** 32 - 1,
    -(2 ** 32),
    2 ** 63,
    2 ** 64,
    -(2 ** 63),
    1e300,
    -1e-300,
    0.1,
    255,
    256,
    65535,
    65536,
  ),
);

/** Bigints of every size: small (which msgpackr would turn into numbers), around 64 bits, and far beyond. */
export const bigintArb: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.bigInt({ min: -(2n ** 2048n), max: 2n ** 2048n }),
  fc.constantFrom(
    0n,
    -1n,
    2n ** 63n - 1n,
    -(2n ** 63n),
    2n ** 64n - 1n,
    2n ** 64n,
    -(2n ** 64n) - 1n,
    10n ** 9999n - 1n,
    -(10n ** 9999n) + 1n,
  ),
);

/** Strings: empty, ASCII, any code point (well-formed UTF-16), grapheme clusters. */
export const stringArb: fc.Arbitrary<string> = fc.oneof(
  fc.constant(''),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: 'binary', minLength: 200, maxLength: 400 }),
);

/** Dates over the whole range, including the invalid Date. */
export const dateArb: fc.Arbitrary<Date> = fc.oneof(
  fc.date({ noInvalidDate: false }),
  fc.constant(new Date(NaN)),
  fc.constantFrom(new Date(0), new Date(-1), new Date(8.64e15), new Date(-8.64e15), new Date(2 ** 32 * 1000 - 1), new Date(2 ** 32 * 1000)),
);

/** Binary: plain Uint8Arrays, views into a larger buffer, and Buffers. */
export const bytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc
    .tuple(fc.uint8Array({ minLength: 2, maxLength: 40 }), fc.nat(), fc.nat())
    .map(([a, s, e]) => a.subarray(s % a.length, (s % a.length) + (e % a.length))),
  fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
  fc.uint8Array({ minLength: 256, maxLength: 300 }),
);

/** Odd but legal object keys; `__proto__` is excluded, `toJSON` too (see the known-bug tests). */
export const keyArb: fc.Arbitrary<string> = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 6 }),
    fc.constantFrom(
      '',
      ' ',
      '0',
      '1',
      '-1',
      '01',
      '1.5',
      '4294967295',
      'constructor',
      'prototype',
      'hasOwnProperty',
      'toString',
      'valueOf',
      'length',
      'then',
      '__proto_',
      '\u0000',
      '🎭',
      'a.b',
      '$',
    ),
  )
  .filter((k) => k !== '__proto__' && k !== 'toJSON');

export const leafArb: fc.Arbitrary<unknown> = fc.oneof(fc.constant(null), fc.boolean(), numberArb, bigintArb, stringArb, dateArb, bytesArb);

/** Wire values nested at most `maxDepth` containers deep (no `undefined` anywhere). */
export function wireValueArb(maxDepth = 4): fc.Arbitrary<unknown> {
  const { value } = fc.letrec<{ value: unknown; array: unknown[]; object: Record<string, unknown> }>((tie) => ({
    value: fc.oneof({ maxDepth, depthIdentifier: 'wire' }, leafArb, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 5, depthIdentifier: 'wire' }),
    object: fc.dictionary(keyArb, tie('value'), { maxKeys: 5, depthIdentifier: 'wire' }),
  }));
  return value;
}

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
/** A valid W3C traceparent (version 00, non-zero ids, any flags). */
export const traceparentArb: fc.Arbitrary<string> = fc
  .tuple(
    hex(32).filter((s) => !/^0+$/.test(s)),
    hex(16).filter((s) => !/^0+$/.test(s)),
    hex(2),
  )
  .map(([t, s, f]) => `00-${t}-${s}-${f}`);

export const kindArb: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9_-]{0,12}$/),
  fc.stringMatching(/^[a-z][a-z0-9_-]{63}$/),
);
export const idPartArb: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_.:@*>+=-][A-Za-z0-9_.:@*>+=/-]{0,20}$/),
  fc.stringMatching(/^[A-Za-z0-9_.:@*>+=-][A-Za-z0-9_.:@*>+=/-]{255}$/),
);
export const addressArb: fc.Arbitrary<string> = fc.tuple(kindArb, idPartArb).map(([k, i]) => `${k}/${i}`);
export const tenantArb: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const idArb = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }), fc.string({ minLength: 128, maxLength: 128 }));

/** Valid envelopes; optional fields are absent (never `undefined`) or valid, keys in schema order. */
export function envelopeArb(payload: fc.Arbitrary<unknown> = wireValueArb(3)): fc.Arbitrary<Envelope> {
  return fc.record(
    {
      id: idArb,
      type: fc.stringMatching(/^[a-z][a-z0-9_.-]{0,40}$/),
      from: addressArb,
      to: addressArb,
      tenant: tenantArb,
      correlationId: idArb,
      causationId: idArb,
      traceparent: traceparentArb,
      deadline: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      attempt: fc.integer({ min: 1, max: 1_000_000 }),
      replyTo: addressArb,
      payload,
    },
    { requiredKeys: ['id', 'type', 'from', 'to', 'tenant', 'attempt', 'payload'] },
  ) as fc.Arbitrary<Envelope>;
}

function isPlain(v: object): boolean {
  const p = Object.getPrototypeOf(v) as unknown;
  return p === Object.prototype || p === null;
}

/**
 * Deep equality on wire values: -0 ≠ 0, NaN = NaN, bigint ≠ number, Dates by getTime, binary by
 * contents, object keys as sets. `b` is the decoded side: its binary must be a plain Uint8Array
 * (not a Buffer) and its objects must have Object.prototype.
 */
export function wireEqual(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (typeof a === 'number') return Object.is(a, b);
  if (a === null || typeof a !== 'object' || b === null || typeof b !== 'object') return a === b;
  if (a instanceof Date) return b instanceof Date && Object.is(a.getTime(), b.getTime());
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array) || Object.getPrototypeOf(b) !== Uint8Array.prototype || a.length !== b.length) return false;
    return a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!wireEqual(a[i], b[i])) return false;
    return true;
  }
  if (!isPlain(a) || Array.isArray(b) || b instanceof Date || b instanceof Uint8Array || Object.getPrototypeOf(b) !== Object.prototype)
    return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).sort();
  const kb = Object.keys(rb).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && wireEqual(ra[k], rb[k]));
}

/** True when `v` contains only wire-domain values (what a decoder may hand out). */
export function inDomain(v: unknown, depth = 0): boolean {
  if (depth > 1000) return false;
  if (v === null || ['boolean', 'number', 'string', 'bigint'].includes(typeof v)) return true;
  if (typeof v !== 'object') return false;
  if (v instanceof Date) return true;
  if (v instanceof Uint8Array) return Object.getPrototypeOf(v) === Uint8Array.prototype;
  if (Array.isArray(v)) return Object.getPrototypeOf(v) === Array.prototype && Array.from(v).every((x) => inDomain(x, depth + 1));
  return isPlain(v) && Object.values(v).every((x) => inDomain(x, depth + 1));
}

/** Wraps `leaf` in `n` containers, alternating arrays and objects. */
export function nest(n: number, leaf: unknown = 1): unknown {
  let v = leaf;
  for (let i = 0; i < n; i++) v = i % 2 === 0 ? [v] : { k: v };
  return v;
}

/** Bytes from hex with spaces. */
export function hexBytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
