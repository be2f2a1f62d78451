/**
 * `isEnvelope` (the codec's hand-written envelope check, ADR 0040) against `envelopeSchema` (zod): on values made of
 * valid fields, near misses of every rule (lengths, patterns, integer ranges), wrong types, missing and extra keys,
 * inherited keys and other shapes, the check accepts only what the schema accepts, and refuses what the schema accepts
 * only when the value carries a key the schema does not name (the schema strips it; the codec then uses its copy).
 * The codec's verdicts follow the schema exactly.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { codec, envelopeSchema, EncodeError, DecodeError, type Envelope } from '../../protocols/index.js';
import { isEnvelope } from '../../protocols/envelope.js';
import { addressArb, envelopeArb, tenantArb, traceparentArb, wireEqual, wireValueArb } from './arbitraries.js';

const SCHEMA_KEYS = new Set(Object.keys(envelopeSchema.shape));
const x = (n: number, c = 'a'): string => c.repeat(n);

/** Values that are wrong for every field (or right for `payload`). */
const junkArb: fc.Arbitrary<unknown> = fc.constantFrom(
  null,
  undefined,
  true,
  0,
  '',
  [],
  {},
  new Date(0),
  1n,
  Object('a') as unknown,
  Symbol.for('s') as unknown,
);
// zod 4 measures strings in code points (a pair is one, a lone surrogate one): 129 UTF-16 units may still fit in 128.
const idNearArb = fc.constantFrom(
  '',
  'a',
  x(128),
  x(129),
  '\uD800',
  ' ',
  '🎭',
  x(127) + '🎭',
  x(128) + '🎭',
  x(126) + '🎭🎭',
  x(128) + '\uD800',
);
const numberNearArb = fc.constantFrom(
  0,
  -0,
  1,
  2,
  1.5,
  -1,
  NaN,
  Infinity,
  -Infinity,
  999_999,
  1_000_000,
  1_000_001,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  2 ** 53 + 2,
  Number.MIN_VALUE,
  1e300,
  '1',
  5n,
);
const typeNearArb = fc.constantFrom('a', 'A', 'a.B', x(128), x(129), '1a', 'a b', 'a\n', 'sys.reply', '', '.a', 'a_b-c.d');
const addressNearArb = fc.constantFrom(
  'a/b',
  'A/b',
  '/b',
  'a/',
  'a',
  'a//b',
  'a/b/c',
  'a/b\n',
  `${x(64)}/b`,
  `${x(65)}/b`,
  `a/${x(256)}`,
  `a/${x(257)}`,
  `${x(64)}/${x(256)}`,
  'a/b c',
  'a/é',
  'node/n1',
);
const tenantNearArb = fc.constantFrom('', 'a', x(64), x(65), 'a b', 'default', 'a\n', 'A-_9');
const traceNearArb = fc.constantFrom(
  `00-${x(32, '0')}-${x(16, '1')}-01`,
  `00-${x(32, '1')}-${x(16, '0')}-01`,
  `00-${x(32, 'A')}-${x(16, '1')}-01`,
  `01-${x(32, '1')}-${x(16, '1')}-01`,
  `00-${x(32, '1')}-${x(16, '1')}-0`,
  `00-${x(32, '1')}-${x(16, '1')}-01\n`,
  `00-${x(32, 'f')}-${x(16, 'f')}-ff`,
);
const idValidArb = fc.string({ unit: 'binary', minLength: 1, maxLength: 130 });

const field = (valid: fc.Arbitrary<unknown>, near: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof(valid, near, junkArb);
/** Each field valid, a near miss, or junk; any key may be missing. */
const fieldsArb = fc.record(
  {
    id: field(idValidArb, idNearArb),
    type: field(fc.stringMatching(/^[a-z][a-z0-9_.-]{0,20}$/), typeNearArb),
    from: field(addressArb, addressNearArb),
    to: field(addressArb, addressNearArb),
    tenant: field(tenantArb, tenantNearArb),
    correlationId: field(idValidArb, idNearArb),
    causationId: field(idValidArb, idNearArb),
    traceparent: field(traceparentArb, traceNearArb),
    deadline: field(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), numberNearArb),
    attempt: field(fc.integer({ min: 1, max: 1_000_000 }), numberNearArb),
    replyTo: field(addressArb, addressNearArb),
    payload: fc.oneof(wireValueArb(2), junkArb),
  },
  { requiredKeys: [] },
);
const extraKeysArb = fc.dictionary(
  fc.constantFrom('Id', 'extra', 'constructor', 'toString', 'payloads', '0', 'then', ''),
  fc.oneof(fc.constant(undefined), wireValueArb(1)),
  { maxKeys: 2 },
);

/** Mostly plain objects of those fields; sometimes with extra keys, fields on the prototype, no prototype, or not an object. */
const candidateArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fieldsArb },
  { weight: 2, arbitrary: fc.tuple(fieldsArb, extraKeysArb).map(([f, extra]) => ({ ...f, ...extra })) },
  { weight: 2, arbitrary: envelopeArb(wireValueArb(1)) },
  {
    weight: 1,
    arbitrary: fc.tuple(envelopeArb(wireValueArb(1)), fc.subarray([...SCHEMA_KEYS]), extraKeysArb).map(([env, inherited, extra]) => {
      const proto: Record<string, unknown> = { ...extra };
      const own: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(env)) (inherited.includes(k) ? proto : own)[k] = v;
      return Object.assign(Object.create(proto) as object, own);
    }),
  },
  { weight: 1, arbitrary: envelopeArb(wireValueArb(1)).map((env) => Object.assign(Object.create(null) as object, env)) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      junkArb,
      fc.array(fc.string(), { maxLength: 3 }),
      fieldsArb.map((f) => [f]),
    ),
  },
);

/** True when `v` has an enumerable key (own or inherited) that the schema does not name. */
function hasForeignKey(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  for (const k in v) if (!SCHEMA_KEYS.has(k)) return true;
  return false;
}

describe('isEnvelope agrees with envelopeSchema', () => {
  it('accepts only what the schema accepts, and refuses what it accepts only for a key the schema does not name', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(candidateArb, (v) => {
        const zodOk = envelopeSchema.safeParse(v).success;
        const fast = isEnvelope(v);
        if (fast) expect(zodOk).toBe(true);
        else if (zodOk) expect(hasForeignKey(v)).toBe(true);
        if (zodOk) accepted++;
        else refused++;
      }),
      { numRuns: 4_000 },
    );
    // Both verdicts are well represented (the generator is not all valid nor all junk).
    expect(accepted).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(300);
  }, 120_000);

  it('gives the same verdict field by field on one-field mutations of a valid envelope', () => {
    const mutationArb = fc.oneof(
      fc.tuple(fc.constantFrom('id', 'correlationId', 'causationId'), fc.oneof(idNearArb, junkArb)),
      fc.tuple(fc.constant('type'), fc.oneof(typeNearArb, junkArb)),
      fc.tuple(fc.constantFrom('from', 'to', 'replyTo'), fc.oneof(addressNearArb, junkArb)),
      fc.tuple(fc.constant('tenant'), fc.oneof(tenantNearArb, junkArb)),
      fc.tuple(fc.constant('traceparent'), fc.oneof(traceNearArb, junkArb)),
      fc.tuple(fc.constantFrom('deadline', 'attempt'), fc.oneof(numberNearArb, junkArb)),
    );
    fc.assert(
      fc.property(envelopeArb(wireValueArb(1)), mutationArb, (env, [k, value]) => {
        const v = { ...env, [k]: value };
        expect(isEnvelope(v)).toBe(envelopeSchema.safeParse(v).success);
      }),
      { numRuns: 3_000 },
    );
  }, 120_000);
});

describe('the codec judges envelopes as the schema does', () => {
  it('encode refuses exactly what the schema refuses; decode returns what the schema returns', () => {
    fc.assert(
      fc.property(candidateArb, (v) => {
        const parsed = envelopeSchema.safeParse(v);
        let encoded: Uint8Array | undefined;
        try {
          encoded = codec.encode(v as Envelope);
        } catch (e) {
          // Outside the wire-value domain (a symbol, a bigint where a field wants a string…) the value cannot be encoded at all.
          if (!(e instanceof EncodeError)) throw e;
          if (parsed.success) expect((e as Error).message).not.toMatch(/^invalid envelope/);
        }
        if (!parsed.success) expect(encoded).toBeUndefined();
        // Whatever bytes such a value makes, decode agrees with the schema on the decoded value.
        let bytes: Uint8Array;
        try {
          bytes = codec.encodeValue(v);
        } catch {
          return;
        }
        const value = codec.decodeValue(bytes);
        const expected = envelopeSchema.safeParse(value);
        let decoded: Envelope | undefined;
        try {
          decoded = codec.decode(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
        expect(decoded !== undefined).toBe(expected.success);
        if (decoded !== undefined && expected.success) expect(wireEqual(expected.data, decoded)).toBe(true);
      }),
      { numRuns: 3_000 },
    );
  }, 120_000);
});
