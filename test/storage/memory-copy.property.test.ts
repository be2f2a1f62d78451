/**
 * Memory storage copies plain values instead of encoding them (runtime/storage/memory.ts): what it stores and hands
 * back must be exactly what the codec's round trip gives (lmdb and JetStream store encoded bytes), and what the codec
 * refuses it must refuse with the same error — on any value, hostile ones included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codec, isTroupeError } from '../../protocols/index.js';
import { MemoryStorage } from '../../runtime/index.js';
import { keyArb, leafArb, nest, wireEqual } from '../protocols/arbitraries.js';

class Point {
  constructor(readonly x = 1) {}
}

/** Values outside the domain, or ones the codec changes on the way (dropped keys, odd strings, odd prototypes). */
const oddLeafArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined),
  fc.constant(() => 1),
  fc.constant(Symbol('s')),
  fc.constant(new Map([['a', 1]])),
  fc.constant(new Set([1])),
  fc.constant(new Int8Array([1, 2])),
  fc.constant(new Point()),
  fc.constant('\uD800 lone'),
  fc.constant(Object.assign(Object.create(null) as object, { a: 1 })),
  fc.constant(JSON.parse('{"__proto__": 1}') as unknown),
  fc.constant({ toJSON: () => 'x' }),
  fc.constant({ constructor: 'not a function' }),
  fc.constant(new Array<unknown>(3).fill(1, 0, 1)), // holes
  fc.constant(Object.assign([1, 2], { extra: true })),
  fc.constant(nest(70)),
  fc.constant(nest(63)),
  fc.constant(Object.assign(new Date(5), { extra: 1 })),
);

const hostileArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown; array: unknown[]; object: Record<string, unknown> }>((tie) => ({
  value: fc.oneof({ maxDepth: 3, depthIdentifier: 'h' }, leafArb, oddLeafArb, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4, depthIdentifier: 'h' }),
  object: fc.dictionary(fc.oneof(keyArb, fc.constantFrom('toJSON', '\uDC00')), tie('value'), { maxKeys: 4, depthIdentifier: 'h' }),
})).value;

/** The codec's round trip of `v`, or the code of the error it throws. */
function viaCodec(v: unknown): { value: unknown } | { code: string } {
  try {
    return { value: codec.decodeValue(codec.encodeValue(v)) };
  } catch (e) {
    return { code: (e as { code?: string }).code ?? String(e) };
  }
}

describe('memory storage copies values as the codec round-trips them', () => {
  const bucket = new MemoryStorage().bucket('copy');

  it('stores and hands back what the codec would, or refuses with its error (put, putMany, putFenced, once, list)', async () => {
    await fc.assert(
      fc.asyncProperty(hostileArb, async (v) => {
        const want = viaCodec(v);
        const writes: (() => Promise<unknown>)[] = [
          () => bucket.put(['k'], v),
          () => bucket.putMany([{ key: ['k'], value: v }]),
          () => bucket.putFenced(['f'], 0, [{ key: ['k'], value: v }]),
          // Written once (a run's event log is).
          () => bucket.putFenced(['f'], 0, [{ key: ['k'], value: v, once: true }]),
        ];
        for (const write of writes) {
          await bucket.delete(['k']);
          const done = await Promise.resolve()
            .then(write)
            .then(
              () => undefined,
              (e: unknown) => e,
            );
          if ('code' in want) {
            expect(isTroupeError(done, want.code as 'encode_error'), `${String(done)} is not ${want.code}`).toBe(true);
            expect(await bucket.get(['k'])).toBeUndefined();
            continue;
          }
          expect(done).toBeUndefined();
          expect(wireEqual(want.value, await bucket.get(['k']))).toBe(true);
          expect(wireEqual(want.value, (await bucket.list(['k']))[0]?.value)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('keeps its copy: changing what was put, or what was read, changes nothing stored', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.dictionary(keyArb, leafArb, { maxKeys: 4 }), { minLength: 1, maxLength: 4 }), async (v) => {
        const want = viaCodec(v) as { value: unknown };
        await bucket.put(['m'], v);
        const read = (await bucket.get(['m'])) as Record<string, unknown>[];
        for (const o of [...v, ...read]) {
          for (const k of Object.keys(o)) {
            const x = o[k];
            if (x instanceof Uint8Array && x.length > 0) x[0] = (x[0] as number) ^ 0xff;
            else if (x instanceof Date) x.setTime(x.getTime() + 1);
            o[k] = 'changed';
          }
          o['added'] = 1;
        }
        v.push({});
        read.push({});
        expect(wireEqual(want.value, await bucket.get(['m']))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a value past the codec size limit as the codec does, and keeps one just under it', async () => {
    const under = 'é'.repeat(Math.floor((codec.maxBytes - 1024) / 2));
    await bucket.put(['big'], { s: under });
    expect(((await bucket.get(['big'])) as { s: string }).s).toBe(under);
    const over = { s: under, t: 'x'.repeat(2048) };
    const e = await Promise.resolve()
      .then(() => bucket.put(['big'], over))
      .catch((err: unknown) => err);
    expect(isTroupeError(e, 'too_large')).toBe(true);
    expect(((await bucket.get(['big'])) as { s: string }).s).toBe(under);
    // The same written once.
    await bucket.putFenced(['f'], 0, [{ key: ['big-once'], value: { s: under }, once: true }]);
    expect(((await bucket.get(['big-once'])) as { s: string }).s).toBe(under);
    const refused = await Promise.resolve()
      .then(() => bucket.putFenced(['f'], 0, [{ key: ['big-once-over'], value: over, once: true }]))
      .catch((err: unknown) => err);
    expect(isTroupeError(refused, 'too_large')).toBe(true);
    expect(await bucket.get(['big-once-over'])).toBeUndefined();
  });
});
