import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Codec, codec, envelopeSchema, DecodeError, TooLargeError, TroupeError, type Envelope } from '../../protocols/index.js';
import { concatBytes, envelopeArb, hexBytes, inDomain, nest, wireValueArb } from './arbitraries.js';

/** Runs `f` and returns what it threw (failing the test if it returned). */
function thrownBy(f: () => unknown): unknown {
  let v: unknown;
  try {
    v = f();
  } catch (e) {
    return e;
  }
  return expect.fail(`expected a throw, got ${typeof v}`);
}

function expectDecodeError(f: () => unknown): void {
  const e = thrownBy(f);
  expect(e).toBeInstanceOf(DecodeError);
  expect(e).toBeInstanceOf(TroupeError);
  expect((e as DecodeError).code).toBe('decode_error');
}

/** decode either returns a whole, schema-valid envelope or throws a DecodeError — nothing else. */
function decodeIsWholeOrDecodeError(c: Codec, bytes: Uint8Array): boolean {
  let out: Envelope;
  try {
    out = c.decode(bytes);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw new Error(`foreign exception: ${String(e)}`, { cause: e });
    return true;
  }
  return envelopeSchema.safeParse(out).success && inDomain(out);
}

/** decodeValue either returns only in-domain values or throws a DecodeError. */
function decodeValueIsInDomainOrDecodeError(c: Codec, bytes: Uint8Array): boolean {
  try {
    return inDomain(c.decodeValue(bytes));
  } catch (e) {
    if (!(e instanceof DecodeError)) throw new Error(`foreign exception: ${String(e)}`, { cause: e });
    return true;
  }
}

const full: Envelope = {
  id: 'msg-1',
  type: 'acp.run.create',
  from: 'agent/planner',
  to: 'agent/support',
  tenant: 'acme',
  correlationId: 'corr-1',
  causationId: 'cause-1',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  deadline: 1_700_000_000_000,
  attempt: 3,
  replyTo: 'inbox/node-1',
  payload: { n: -0, big: -(2n ** 80n), at: new Date(5), bin: new Uint8Array([1, 2]), list: [null, true, 'é'] },
};
const fullBytes = codec.encode(full);

/** Msgpack-flavoured random bytes: headers, ext codes and the codec's own ext types. */
const msgpackishBytes = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom(
        0x80,
        0x81,
        0x90,
        0x91,
        0xc0,
        0xc1,
        0xc4,
        0xc7,
        0xcf,
        0xd4,
        0xd5,
        0xd6,
        0xdc,
        0xde,
        0xdd,
        0xdf,
        0x20,
        0x21,
        0x42,
        0x62,
        0x65,
        0x69,
        0x70,
        0x72,
        0x73,
        0x74,
        0x78,
        0xff,
        0x00,
        0x2d,
        0x31,
      ),
    ),
    { maxLength: 48 },
  )
  .map((a) => new Uint8Array(a));

describe('decoding garbage', () => {
  it('random bytes: decodeValue yields in-domain values or DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => decodeValueIsInDomainOrDecodeError(codec, b)),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(msgpackishBytes, (b) => decodeValueIsInDomainOrDecodeError(codec, b)),
      { numRuns: 3000 },
    );
  });

  it('random bytes: decode yields a schema-valid envelope or DecodeError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), msgpackishBytes), (b) => decodeIsWholeOrDecodeError(codec, b)),
      { numRuns: 2000 },
    );
  });

  it('random mutations of valid encodings (bit flips, deletions, insertions)', () => {
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ op: fc.constant('delete' as const), at: fc.nat(), bit: fc.constant(0) }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 255 }) }),
    );
    fc.assert(
      fc.property(envelopeArb(wireValueArb(2)), fc.array(mutation, { minLength: 1, maxLength: 4 }), (env, muts) => {
        const bytes = Array.from(codec.encode(env));
        for (const { op, at, bit } of muts) {
          const i = at % bytes.length;
          if (op === 'flip') bytes[i] = (bytes[i] ?? 0) ^ (1 << bit);
          else if (op === 'delete' && bytes.length > 1) bytes.splice(i, 1);
          else bytes.splice(i, 0, bit);
        }
        return decodeIsWholeOrDecodeError(codec, new Uint8Array(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('empty input and non-Uint8Array input', () => {
    expectDecodeError(() => codec.decode(new Uint8Array(0)));
    expectDecodeError(() => codec.decodeValue(Buffer.alloc(0)));
    const notBytes: unknown[] = [
      '\x80',
      42,
      null,
      undefined,
      [0xc0],
      { length: 1, 0: 0xc0 },
      new ArrayBuffer(1),
      new DataView(new ArrayBuffer(1)),
      new Int8Array([0x40]),
      new Uint16Array(1),
      Object.create(null),
    ];
    for (const x of notBytes) {
      expectDecodeError(() => codec.decodeValue(x as Uint8Array));
      expectDecodeError(() => codec.decode(x as Uint8Array));
    }
  });
});

describe('truncation and trailing bytes', () => {
  it('every truncation of a valid envelope is a DecodeError', () => {
    expect(codec.decode(fullBytes)).toEqual(full);
    for (let n = 0; n < fullBytes.length; n++) expectDecodeError(() => codec.decode(fullBytes.subarray(0, n)));
    for (let n = 0; n < fullBytes.length; n++) expectDecodeError(() => codec.decode(fullBytes.slice(0, n)));
  });

  it('a random truncation of any valid envelope is a DecodeError', () => {
    fc.assert(
      fc.property(envelopeArb(), fc.nat(), (env, cut) => {
        const bytes = codec.encode(env);
        expectDecodeError(() => codec.decode(bytes.subarray(0, cut % bytes.length)));
      }),
      { numRuns: 500 },
    );
  });

  it('trailing bytes after a valid message are a DecodeError', () => {
    fc.assert(
      fc.property(envelopeArb(wireValueArb(1)), fc.uint8Array({ minLength: 1, maxLength: 16 }), (env, tail) => {
        expectDecodeError(() => codec.decode(concatBytes(codec.encode(env), tail)));
      }),
    );
    expectDecodeError(() => codec.decodeValue(hexBytes('c0 c0')));
    expectDecodeError(() => codec.decode(concatBytes(fullBytes, fullBytes)));
  });
});

describe('well-formed msgpack of the wrong shape', () => {
  const cases: [string, unknown][] = [
    ['null', null],
    ['a string', 'envelope'],
    ['an array', [full]],
    ['an empty map', {}],
    ...(['id', 'type', 'from', 'to', 'tenant', 'attempt'] as const).map((k): [string, unknown] => {
      const { [k]: _drop, ...rest } = full;
      return [`${k} missing`, rest];
    }),
    ['id empty', { ...full, id: '' }],
    ['id too long', { ...full, id: 'x'.repeat(129) }],
    ['id a number', { ...full, id: 7 }],
    ['type uppercase', { ...full, type: 'Acp.Run' }],
    ['from without kind', { ...full, from: 'support' }],
    ['to with a space', { ...full, to: 'agent/a b' }],
    ['replyTo malformed', { ...full, replyTo: '/inbox' }],
    ['tenant with a dot', { ...full, tenant: 'a.b' }],
    ['tenant null', { ...full, tenant: null }],
    ['traceparent short', { ...full, traceparent: '00-abc-def-01' }],
    ['traceparent uppercase', { ...full, traceparent: full.traceparent?.toUpperCase() }],
    ['traceparent zero trace id', { ...full, traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` }],
    ['traceparent zero span id', { ...full, traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01` }],
    ['traceparent version ff', { ...full, traceparent: full.traceparent?.replace(/^00/, 'ff') }],
    ['attempt 0', { ...full, attempt: 0 }],
    ['attempt -1', { ...full, attempt: -1 }],
    ['attempt 1.5', { ...full, attempt: 1.5 }],
    ['attempt -0', { ...full, attempt: -0 }],
    ['attempt NaN', { ...full, attempt: NaN }],
    ['attempt a bigint', { ...full, attempt: 1n }],
    ['attempt a string', { ...full, attempt: '1' }],
    ['attempt too large', { ...full, attempt: 1_000_001 }],
    ['deadline 0', { ...full, deadline: 0 }],
    ['deadline unsafe', { ...full, deadline: 2 ** 53 }],
    ['deadline a Date', { ...full, deadline: new Date(1) }],
    ['correlationId empty', { ...full, correlationId: '' }],
    ['causationId null', { ...full, causationId: null }],
  ];
  it.each(cases)('%s → DecodeError', (_name, value) => {
    const bytes = codec.encodeValue(value);
    expect(() => codec.decodeValue(bytes)).not.toThrow();
    expectDecodeError(() => codec.decode(bytes));
  });
});

describe('msgpack extensions outside the domain', () => {
  const str = (s: string) => Buffer.from(s).toString('hex');
  const cases: [string, string][] = [
    ['undefined (ext 0)', 'd4 00 00'],
    ['msgpackr C1 marker', 'c1'],
    ['unknown ext type 5', 'd4 05 00'],
    ['Set', 'd4 73 00 91 01'],
    ['Error', `d4 65 00 93 a5 ${str('Error')} a1 6d c0`],
    ['RegExp', 'd4 78 00 92 a1 61 a0'],
    ['Float64Array', 'c7 09 74 08 0000000000000000'],
    ['Uint8ClampedArray', 'c7 02 74 02 07'],
    ['ArrayBuffer', 'c7 02 74 10 00'],
    ['DataView', 'c7 02 74 11 00'],
    ['structured-clone cycle', 'd6 69 00000001 91 d6 70 00000001'],
    ['dangling pointer', 'd6 70 00000007'],
    ['bigint ext empty', 'c7 00 21'],
    ['bigint ext "--"', `c7 02 21 ${str('--')}`],
    ['bigint ext "1a"', `c7 02 21 ${str('1a')}`],
    ['bigint ext "1.5"', `c7 03 21 ${str('1.5')}`],
    ['bigint ext " 1"', `c7 02 21 ${str(' 1')}`],
    ['bigint ext "0x1"', `c7 03 21 ${str('0x1')}`],
    ['bigint ext truncated', 'c7 05 21 31 32'],
    ['map with a map key', '81 80 02'],
  ];
  it.each(cases)('%s → DecodeError (alone and as an envelope payload)', (_name, hex) => {
    expectDecodeError(() => codec.decodeValue(hexBytes(hex)));
    const { payload: _p, ...head } = full;
    const shell = codec.encodeValue({ ...head, payload: null }); // payload last: its value is the final 0xc0
    expect(shell[shell.length - 1]).toBe(0xc0);
    expectDecodeError(() => codec.decode(concatBytes(shell.subarray(0, -1), hexBytes(hex))));
  });
});

describe('limits', () => {
  it('nesting past maxDepth is a DecodeError; at maxDepth it decodes', () => {
    const arrays = (n: number) => concatBytes(new Uint8Array(n).fill(0x91), hexBytes('c0'));
    expect(() => codec.decodeValue(arrays(64))).not.toThrow();
    expectDecodeError(() => codec.decodeValue(arrays(65)));
    expectDecodeError(() => codec.decodeValue(arrays(200_000)));
    const deep = new Codec({ maxDepth: 1000 }).encodeValue(nest(65));
    expectDecodeError(() => codec.decodeValue(deep));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 40 }), (max, n) => {
        const bytes = new Codec({ maxDepth: 100 }).encodeValue(nest(n));
        const c = new Codec({ maxDepth: max });
        if (n <= max) expect(c.decodeValue(bytes)).toEqual(nest(n));
        else expectDecodeError(() => c.decodeValue(bytes));
      }),
    );
  });

  it('input past maxBytes is a TooLargeError, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.uint8Array({ minLength: 65, maxLength: 200 }), (max, bytes) => {
        const e = thrownBy(() => new Codec({ maxBytes: max }).decode(bytes));
        expect(e).toBeInstanceOf(TooLargeError);
        expect((e as TooLargeError).code).toBe('too_large');
      }),
    );
    const exact = new Codec({ maxBytes: fullBytes.length });
    expect(exact.decode(fullBytes)).toEqual(full);
    expect(() => new Codec({ maxBytes: fullBytes.length - 1 }).decode(fullBytes)).toThrow(TooLargeError);
    expect(() => codec.decodeValue(new Uint8Array(8 * 1024 * 1024 + 1))).toThrow(TooLargeError);
    expect(() => new Codec({ maxBytes: 10 }).encodeValue('x'.repeat(100))).toThrow(TooLargeError);
  });
});

describe('an envelope without payload', () => {
  it('decodes with payload absent (a message that carries nothing)', () => {
    const [c, schema] = [codec, envelopeSchema];
    const env = { id: 'x1', type: 'a.b', from: 'system/n', to: 'agent/a', tenant: 'default', attempt: 1 };
    const decoded = c.decode(c.encode(env));
    expect(decoded).toEqual(env);
    expect('payload' in decoded).toBe(false);
    expect(schema.safeParse(decoded).success).toBe(true);
  });
});
