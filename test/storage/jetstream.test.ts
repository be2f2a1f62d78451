/** JetStream storage specifics: key encoding, payload limits, many keys, other connections, a server restart mid-use. */
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { isTroupeError } from '../../protocols/index.js';
import { hasPrefix } from '../../runtime/index.js';
import { JetStreamStorage } from '../../runtime/jetstream/index.js';
import { decodeKvKey, encodeKvKey } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';
import { NatsServer } from '../nats/server.js';

const segment = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }),
  fc.constantFrom('a', 'ab', 'a.b', '*', '>', '=', '=YQ', ' ', '\u0000', '😀'),
);
const key = fc.array(segment, { minLength: 1, maxLength: 4 });
const KV_KEY = /^[-/=.\w]+$/;

describe('JetStream key encoding', () => {
  it('gives valid KV keys that decode to the segments, with segment prefixes as token prefixes', () => {
    fc.assert(
      fc.property(key, fc.array(segment, { minLength: 1, maxLength: 3 }), (k, p) => {
        const enc = encodeKvKey(k);
        expect(KV_KEY.test(enc) && !enc.startsWith('.') && !enc.endsWith('.') && !enc.includes('..')).toBe(true);
        expect(decodeKvKey(enc)).toEqual(k);
        const pre = encodeKvKey(p);
        expect(enc === pre || enc.startsWith(`${pre}.`)).toBe(hasPrefix(k, p));
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses segments that are not well-formed Unicode', () => {
    expect(() => encodeKvKey(['ok', '\uD800'])).toThrow(/lone surrogate/);
  });
});

describe('JetStreamStorage', () => {
  let server: NatsServer;
  let n = 0;
  const prefix = (): string => `j${process.pid}x${n++}`;
  beforeAll(async () => {
    server = await NatsServer.start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('creates `<prefix>_<bucket>` buckets with history 1 and one replica on a single server', async () => {
    const p = prefix();
    const s = await JetStreamStorage.connect({ servers: [server.url], prefix: p });
    await s.bucket('runs').put(['a'], 1);
    const nc = await connect({ servers: server.url });
    const info = await (await jetstreamManager(nc)).streams.info(`KV_${p}_runs`);
    expect(info.config).toMatchObject({ max_msgs_per_subject: 1, num_replicas: 1 });
    expect(s.replicas).toBe(1);
    await nc.close();
    await s.close();
  });

  it('lists each key once, with its newest value, while the keys are rewritten and deleted during the list', async () => {
    const s = await JetStreamStorage.connect({ servers: [server.url], prefix: prefix() });
    const b = s.bucket('busy');
    const keys = Array.from({ length: 120 }, (_, i) => ['run', String(i).padStart(4, '0')]);
    await b.putMany(keys.map((key) => ({ key, value: { v: 0 } })));
    let writing = true;
    let round = 0;
    const writer = (async () => {
      // Rewrites every key over and over (a journal rewriting its records); the last key comes and goes.
      while (writing) {
        round++;
        for (const key of keys.slice(0, 119)) await b.put(key, { v: round });
        await (round % 2 === 0 ? b.delete(['run', '0119']) : b.put(['run', '0119'], { v: round }));
      }
    })();
    try {
      // At least 15 lists, and on until the writer went over every key twice (within 20 s: a list must not be held up
      // by the writes it races with).
      const until = Date.now() + 20_000;
      for (let i = 0; i < 15 || (round < 3 && Date.now() < until); i++) {
        const listed = await b.list<{ v: number }>(['run']);
        const names = listed.map((e) => e.key.join('/'));
        expect(new Set(names).size, `list ${i}: a key listed twice`).toBe(names.length);
        expect(names.length).toBeGreaterThanOrEqual(119);
        expect(names.length).toBeLessThanOrEqual(120);
      }
    } finally {
      writing = false;
      await writer;
    }
    expect(round).toBeGreaterThanOrEqual(3);
    await s.close();
  }, 60_000);

  it('refuses a value over the server max_payload with too_large at once, writing nothing of the batch', async () => {
    const s = await JetStreamStorage.connect({ servers: [server.url], prefix: prefix() });
    const b = s.bucket('big');
    await b.put(['fits'], new Uint8Array(900 * 1024));
    expect((await b.get<Uint8Array>(['fits']))?.length).toBe(900 * 1024);
    const t0 = Date.now();
    const e = await b
      .putMany([
        { key: ['first'], value: 1 },
        { key: ['huge'], value: new Uint8Array(1024 * 1024 + 1) },
      ])
      .catch((x: unknown) => x);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(isTroupeError(e, 'too_large')).toBe(true);
    expect((e as Error).message).toMatch(/max_payload is 1048576/);
    expect((await b.list([])).map((x) => x.key)).toEqual([['fits']]);
    const lone = await b.put(['\uDC00'], 1).catch((x: unknown) => x);
    expect(isTroupeError(lone, 'encode_error')).toBe(true);
    await s.close();
  });

  it('lists thousands of keys in one pass, in order, leaving no consumer behind; another connection sees them', async () => {
    const p = prefix();
    const a = await JetStreamStorage.connect({ servers: [server.url], prefix: p });
    const N = 3000;
    const entries = Array.from({ length: N }, (_, i) => ({ key: ['t1', 'run', String((i * 7919) % N).padStart(5, '0')], value: { i } }));
    await a.bucket('log').putMany(entries);
    await a.bucket('log').put(['t1', 'runs'], 'not under [t1, run]');
    await a.close();
    const b = await JetStreamStorage.connect({ servers: [server.url], prefix: p });
    const t0 = Date.now();
    const listed = await b.bucket('log').list(['t1', 'run']);
    const ms = Date.now() - t0;
    expect(listed).toHaveLength(N);
    expect(listed.map((e) => e.key[2])).toEqual(Array.from({ length: N }, (_, i) => String(i).padStart(5, '0')));
    expect(ms).toBeLessThan(3000);
    expect(await b.bucket('log').list(['t1', 'run'], { limit: 3 })).toHaveLength(3);
    const nc = await connect({ servers: server.url });
    const jsm = await jetstreamManager(nc);
    const consumers = [];
    for await (const c of jsm.consumers.list(`KV_${p}_log`)) consumers.push(c.name);
    expect(consumers).toEqual([]);
    expect(await b.bucket('log').deletePrefix(['t1', 'run'])).toBe(N);
    expect(await b.bucket('log').list([])).toEqual([{ key: ['t1', 'runs'], value: 'not under [t1, run]' }]);
    await nc.close();
    await b.close();
  }, 60_000);

  it('reads its own and other connections’ writes at once', async () => {
    const p = prefix();
    const [a, b] = await Promise.all([
      JetStreamStorage.connect({ servers: [server.url], prefix: p }),
      JetStreamStorage.connect({ servers: [server.url], prefix: p }),
    ]);
    for (let i = 0; i < 30; i++) {
      await a.bucket('x').put(['k'], i);
      expect(await b.bucket('x').get(['k'])).toBe(i);
      expect(await b.bucket('x').delete(['k'])).toBe(true);
      expect(await a.bucket('x').get(['k'])).toBeUndefined();
    }
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses a bad prefix before connecting', async () => {
    await expect(JetStreamStorage.connect({ servers: [server.url], prefix: 'Bad.Prefix' })).rejects.toThrow(/prefix "Bad.Prefix"/);
  });

  it('refuses every operation once closed', async () => {
    const s = await JetStreamStorage.connect({ servers: [server.url], prefix: prefix() });
    const b = s.bucket('x');
    await b.put(['k'], 1);
    await s.close();
    for (const op of [() => b.get(['k']), () => b.put(['k'], 2), () => b.list([]), () => b.delete(['k']), () => b.deletePrefix([])]) {
      expect(isTroupeError(await op().catch((x: unknown) => x), 'system_stopped')).toBe(true);
    }
  });

  it('is what createSystem opens on the jetstream transport, closed on shutdown', async () => {
    const config = configSchema.parse({ transport: { kind: 'jetstream', servers: [server.url], prefix: prefix() } });
    const system = await createSystem({ config });
    const storage = system.storage;
    expect(storage.kind).toBe('jetstream');
    await storage.bucket('x').put(['k'], 'v');
    await system.shutdown();
    expect(
      isTroupeError(
        await storage
          .bucket('x')
          .get(['k'])
          .catch((x: unknown) => x),
        'system_stopped',
      ),
    ).toBe(true);
  }, 30_000);
});

describe('JetStreamStorage across a server restart', () => {
  it('fails operations clearly (bounded) while the server is down and recovers when it is back', async () => {
    const server = await NatsServer.start();
    // Operations retry through an outage for retryMs, then fail `unavailable`.
    const s = await JetStreamStorage.connect({ servers: [server.url], prefix: 'restart', timeoutMs: 1000, retryMs: 2_000 });
    const b = s.bucket('x');
    try {
      await b.putMany(Array.from({ length: 20 }, (_, i) => ({ key: ['k', String(i).padStart(2, '0')], value: i })));
      await server.kill();
      for (const op of [
        () => b.put(['k', 'down'], 1),
        () => b.get(['k', '01']),
        () => b.list(['k']),
        () => b.delete(['k', '02']),
        () => s.bucket('fresh').put(['k'], 1),
      ]) {
        const t0 = Date.now();
        const e = await op().catch((x: unknown) => x);
        expect(Date.now() - t0).toBeLessThan(5000);
        expect(isTroupeError(e, 'unavailable'), String(e)).toBe(true);
      }
      await server.launch();
      let back: unknown;
      for (let i = 0; i < 60 && back === undefined; i++) {
        back = await b.get(['k', '01']).catch(() => undefined);
        if (back === undefined) await new Promise((r) => setTimeout(r, 250));
      }
      expect(back).toBe(1);
      await b.put(['k', 'after'], 'ok');
      expect((await b.list(['k'])).length).toBeGreaterThanOrEqual(21);
      expect(await s.bucket('fresh').get(['k'])).toBeUndefined();
    } finally {
      await s.close();
      await server.stop();
    }
  }, 60_000);
});
