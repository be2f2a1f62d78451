/**
 * Store semantics against a reference model: random sequences of put / delete / get / search /
 * list namespaces / clock moves (TTLs, sweeps) / actor restarts, run on the store actor and on a
 * plain-Map model written independently of the engine; every answer must agree. Runs on the
 * memory backend, on lmdb (a fresh data dir per run) and on JetStream KV (a real nats-server).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  STORE_ADDRESS,
  STORE_DELETE,
  STORE_GET,
  STORE_NAMESPACES,
  STORE_PUT,
  STORE_SEARCH,
  isTroupeError,
  type StoreItem,
  type StoreSearchReply,
} from '../../protocols/index.js';
import { MemoryStorage, SimulatedClock, type Storage } from '../../runtime/index.js';
import { JetStreamStorage } from '../../runtime/jetstream/index.js';
import { LmdbStorage } from '../../runtime/lmdb/index.js';
import { createSystem } from '../../supervisors/index.js';
import { storeBehavior, STORE_SWEEP, type StoreActorOptions } from '../../actors/memory/store/index.js';
import { FieldCipher } from '../../actors/memory/crypto.js';
import { NatsServer } from '../nats/server.js';

// ---- the model -------------------------------------------------------------------------------

interface MItem {
  ns: string[];
  key: string;
  value: { n: number; tag: string };
  created: number;
  updated: number;
  ttl?: number;
  expires?: number;
}

type Filter = Record<string, unknown> | undefined;

class Model {
  items = new Map<string, MItem>();
  constructor(public now: number) {}
  private id = (ns: string[], key: string) => JSON.stringify([ns, key]);
  private live(it: MItem | undefined): it is MItem {
    return it !== undefined && (it.expires === undefined || it.expires > this.now);
  }
  private refresh(it: MItem) {
    if (it.ttl !== undefined) it.expires = this.now + it.ttl * 60_000;
  }
  put(ns: string[], key: string, value: MItem['value'], ttl: number | undefined) {
    const prev = this.items.get(this.id(ns, key));
    const created = this.live(prev) ? prev.created : this.now;
    const it: MItem = { ns, key, value, created, updated: this.now };
    if (ttl !== undefined) Object.assign(it, { ttl, expires: this.now + ttl * 60_000 });
    this.items.set(this.id(ns, key), it);
  }
  get(ns: string[], key: string, refresh: boolean): MItem | undefined {
    const it = this.items.get(this.id(ns, key));
    if (!this.live(it)) return undefined;
    if (refresh) this.refresh(it);
    return it;
  }
  delete(ns: string[], key: string): boolean {
    const it = this.items.get(this.id(ns, key));
    this.items.delete(this.id(ns, key));
    return this.live(it);
  }
  private matches(v: MItem['value'], f: Filter): boolean {
    if (f === undefined) return true;
    return Object.entries(f).every(([k, c]) => {
      const x = (v as Record<string, unknown>)[k];
      if (c !== null && typeof c === 'object') {
        const [[op, arg]] = Object.entries(c) as [[string, number]];
        if (typeof x !== 'number') return op === '$ne';
        return op === '$gt' ? x > arg : op === '$lte' ? x <= arg : op === '$ne' ? x !== arg : x === arg;
      }
      return x === c;
    });
  }
  search(prefix: string[], f: Filter, limit: number, offset: number, refresh: boolean): MItem[] {
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const hits = [...this.items.values()]
      .filter((it) => this.live(it) && prefix.every((p, i) => it.ns[i] === p) && this.matches(it.value, f))
      .sort((a, b) => b.updated - a.updated || cmp(a.ns.join('.'), b.ns.join('.')) || cmp(a.key, b.key));
    const page = hits.slice(offset, offset + limit);
    if (refresh) page.forEach((it) => this.refresh(it));
    return page;
  }
  namespaces(
    prefix: string[] | undefined,
    suffix: string[] | undefined,
    depth: number | undefined,
    limit: number,
    offset: number,
  ): string[][] {
    const ok = (ns: string[], pat: string[] | undefined, end: boolean) => {
      if (pat === undefined) return true;
      if (ns.length < pat.length) return false;
      const off = end ? ns.length - pat.length : 0;
      return pat.every((p, i) => p === '*' || p === ns[off + i]);
    };
    const set = new Map<string, string[]>();
    for (const it of this.items.values()) {
      if (!this.live(it) || !ok(it.ns, prefix, false) || !ok(it.ns, suffix, true)) continue;
      const cut = depth === undefined ? it.ns : it.ns.slice(0, depth);
      set.set(JSON.stringify(cut), cut);
    }
    const byLabels = (a: string[], b: string[]): number => {
      for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as string) < (b[i] as string) ? -1 : 1;
      return a.length - b.length;
    };
    return [...set.values()].sort(byLabels).slice(offset, offset + limit);
  }
}

// ---- operations ------------------------------------------------------------------------------

// Few namespaces and keys, so sequences often revisit the same item (re-puts, expiries, deletes).
const label = fc.constantFrom('a', 'b');
const nsArb = fc.array(label, { minLength: 1, maxLength: 3 });
const keyArb = fc.constantFrom('k1', 'k2');
const valueArb = fc.record({ n: fc.integer({ min: 0, max: 3 }), tag: fc.constantFrom('x', 'y') });
const filterArb: fc.Arbitrary<Filter> = fc.oneof(
  fc.constant(undefined),
  fc.record({ n: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ tag: fc.constantFrom('x', 'y') }),
  fc.record({ n: fc.record({ $gt: fc.integer({ min: 0, max: 3 }) }) }),
  fc.record({ n: fc.record({ $lte: fc.integer({ min: 0, max: 3 }) }) }),
  fc.record({ n: fc.record({ $ne: fc.integer({ min: 0, max: 3 }) }), tag: fc.constantFrom('x', 'y') }),
);
const pattern = fc.array(fc.constantFrom('a', 'b', 'c', '*'), { minLength: 1, maxLength: 3 });

const opArb = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('put' as const),
      ns: nsArb,
      key: keyArb,
      value: valueArb,
      ttl: fc.option(fc.constantFrom(1, 2), { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), ns: nsArb, key: keyArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('get' as const), ns: nsArb, key: keyArb, refresh: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('search' as const),
      prefix: fc.array(label, { maxLength: 2 }),
      filter: filterArb,
      limit: fc.integer({ min: 1, max: 6 }),
      offset: fc.integer({ min: 0, max: 3 }),
      refresh: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('namespaces' as const),
      prefix: fc.option(pattern, { nil: undefined }),
      suffix: fc.option(pattern, { nil: undefined }),
      depth: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      limit: fc.integer({ min: 1, max: 10 }),
      offset: fc.integer({ min: 0, max: 2 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(0, 1_000, 30_000, 61_000) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('restart' as const) }) },
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

const view = (it: MItem) => ({
  namespace: it.ns,
  key: it.key,
  value: it.value,
  created_at: new Date(it.created).toISOString(),
  updated_at: new Date(it.updated).toISOString(),
});

async function run(ops: readonly Op[], storage: Storage, extra: StoreActorOptions = {}): Promise<void> {
  const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
  const system = await createSystem({ storage, clock });
  const behavior = storeBehavior({ sweepMs: 90_000, ...extra });
  // Handlers may await real I/O (lmdb, NATS) while the test moves simulated time: no handler timeout may fire then.
  const spawnOptions = { tenant: 'prop', handlerTimeoutMs: 1e12 };
  let ref = await system.spawn(STORE_ADDRESS, behavior, spawnOptions);
  const model = new Model(clock.now());
  try {
    for (const [i, o] of ops.entries()) {
      const at = `op ${i} ${JSON.stringify(o)}`;
      switch (o.op) {
        case 'put': {
          model.put(o.ns, o.key, o.value, o.ttl);
          const body =
            o.ttl === undefined
              ? { namespace: o.ns, key: o.key, value: o.value }
              : { namespace: o.ns, key: o.key, value: o.value, ttl: o.ttl };
          await ref.ask(STORE_PUT, body);
          break;
        }
        case 'delete':
          expect(await ref.ask(STORE_DELETE, { namespace: o.ns, key: o.key }), at).toEqual({ deleted: model.delete(o.ns, o.key) });
          break;
        case 'get': {
          const want = model.get(o.ns, o.key, o.refresh);
          const got = await ref.ask<StoreItem>(STORE_GET, { namespace: o.ns, key: o.key, refresh_ttl: o.refresh }).catch((e: unknown) => {
            if (isTroupeError(e, 'not_found')) return undefined;
            throw e;
          });
          expect(got, at).toEqual(want === undefined ? undefined : view(want));
          break;
        }
        case 'search': {
          const want = model.search(o.prefix, o.filter, o.limit, o.offset, o.refresh).map(view);
          const body = {
            namespace_prefix: o.prefix,
            limit: o.limit,
            offset: o.offset,
            refresh_ttl: o.refresh,
            ...(o.filter === undefined ? {} : { filter: o.filter }),
          };
          expect((await ref.ask<StoreSearchReply>(STORE_SEARCH, body)).items, at).toEqual(want);
          break;
        }
        case 'namespaces': {
          const want = model.namespaces(o.prefix, o.suffix, o.depth, o.limit, o.offset);
          const body = {
            limit: o.limit,
            offset: o.offset,
            ...(o.prefix && { prefix: o.prefix }),
            ...(o.suffix && { suffix: o.suffix }),
            ...(o.depth && { max_depth: o.depth }),
          };
          expect((await ref.ask<{ namespaces: string[][] }>(STORE_NAMESPACES, body)).namespaces, at).toEqual(want);
          break;
        }
        case 'advance':
          await clock.advance(o.ms);
          model.now = clock.now();
          break;
        case 'restart':
          await system.stop(ref);
          ref = await system.spawn(STORE_ADDRESS, behavior, spawnOptions);
          break;
      }
    }
    // Whatever expired is gone from storage once the sweeper has run (asked, so lmdb's real I/O has finished).
    await clock.advance(200_000);
    model.now = clock.now();
    await ref.ask(STORE_SWEEP);
    const stored = await storage.bucket('store').list(['prop', 'i']);
    const live = [...model.items.values()].filter((it) => it.expires === undefined || it.expires > model.now);
    expect(stored.length).toBe(live.length);
    if (extra.encryption !== undefined)
      for (const e of stored) expect((e.value as { value: { n: unknown } }).value.n).toMatchObject({ $sealed: 'aes-256-gcm' });
  } finally {
    await system.shutdown();
  }
}

/** Paths random runs reach rarely: re-putting an expired item that no read or sweep removed yet. */
const examples: [Op[]][] = [
  [
    [
      { op: 'put', ns: ['a'], key: 'k1', value: { n: 1, tag: 'x' }, ttl: 1 },
      { op: 'advance', ms: 61_000 },
      { op: 'put', ns: ['a'], key: 'k1', value: { n: 2, tag: 'y' }, ttl: undefined },
      { op: 'get', ns: ['a'], key: 'k1', refresh: false },
    ],
  ],
  [
    [
      { op: 'put', ns: ['a', 'b'], key: 'k1', value: { n: 1, tag: 'x' }, ttl: 1 },
      { op: 'advance', ms: 61_000 },
      { op: 'namespaces', prefix: undefined, suffix: undefined, depth: undefined, limit: 10, offset: 0 },
      { op: 'delete', ns: ['a', 'b'], key: 'k1' },
    ],
  ],
];

describe('store semantics against a reference model', () => {
  it('memory backend', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => run(ops, new MemoryStorage())),
      { numRuns: 150, examples },
    );
  }, 120_000);

  it('memory backend with sealed fields (encryption is invisible to every answer)', async () => {
    const encryption = {
      cipher: FieldCipher.fromText('5e'.repeat(32)),
      sensitive: [
        { prefix: ['a'], paths: ['tag'] },
        { prefix: [], paths: ['n'] },
      ],
    };
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), (ops) => run(ops, new MemoryStorage(), { encryption })),
      { numRuns: 60, examples },
    );
  }, 120_000);

  it('lmdb backend', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
        const dir = await mkdtemp(join(tmpdir(), 'troupe-store-prop-'));
        try {
          await run(ops, new LmdbStorage(dir));
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 25, examples },
    );
  }, 180_000);

  describe('on JetStream KV', () => {
    let server: NatsServer;
    beforeAll(async () => {
      server = await NatsServer.start();
    }, 30_000);
    afterAll(async () => {
      await server.stop();
    });

    it('jetstream backend', async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) =>
          run(ops, await JetStreamStorage.connect({ servers: [server.url], prefix: `sm${process.pid}x${n++}` })),
        ),
        { numRuns: 30, examples },
      );
    }, 240_000);
  });
});
