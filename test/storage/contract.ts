/**
 * The storage contract suite, run against every backend (memory, lmdb, jetstream): what a
 * bucket does with keys, prefixes, order, limits, batches and the value domain, plus a
 * fast-check model test of random operation sequences against a plain Map.
 */
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTroupeError } from '../../protocols/index.js';
import { compareKeys, hasPrefix, type KvBucket, type Storage, type StorageKey } from '../../runtime/index.js';
import { wireEqual, wireValueArb } from '../protocols/arbitraries.js';

/** What a backend provides to run the contract. */
export interface StorageHarness {
  readonly name: string;
  /** A fresh, empty storage (its own directory or prefix). */
  open(): Promise<Storage>;
  /** Model-test runs (fewer for backends with a network round trip per operation). */
  readonly runs?: number;
  /** Known defects: the named tests are skipped (each must say where it is reported). */
  readonly knownBugs?: readonly 'nul-segments'[];
}

/** Settles `fn()` whether it throws synchronously or rejects. */
export function attempt(fn: () => unknown): Promise<unknown> {
  return Promise.resolve().then(fn);
}

/** Segments chosen to stress encodings and ordering: prefixes of each other, separators, wildcards, escapes, non-BMP. */
export const trickySegments = [
  'a',
  'ab',
  'a b',
  'a.b',
  'a-b',
  'a_b',
  'b',
  'B',
  '0',
  '=',
  '=x',
  '*',
  '>',
  '$KV',
  '/',
  'é',
  'Ω',
  '\u00ff',
  '\u0100',
  '\u0800',
  '\uFFFF',
  '😀',
  '\uE000',
  'a\u0001',
  '\u0001',
  'zz',
] as const;

const segmentArb = fc.oneof(fc.constantFrom(...trickySegments), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }));
const keyArb = fc.array(segmentArb, { minLength: 1, maxLength: 3 });
const prefixArb = fc.array(segmentArb, { minLength: 0, maxLength: 2 });

type Op =
  | { op: 'put'; key: string[]; value: unknown }
  | { op: 'putMany'; entries: { key: string[]; value: unknown }[] }
  | { op: 'get'; key: string[] }
  | { op: 'delete'; key: string[] }
  | { op: 'list'; prefix: string[]; limit?: number }
  | { op: 'deletePrefix'; prefix: string[] };

const valueArb = wireValueArb(2);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('put' as const), key: keyArb, value: valueArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('putMany' as const),
      entries: fc.array(fc.record({ key: keyArb, value: valueArb }), { maxLength: 4 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('get' as const), key: keyArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyArb }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('list' as const), prefix: prefixArb, limit: fc.option(fc.nat(5), { nil: undefined }) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deletePrefix' as const), prefix: prefixArb }) },
);

/** Runs one op against the bucket and the model; throws on the first disagreement. */
async function step(b: KvBucket, model: Map<string, { key: string[]; value: unknown }>, o: Op): Promise<void> {
  const id = (k: StorageKey): string => JSON.stringify(k);
  const fail = (what: string, got: unknown, want: unknown): never => {
    throw new Error(`${o.op} ${what}: got ${inspect(got)}, model says ${inspect(want)}`);
  };
  if (o.op === 'put') {
    await b.put(o.key, o.value);
    model.set(id(o.key), { key: o.key, value: o.value });
  } else if (o.op === 'putMany') {
    await b.putMany(o.entries);
    for (const e of o.entries) model.set(id(e.key), e);
  } else if (o.op === 'get') {
    const got = await b.get(o.key);
    const want = model.get(id(o.key));
    if (!(want === undefined ? got === undefined : wireEqual(want.value, got))) fail(JSON.stringify(o.key), got, want?.value);
  } else if (o.op === 'delete') {
    const existed = await b.delete(o.key);
    if (existed !== model.delete(id(o.key))) fail(JSON.stringify(o.key), existed, !existed);
  } else if (o.op === 'deletePrefix') {
    const n = await b.deletePrefix(o.prefix);
    let m = 0;
    for (const [k, e] of model) if (hasPrefix(e.key, o.prefix) && model.delete(k)) m++;
    if (n !== m) fail(JSON.stringify(o.prefix), n, m);
  } else {
    const got = await b.list(o.prefix, o.limit === undefined ? {} : { limit: o.limit });
    let want = [...model.values()].filter((e) => hasPrefix(e.key, o.prefix)).sort((x, y) => compareKeys(x.key, y.key));
    if (o.limit !== undefined) want = want.slice(0, o.limit);
    const gotKeys = JSON.stringify(got.map((e) => e.key));
    if (gotKeys !== JSON.stringify(want.map((e) => e.key))) fail(JSON.stringify(o.prefix), gotKeys, JSON.stringify(want.map((e) => e.key)));
    got.forEach((e, i) => {
      if (!wireEqual(want[i]?.value, e.value)) fail(`value of ${JSON.stringify(e.key)}`, e.value, want[i]?.value);
    });
  }
}

/** Registers the contract suite for one backend. */
export function storageContract(h: StorageHarness): void {
  describe(`storage contract: ${h.name}`, () => {
    let storage: Storage;
    let n = 0;
    /** A bucket no other test touched. */
    const fresh = (): KvBucket => storage.bucket(`t${n++}`);
    beforeAll(async () => {
      storage = await h.open();
    });
    afterAll(async () => {
      await storage?.close();
    });

    it('gets what was put, overwrites, deletes (reporting whether the key existed)', async () => {
      const b = fresh();
      expect(await b.get(['missing'])).toBeUndefined();
      await b.put(['k'], { n: 1 });
      expect(await b.get(['k'])).toEqual({ n: 1 });
      await b.put(['k'], 'two');
      expect(await b.get(['k'])).toBe('two');
      expect(await b.delete(['k'])).toBe(true);
      expect(await b.delete(['k'])).toBe(false);
      expect(await b.get(['k'])).toBeUndefined();
      expect(await b.list([])).toEqual([]);
    });

    it('keeps buckets apart and hands out copies, never live objects', async () => {
      const [x, y] = [fresh(), fresh()];
      const value = { list: [1, 2], nested: { s: 'a' } };
      await x.put(['k'], value);
      value.list.push(3);
      expect(await y.get(['k'])).toBeUndefined();
      const got = await x.get<{ list: number[] }>(['k']);
      expect(got).toEqual({ list: [1, 2], nested: { s: 'a' } });
      got?.list.push(9);
      expect(await x.get(['k'])).toEqual({ list: [1, 2], nested: { s: 'a' } });
      expect(await y.deletePrefix([])).toBe(0);
      expect(await x.list([])).toHaveLength(1);
    });

    it('lists in key order: segment by segment, shorter first, UTF-16 code units', async () => {
      const b = fresh();
      const keys: string[][] = [];
      for (const s of trickySegments) keys.push([s], [s, 'x'], [s, s]);
      const shuffled = [...keys].sort(() => Math.random() - 0.5);
      await b.putMany(shuffled.map((key) => ({ key, value: key.join('|') })));
      const listed = await b.list([]);
      expect(listed.map((e) => e.key)).toEqual([...keys].sort(compareKeys));
      for (const e of listed) expect(e.value).toBe(e.key.join('|'));
    });

    it('matches prefixes segment-wise: [a] holds [a] and [a, …], never [ab] or [a.b]', async () => {
      const b = fresh();
      const keys = [['a'], ['a', 'x'], ['a', 'x', 'y'], ['ab'], ['a.b'], ['a b'], ['b'], ['a', '>'], ['=a']];
      await b.putMany(keys.map((key, i) => ({ key, value: i })));
      const keysOf = async (p: string[]): Promise<StorageKey[]> => (await b.list(p)).map((e) => e.key);
      expect(await keysOf(['a'])).toEqual([['a'], ['a', '>'], ['a', 'x'], ['a', 'x', 'y']]);
      expect(await keysOf(['a', 'x'])).toEqual([
        ['a', 'x'],
        ['a', 'x', 'y'],
      ]);
      expect(await keysOf(['a', 'x', 'y', 'z'])).toEqual([]);
      expect(await keysOf(['a.b'])).toEqual([['a.b']]);
      expect(await keysOf(['='])).toEqual([]);
      expect(await keysOf([])).toHaveLength(keys.length);
      expect(await b.deletePrefix(['a'])).toBe(4);
      expect(await keysOf([])).toEqual([['=a'], ['a b'], ['a.b'], ['ab'], ['b']]);
      expect(await b.deletePrefix(['a'])).toBe(0);
    });

    it.skipIf(h.knownBugs?.includes('nul-segments'))('keeps keys apart whose segments hold U+0000', async () => {
      const b = fresh();
      const keys = [['a\u0000', 'x'], ['a', '\u0000x'], ['a\u0000x'], ['\u0000'], ['\u0000', '\u0000']];
      for (const [i, k] of keys.entries()) await b.put(k, i);
      expect((await b.list([])).map((e) => e.key)).toEqual([...keys].sort(compareKeys));
      expect(await b.get(['a', '\u0000x'])).toBe(1);
      expect((await b.list(['a'])).map((e) => e.key)).toEqual([['a', '\u0000x']]);
      expect(await b.deletePrefix(['\u0000'])).toBe(2);
    });

    it('limits a listing to the first n entries in key order', async () => {
      const b = fresh();
      await b.putMany(['d', 'b', 'e', 'a', 'c'].map((s) => ({ key: ['p', s], value: s })));
      await b.put(['q'], 'other');
      expect((await b.list(['p'], { limit: 2 })).map((e) => e.value)).toEqual(['a', 'b']);
      expect(await b.list(['p'], { limit: 0 })).toEqual([]);
      expect(await b.list(['p'], { limit: 99 })).toHaveLength(5);
      expect((await b.list([], { limit: 1 })).map((e) => e.key)).toEqual([['p', 'a']]);
    });

    it('putMany writes every entry, in order (a later duplicate wins); an empty batch is a no-op', async () => {
      const b = fresh();
      await b.putMany([]);
      await b.putMany([
        { key: ['x'], value: 1 },
        { key: ['y'], value: 2 },
        { key: ['x'], value: 3 },
      ]);
      expect(await b.list([])).toEqual([
        { key: ['x'], value: 3 },
        { key: ['y'], value: 2 },
      ]);
    });

    it('rejects a batch holding a bad key or an unencodable value, writing none of it', async () => {
      const b = fresh();
      await expect(
        attempt(() =>
          b.putMany([
            { key: ['ok'], value: 1 },
            { key: [''], value: 2 },
          ]),
        ),
      ).rejects.toThrow(/non-empty/);
      const bad = await attempt(() =>
        b.putMany([
          { key: ['ok'], value: 1 },
          { key: ['f'], value: () => 1 },
        ]),
      ).catch((e: unknown) => e);
      expect(isTroupeError(bad, 'encode_error')).toBe(true);
      await expect(attempt(() => b.put(['m'], new Map()))).rejects.toThrow(/Map/);
      expect(await b.list([])).toEqual([]);
    });

    it('refuses malformed keys, prefixes and bucket names with clear errors', async () => {
      const b = fresh();
      for (const key of [[], [''], ['a', ''], [1], [null], 'a', undefined] as unknown as StorageKey[]) {
        await expect(
          attempt(() => b.get(key)),
          JSON.stringify(key),
        ).rejects.toThrow(/storage key/);
        await expect(
          attempt(() => b.put(key, 1)),
          JSON.stringify(key),
        ).rejects.toThrow(/storage key/);
        await expect(
          attempt(() => b.delete(key)),
          JSON.stringify(key),
        ).rejects.toThrow(/storage key/);
      }
      for (const prefix of [[''], [2], 'a'] as unknown as StorageKey[]) {
        await expect(
          attempt(() => b.list(prefix)),
          JSON.stringify(prefix),
        ).rejects.toThrow(/storage key/);
        await expect(
          attempt(() => b.deletePrefix(prefix)),
          JSON.stringify(prefix),
        ).rejects.toThrow(/storage key/);
      }
      for (const name of ['', 'A', '1a', 'a.b', 'a b', 'a/b', 'é', 'x'.repeat(33)])
        expect(() => storage.bucket(name), name).toThrow(/bucket name/);
      // A malformed key or bucket name is the caller's error, with a stable code.
      for (const bad of [
        () => b.get(['']),
        () => b.put([1] as unknown as StorageKey, 1),
        () => b.list([''] as StorageKey),
        () => storage.bucket('A'),
      ])
        expect(isTroupeError(await attempt(bad).catch((e: unknown) => e), 'bad_request')).toBe(true);
      expect(storage.bucket('a-b_9').name).toBe('a-b_9');
      expect(await b.list([])).toEqual([]);
    });

    it('round-trips the codec value domain: bigint, -0, NaN, Dates, bytes, nesting', async () => {
      const b = fresh();
      const values: unknown[] = [
        null,
        true,
        false,
        0,
        -0,
        NaN,
        Infinity,
        -Infinity,
        2 ** 53 + 2,
        1.5,
        7n,
        -(2n ** 100n),
        'text',
        '',
        '😀\u0000é',
        new Date(0),
        new Date(NaN),
        new Uint8Array([0, 255, 7]),
        new Uint8Array(0),
        [1, null, [2]],
        {},
        { a: { b: [new Date(5), 1n, -0] } },
      ];
      await b.putMany(values.map((value, i) => ({ key: ['v', String(i).padStart(3, '0')], value })));
      const listed = await b.list(['v']);
      expect(listed).toHaveLength(values.length);
      listed.forEach((e, i) => expect(wireEqual(values[i], e.value), `value ${i}`).toBe(true));
      for (let i = 0; i < values.length; i++)
        expect(wireEqual(values[i], await b.get(['v', String(i).padStart(3, '0')])), `get ${i}`).toBe(true);
      await b.put(['u'], { keep: 1, drop: undefined });
      expect(await b.get(['u'])).toStrictEqual({ keep: 1 });
    });

    it('takes concurrent writers without losing any', async () => {
      const b = fresh();
      await Promise.all(Array.from({ length: 50 }, (_, i) => b.put(['c', String(i).padStart(2, '0')], i)));
      const all = await b.list(['c']);
      expect(all.map((e) => e.value)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    });

    it('fences writes by the epoch stored at the fence key (putFenced)', async () => {
      const b = fresh();
      const fence = ['f', 'run1'];
      // No fence yet: any epoch writes, and an entry for the fence claims it.
      expect(await b.putFenced(fence, 2, [{ key: fence, value: { epoch: 2 } }])).toBe(true);
      expect(await b.putFenced(fence, 2, [{ key: ['f', 'run1', 'ev', '1'], value: 'a' }])).toBe(true);
      // A lower epoch is refused and writes nothing, neither the fence nor the entries beside it.
      expect(await b.putFenced(fence, 1, [{ key: ['f', 'run1', 'ev', '2'], value: 'old' }])).toBe(false);
      expect(await b.putFenced(fence, 1, [{ key: fence, value: { epoch: 1 } }])).toBe(false);
      expect(await b.get(['f', 'run1', 'ev', '2'])).toBeUndefined();
      expect(await b.get(fence)).toEqual({ epoch: 2 });
      // The same epoch goes on writing; a higher one takes the fence over, after which the old one is refused.
      expect(await b.putFenced(fence, 2, [{ key: ['f', 'run1', 'ev', '2'], value: 'b' }])).toBe(true);
      expect(await b.putFenced(fence, 3, [{ key: fence, value: { epoch: 3, by: 'new' } }])).toBe(true);
      expect(await b.putFenced(fence, 2, [{ key: ['f', 'run1', 'ev', '3'], value: 'late' }])).toBe(false);
      expect(await b.list(['f', 'run1', 'ev'])).toEqual([
        { key: ['f', 'run1', 'ev', '1'], value: 'a' },
        { key: ['f', 'run1', 'ev', '2'], value: 'b' },
      ]);
      // A fence value without an epoch counts as 0; bad keys are the caller's error.
      await b.put(['g'], 'plain');
      expect(await b.putFenced(['g'], 0, [{ key: ['g', 'x'], value: 1 }])).toBe(true);
      expect(isTroupeError(await attempt(() => b.putFenced([''], 1, [])).catch((e: unknown) => e), 'bad_request')).toBe(true);
    });

    it('writes an entry marked once only where its key holds nothing or the same value (putFenced)', async () => {
      const b = fresh();
      const fence = ['o', 'run1'];
      const seg = (seq: string) => ['o', 'run1', 'ev', seq];
      expect(await b.putFenced(fence, 2, [{ key: fence, value: { epoch: 2 } }])).toBe(true);
      // Nothing there: written.
      expect(await b.putFenced(fence, 2, [{ key: seg('1'), value: { by: 'new', n: [1, 2] }, once: true }])).toBe(true);
      // The same value again (a write retried after its answer was lost): accepted, nothing changes.
      expect(await b.putFenced(fence, 2, [{ key: seg('1'), value: { by: 'new', n: [1, 2] }, once: true }])).toBe(true);
      // Another value at that key: the write is refused, even from the fence's own epoch, and the first value stays.
      expect(await b.putFenced(fence, 2, [{ key: seg('1'), value: { by: 'old', n: [1, 2] }, once: true }])).toBe(false);
      expect(await b.get(seg('1'))).toEqual({ by: 'new', n: [1, 2] });
      // Without the mark the same write replaces the value (last write wins).
      expect(await b.putFenced(fence, 2, [{ key: seg('2'), value: 'a' }])).toBe(true);
      expect(await b.putFenced(fence, 2, [{ key: seg('2'), value: 'b' }])).toBe(true);
      expect(await b.get(seg('2'))).toBe('b');
      // A deleted key holds nothing: written again.
      expect(await b.delete(seg('1'))).toBe(true);
      expect(await b.putFenced(fence, 2, [{ key: seg('1'), value: 'again', once: true }])).toBe(true);
      expect(await b.get(seg('1'))).toBe('again');
      // A lower epoch is refused before anything is compared.
      expect(await b.putFenced(fence, 1, [{ key: seg('3'), value: 'x', once: true }])).toBe(false);
      expect(await b.get(seg('3'))).toBeUndefined();
    });

    it('lets exactly one of several different once-writes to one key land, whatever the interleaving', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.string({ maxLength: 8 }), { minLength: 2, maxLength: 8 }), async (values) => {
          const b = fresh();
          const fence = ['race', 'x'];
          const key = ['race', 'x', 'ev', '1'];
          const results = await Promise.all(values.map((v, i) => b.putFenced(fence, 1, [{ key, value: { v, i }, once: true }])));
          // Each writer's value differs (its index): one lands, every other is refused, and the key holds the winner's.
          expect(results.filter(Boolean)).toHaveLength(1);
          const winner = results.indexOf(true);
          expect(await b.get(key)).toEqual({ v: values[winner], i: winner });
        }),
        { numRuns: Math.min(h.runs ?? 100, 20) },
      );
    }, 120_000);

    it('lets no lower epoch land after a higher one, whatever the interleaving of concurrent writers', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 12 }), async (epochs) => {
          const b = fresh();
          const fence = ['cas', 'x'];
          // Every writer claims the fence with its epoch and appends one entry; all race at once.
          const results = await Promise.all(epochs.map((epoch, i) => b.putFenced(fence, epoch, [{ key: fence, value: { epoch, i } }])));
          const top = Math.max(...epochs);
          // The highest epoch always lands and the fence ends holding it (a lower write never lands after it).
          epochs.forEach((e, i) => e === top && expect(results[i]).toBe(true));
          expect(((await b.get(fence)) as { epoch: number }).epoch).toBe(top);
          // Once the top epoch holds the fence, every lower writer is refused.
          for (const e of new Set(epochs))
            if (e < top) expect(await b.putFenced(fence, e, [{ key: fence, value: { epoch: e } }])).toBe(false);
        }),
        { numRuns: Math.min(h.runs ?? 100, 30) },
      );
    }, 120_000);

    it('agrees with a Map model on random operation sequences', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
          const b = fresh();
          const model = new Map<string, { key: string[]; value: unknown }>();
          for (const o of ops) await step(b, model, o);
          await step(b, model, { op: 'list', prefix: [] });
        }),
        { numRuns: h.runs ?? 100 },
      );
    }, 120_000);
  });
}
