/** lmdb specifics: the order-preserving key encoding, persistence, closing, limits, and a second process on the same directory. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTroupeError } from '../../protocols/index.js';
import { compareKeys, hasPrefix } from '../../runtime/index.js';
import { LmdbStorage } from '../../runtime/lmdb/index.js';
import { decodeLmdbKey, encodeLmdbKey } from '../../runtime/lmdb/index.js';
import { tempDir } from './tmp.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** Any UTF-16 code unit, lone surrogates included. */
const anyUnits = fc.string({ unit: fc.nat(0xffff).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 6 });
const segment = fc.oneof(
  anyUnits,
  fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }),
  fc.constantFrom('a', 'ab', '\u0000', '\u0001', '\u0002', '\uFFFF', '😀', '\uD800', '\uDC00'),
);
const key = fc.array(segment, { minLength: 1, maxLength: 4 });
const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe('lmdb key encoding', () => {
  it('decodes what it encodes, lone surrogates and NULs included', () => {
    fc.assert(
      fc.property(key, (k) => {
        expect(decodeLmdbKey(encodeLmdbKey('b', k))).toEqual(['b', ...k]);
      }),
      { numRuns: 500 },
    );
  });

  it('orders bytes exactly as compareKeys orders keys', () => {
    fc.assert(
      fc.property(key, key, (a, b) => sign(Buffer.compare(encodeLmdbKey('b', a), encodeLmdbKey('b', b))) === sign(compareKeys(a, b))),
      { numRuns: 2000 },
    );
  });

  it('makes a segment prefix a byte prefix, and nothing else', () => {
    fc.assert(
      fc.property(key, fc.array(segment, { maxLength: 3 }), (k, p) => {
        const bytes = encodeLmdbKey('b', k);
        const pre = encodeLmdbKey('b', p);
        return bytes.subarray(0, pre.length).equals(pre) === hasPrefix(k, p);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('LmdbStorage', () => {
  it('stores keys with lone surrogates and NULs distinctly', async () => {
    const s = new LmdbStorage(tempDir('lmdb'));
    const b = s.bucket('k');
    const keys = [['a\u0000', 'x'], ['a', '\u0000x'], ['\uD800'], ['\uDC00'], ['\uFFFD']];
    for (const [i, k] of keys.entries()) await b.put(k, i);
    expect((await b.list([])).map((e) => e.key)).toEqual([...keys].sort(compareKeys));
    expect(await b.get(['\uD800'])).toBe(2);
    await s.close();
  });

  it('keeps everything across close and reopen', async () => {
    const dir = tempDir('lmdb');
    const a = new LmdbStorage(dir);
    await a
      .bucket('runs')
      .putMany(Array.from({ length: 300 }, (_, i) => ({ key: ['run', String(i).padStart(4, '0')], value: { i, at: new Date(i) } })));
    await a.bucket('store').put(['ns', 'k'], 5n);
    await a.bucket('runs').delete(['run', '0007']);
    await a.close();
    const b = new LmdbStorage(dir);
    const runs = await b.bucket('runs').list(['run']);
    expect(runs).toHaveLength(299);
    expect(runs[7]).toEqual({ key: ['run', '0008'], value: { i: 8, at: new Date(8) } });
    expect(await b.bucket('store').get(['ns', 'k'])).toBe(5n);
    await b.close();
  });

  it('refuses every operation once closed (close is idempotent)', async () => {
    const s = new LmdbStorage(tempDir('lmdb'));
    const b = s.bucket('x');
    await b.put(['k'], 1);
    await s.close();
    await s.close();
    for (const op of [() => b.get(['k']), () => b.put(['k'], 2), () => b.list([]), () => b.delete(['k']), () => b.deletePrefix([])]) {
      const e = await op().catch((x: unknown) => x);
      expect(isTroupeError(e, 'system_stopped')).toBe(true);
    }
  });

  it('refuses a key past lmdb’s 1978-byte limit with too_large, writing nothing; a bad limit is bad_request', async () => {
    const s = new LmdbStorage(tempDir('lmdb'));
    const b = s.bucket('x');
    await b.put(['k', 'é'.repeat(900)], 'fits');
    const e = await b
      .putMany([
        { key: ['ok'], value: 1 },
        { key: ['k', 'x'.repeat(2000)], value: 2 },
      ])
      .catch((x: unknown) => x);
    expect(isTroupeError(e, 'too_large')).toBe(true);
    expect((e as Error).message).toMatch(/1978/);
    expect(await b.list([])).toHaveLength(1);
    await expect(b.list([], { limit: -1 })).rejects.toThrow(/limit/);
    expect(isTroupeError(await b.list([], { limit: -1 }).catch((x: unknown) => x), 'bad_request')).toBe(true);
    await s.close();
  });

  it('shares one directory between two storages in one process', async () => {
    const dir = tempDir('lmdb');
    const [a, b] = [new LmdbStorage(dir), new LmdbStorage(dir)];
    await a.bucket('x').put(['k'], 'from a');
    expect(await b.bucket('x').get(['k'])).toBe('from a');
    await b.bucket('x').put(['k'], 'from b');
    expect(await a.bucket('x').get(['k'])).toBe('from b');
    await Promise.all([a.close(), b.close()]);
  });
});

/** Runs lmdb-child.ts on `dir`; resolves with its stdout and how it exited. */
function child(dir: string, mode: 'share' | 'crash'): Promise<{ out: string; code: number | null; signal: string | null; err: string }> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'test/storage/lmdb-child.ts', dir, mode], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.once('error', fail);
    p.once('exit', (code, signal) => done({ out, code, signal, err }));
  });
}

describe('lmdb across processes', () => {
  it('lets a second process read and write the same directory while this one writes', async () => {
    const dir = tempDir('lmdb');
    const s = new LmdbStorage(dir);
    const b = s.bucket('shared');
    await b.put(['parent'], { from: 'parent' });
    const running = child(dir, 'share');
    let mine = 0;
    let result: Awaited<typeof running> | undefined;
    void running.then((r) => (result = r));
    while (result === undefined) await b.put(['p', String(mine++).padStart(6, '0')], mine);
    expect(result.code, result.err).toBe(0);
    expect(JSON.parse(result.out)).toEqual({ parent: { from: 'parent' }, children: 200 });
    expect(await b.list(['child'])).toHaveLength(200);
    expect((await b.list(['batch'])).map((e) => e.value)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // Every write whose promise resolved is there (with lmdb-js's overlappingSync one went missing now and then).
    const have = new Set((await b.list(['p'])).map((e) => e.key[1]));
    expect(Array.from({ length: mine }, (_, i) => String(i).padStart(6, '0')).filter((k) => !have.has(k))).toEqual([]);
    await s.close();
  }, 60_000);

  it('keeps a write whose promise resolved even if the process is killed right after', async () => {
    const dir = tempDir('lmdb');
    const r = await child(dir, 'crash');
    expect(r.signal, r.err).toBe('SIGKILL');
    const s = new LmdbStorage(dir);
    expect(await s.bucket('shared').get(['crash'])).toEqual({ durable: true, big: 2n ** 70n });
    await s.close();
  }, 60_000);
});
