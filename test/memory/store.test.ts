/**
 * The long-term store actor through a real ActorSystem (memory storage, simulated clock):
 * LangGraph store semantics for put/get/delete/search/namespaces, clear rejections, TTLs that
 * a real sweeper deletes from storage, and natural-language search on indexed namespaces.
 */
import { afterEach, describe, expect, it } from 'vitest';
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
import { MemoryStorage, SimulatedClock, type ActorRef, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { storeBehavior, STORE_REEMBED, STORE_SWEEP, STORE_BUCKET, type StoreActorOptions } from '../../actors/memory/store/index.js';
import { HashingTestEmbedder } from '../../actors/memory/embedders/test-embedder.js';

const systems: ActorSystem[] = [];
afterEach(async () => {
  for (const s of systems.splice(0)) await s.shutdown();
});

async function start(options: StoreActorOptions = {}, tenant = 'acme') {
  const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
  const storage = new MemoryStorage();
  const system = await createSystem({ storage, clock });
  systems.push(system);
  const ref = await system.spawn(STORE_ADDRESS, storeBehavior({ sweepMs: 1000, ...options }), { tenant });
  return { system, ref, clock, storage };
}

const rejection = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isTroupeError(e)) throw new Error(`expected a TroupeError, got ${String(e)}`);
  return e;
};

const put = (ref: ActorRef, namespace: string[], key: string, value: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ref.ask<StoreItem>(STORE_PUT, { namespace, key, value, ...extra });
const search = (ref: ActorRef, body: Record<string, unknown>) => ref.ask<StoreSearchReply>(STORE_SEARCH, body);

describe('store actor: items', () => {
  it('puts, gets (timestamps kept across updates), replaces and deletes', async () => {
    const { ref, clock } = await start();
    const first = await put(ref, ['users', 'u1'], 'prefs', { theme: 'dark' });
    expect(first).toMatchObject({
      namespace: ['users', 'u1'],
      key: 'prefs',
      value: { theme: 'dark' },
      created_at: '2026-01-01T00:00:00.000Z',
    });
    await clock.advance(5000);
    await put(ref, ['users', 'u1'], 'prefs', { theme: 'light' });
    const got = await ref.ask<StoreItem>(STORE_GET, { namespace: ['users', 'u1'], key: 'prefs' });
    expect(got).toEqual({
      namespace: ['users', 'u1'],
      key: 'prefs',
      value: { theme: 'light' },
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:05.000Z',
    });
    expect(await ref.ask(STORE_DELETE, { namespace: ['users', 'u1'], key: 'prefs' })).toEqual({ deleted: true });
    expect(await ref.ask(STORE_DELETE, { namespace: ['users', 'u1'], key: 'prefs' })).toEqual({ deleted: false });
    const e = await rejection(ref.ask(STORE_GET, { namespace: ['users', 'u1'], key: 'prefs' }));
    expect(e.code).toBe('not_found');
    expect(e.message).toBe('no item "prefs" in namespace users.u1');
  });

  it('refuses bad input with a clear bad_request and keeps serving', async () => {
    const { ref } = await start();
    const cases: [string, unknown, RegExp][] = [
      [STORE_PUT, { namespace: ['a.b'], key: 'k', value: {} }, /periods/],
      [STORE_PUT, { namespace: [], key: 'k', value: {} }, /namespace cannot be empty/],
      [STORE_PUT, { namespace: ['a', ''], key: 'k', value: {} }, /labels cannot be empty/],
      [STORE_PUT, { namespace: ['langgraph'], key: 'k', value: {} }, /root label/],
      [STORE_PUT, { namespace: ['a'], key: 'k', value: 'text' }, /value/],
      [STORE_PUT, { namespace: ['a'], key: '', value: {} }, /key cannot be empty/],
      [STORE_PUT, { namespace: ['a'], key: 'k', value: {}, ttl: -1 }, /ttl/],
      [STORE_PUT, { namespace: ['a'], key: 'k'.repeat(600), value: {} }, /keys are at most 512 characters/],
      [
        STORE_PUT,
        { namespace: Array.from({ length: 7 }, () => 'x'.repeat(128)), key: 'k'.repeat(200), value: {} },
        /at most 1000 UTF-8 bytes/,
      ],
      [STORE_SEARCH, { namespace_prefix: ['a'], filter: { n: { $in: [1] } } }, /unsupported operator "\$in"/],
      [STORE_SEARCH, { namespace_prefix: ['a'], limit: 0 }, /limit/],
      [STORE_NAMESPACES, { max_depth: 0 }, /max_depth/],
    ];
    await put(ref, ['a'], 'ok', { n: 1 });
    for (const [type, body, why] of cases) {
      const e = await rejection(ref.ask(type, body));
      expect(e.code, JSON.stringify(body)).toBe('bad_request');
      expect(e.message).toMatch(why);
    }
    expect((await ref.ask<StoreItem>(STORE_GET, { namespace: ['a'], key: 'ok' })).value).toEqual({ n: 1 });
  });
});

describe('store actor: search and namespaces', () => {
  it('searches a namespace prefix with equality and $-operator filters, newest first, paged', async () => {
    const { ref, clock } = await start();
    const people = [
      ['alice', { age: 31, city: 'Oslo', tags: ['a', 'b'], profile: { tier: 'gold', since: 2020 } }],
      ['bob', { age: 25, city: 'Lima', tags: ['a'], profile: { tier: 'silver', since: 2021 } }],
      ['carol', { age: 40, city: 'Oslo', tags: ['a', 'b'], profile: { tier: 'gold', since: 2019 } }],
      ['dave', { age: 18, city: 'Pune', tags: [], profile: { tier: 'bronze', since: 2024 } }],
    ] as const;
    for (const [name, value] of people) {
      await put(ref, ['org', 'people'], name, value);
      await clock.advance(1000);
    }
    await put(ref, ['org2', 'people'], 'eve', { age: 50, city: 'Oslo' });
    const keys = async (body: Record<string, unknown>) =>
      (await search(ref, { namespace_prefix: ['org'], ...body })).items.map((i) => i.key);
    expect(await keys({})).toEqual(['dave', 'carol', 'bob', 'alice']);
    expect(await keys({ filter: { city: 'Oslo' } })).toEqual(['carol', 'alice']);
    expect(await keys({ filter: { age: { $gte: 25, $lt: 40 } } })).toEqual(['bob', 'alice']);
    expect(await keys({ filter: { city: { $ne: 'Oslo' } } })).toEqual(['dave', 'bob']);
    expect(await keys({ filter: { profile: { tier: 'gold' } } })).toEqual(['carol', 'alice']);
    expect(await keys({ filter: { tags: ['a', 'b'] } })).toEqual(['carol', 'alice']);
    expect(await keys({ filter: { city: { $gt: 'M' } } })).toEqual(['dave', 'carol', 'alice']);
    expect(await keys({ filter: { city: 'Oslo', age: { $gt: 35 } } })).toEqual(['carol']);
    expect(await keys({ limit: 2, offset: 1 })).toEqual(['carol', 'bob']);
    expect(await keys({ offset: 10 })).toEqual([]);
    expect((await search(ref, {})).items.map((i) => i.key)).toEqual(['eve', 'dave', 'carol', 'bob', 'alice']);
    expect((await search(ref, { namespace_prefix: ['org', 'people', 'x'] })).items).toEqual([]);
    expect((await search(ref, {})).items[0]).not.toHaveProperty('score');
  });

  it('lists namespaces with prefix, suffix, * wildcards, max_depth and paging (LangGraph rules)', async () => {
    const { ref } = await start();
    const spaces = [['a', 'b', 'c'], ['a', 'b', 'd'], ['a', 'x'], ['b', 'b', 'c'], ['a']];
    for (const ns of spaces) await put(ref, ns, 'k', {});
    const list = async (body: Record<string, unknown>) => (await ref.ask<{ namespaces: string[][] }>(STORE_NAMESPACES, body)).namespaces;
    expect(await list({})).toEqual([['a'], ['a', 'b', 'c'], ['a', 'b', 'd'], ['a', 'x'], ['b', 'b', 'c']]);
    expect(await list({ prefix: ['a', 'b'] })).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'd'],
    ]);
    expect(await list({ prefix: ['*', 'b'] })).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'd'],
      ['b', 'b', 'c'],
    ]);
    expect(await list({ suffix: ['c'] })).toEqual([
      ['a', 'b', 'c'],
      ['b', 'b', 'c'],
    ]);
    expect(await list({ suffix: ['*', 'c'] })).toEqual([
      ['a', 'b', 'c'],
      ['b', 'b', 'c'],
    ]);
    expect(await list({ prefix: ['a'], max_depth: 2 })).toEqual([['a'], ['a', 'b'], ['a', 'x']]);
    expect(await list({ limit: 2, offset: 1 })).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'd'],
    ]);
    await ref.ask(STORE_DELETE, { namespace: ['a', 'x'], key: 'k' });
    expect(await list({ prefix: ['a'], max_depth: 2 })).toEqual([['a'], ['a', 'b']]);
  });
});

describe('store actor: TTL', () => {
  it('a real sweeper deletes expired items from storage; reads refresh the TTL unless told not to', async () => {
    const { ref, clock, storage } = await start({ sweepMs: 10_000 });
    await put(ref, ['s'], 'short', { v: 1 }, { ttl: 1 });
    await put(ref, ['s'], 'kept', { v: 2 }, { ttl: 1 });
    await put(ref, ['s'], 'forever', { v: 3 });
    const raw = async () => (await storage.bucket(STORE_BUCKET).list(['acme', 'i'])).map((e) => e.key[3]).sort();
    await clock.advance(40_000);
    await ref.ask(STORE_GET, { namespace: ['s'], key: 'kept' }); // refreshes: expires at 100 s
    await ref.ask(STORE_GET, { namespace: ['s'], key: 'short', refresh_ttl: false });
    await clock.advance(30_000); // t = 70 s: 'short' expired at 60 s, swept at the 70 s tick
    expect(await raw()).toEqual(['forever', 'kept']);
    expect((await storage.bucket(STORE_BUCKET).list(['acme', 'x'])).length).toBe(1);
    await clock.advance(40_000); // t = 110 s
    expect(await raw()).toEqual(['forever']);
    expect((await storage.bucket(STORE_BUCKET).list(['acme', 'x'])).length).toBe(0);
    expect((await rejection(ref.ask(STORE_GET, { namespace: ['s'], key: 'kept' }))).code).toBe('not_found');
  });

  it('an expired item is gone for reads before the sweeper runs, and a search refreshes what it returns', async () => {
    const { ref, clock, storage } = await start({ sweepMs: 3_600_000 });
    await put(ref, ['s'], 'a', { v: 1 }, { ttl: 1 });
    await put(ref, ['s'], 'b', { v: 2 }, { ttl: 2 });
    await clock.advance(61_000);
    expect((await search(ref, { namespace_prefix: ['s'], refresh_ttl: true })).items.map((i) => i.key)).toEqual(['b']);
    expect(await storage.bucket(STORE_BUCKET).get(['acme', 'i', 's', 'a'])).toBeUndefined();
    await clock.advance(100_000); // b was refreshed at 61 s to 181 s
    expect((await ref.ask<StoreItem>(STORE_GET, { namespace: ['s'], key: 'b' })).value).toEqual({ v: 2 });
    await clock.advance(121_000);
    expect((await search(ref, { namespace_prefix: ['s'] })).items).toEqual([]);
    expect(await ref.ask(STORE_NAMESPACES, {})).toEqual({ namespaces: [] });
    expect(await ref.ask(STORE_SWEEP)).toEqual({ removed: 0 });
  });

  it('a large backlog is swept in bounded steps, one right after another', async () => {
    const { ref, clock, storage } = await start({ sweepMs: 60_000 });
    for (let i = 0; i < 2100; i++) await put(ref, ['bulk'], `k${i}`, { i }, { ttl: 0.5 });
    await put(ref, ['bulk'], 'stays', {});
    expect(await ref.ask(STORE_SWEEP)).toEqual({ removed: 0 });
    await clock.advance(31_000);
    expect(await ref.ask(STORE_SWEEP)).toEqual({ removed: 2000 }); // the bound
    await clock.advance(0); // the next sweep was scheduled at once, not a minute later
    expect((await storage.bucket(STORE_BUCKET).list(['acme', 'i'])).map((e) => e.key[3])).toEqual(['stays']);
    expect((await storage.bucket(STORE_BUCKET).list(['acme', 'x'])).length).toBe(0);
  });

  it('ttl null means no expiry even with a default TTL; absent takes the default', async () => {
    const { ref, clock } = await start({ defaultTtlMinutes: 1 });
    await put(ref, ['d'], 'default', {});
    await put(ref, ['d'], 'never', {}, { ttl: null });
    await clock.advance(61_000);
    expect((await search(ref, { namespace_prefix: ['d'] })).items.map((i) => i.key)).toEqual(['never']);
  });
});

describe('store actor: natural-language search', () => {
  const docs: [string, string][] = [
    ['m1', 'the user likes hiking in the mountains'],
    ['m2', 'favourite food is spicy ramen noodles'],
    ['m3', 'works as a nurse on night shifts'],
    ['m4', 'owns two cats named miso and tofu'],
  ];

  it('ranks items of an indexed namespace by similarity to the query, with scores, filters and paging', async () => {
    const embedder = new HashingTestEmbedder(256);
    const { ref, system } = await start({ index: { embedder, rules: [{ prefix: ['memories'], fields: ['text'] }] } });
    for (const [key, text] of docs) await put(ref, ['memories', 'u1'], key, { text, kind: key === 'm4' ? 'pet' : 'fact' });
    await put(ref, ['notes'], 'n1', { text: 'cats named miso' }); // not indexed
    const r = await search(ref, { namespace_prefix: ['memories'], query: 'what are the cats named?' });
    expect(r.items[0]?.key).toBe('m4');
    expect(r.items.every((i) => typeof i.score === 'number')).toBe(true);
    const scores = r.items.map((i) => i.score as number);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect((await search(ref, { namespace_prefix: ['memories'], query: 'ramen food', limit: 1 })).items.map((i) => i.key)).toEqual(['m2']);
    expect(
      (await search(ref, { namespace_prefix: ['memories'], query: 'cats', filter: { kind: 'fact' } })).items.map((i) => i.key),
    ).not.toContain('m4');
    // A query where nothing is indexed is refused, not silently ignored; without one the items list unscored.
    await expect(search(ref, { namespace_prefix: ['notes'], query: 'cats' })).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('not indexed'),
    });
    const notes = await search(ref, { namespace_prefix: ['notes'] });
    expect(notes.items).toHaveLength(1);
    expect(notes.items[0]).not.toHaveProperty('score');
    expect(system).toBeDefined();
  });

  it('index:false and index:[fields] on put override the namespace rule; unindexed items follow scored ones', async () => {
    const embedder = new HashingTestEmbedder(256);
    const { ref } = await start({ index: { embedder, rules: [{ prefix: ['m'], fields: ['text'] }] } });
    await put(ref, ['m'], 'plain', { text: 'cats and dogs' }, { index: false });
    await put(ref, ['m'], 'title', { text: 'unrelated words', title: 'cats and dogs' }, { index: ['title'] });
    await put(ref, ['m'], 'other', { text: 'stock market news' });
    const r = await search(ref, { namespace_prefix: ['m'], query: 'cats and dogs' });
    expect(r.items.map((i) => i.key)).toEqual(['title', 'other', 'plain']);
    expect(r.items[2]).not.toHaveProperty('score');
    expect(r.items[0]?.score).toBeGreaterThan(r.items[1]?.score as number);
  });

  it('deleting or re-putting an item updates the index; re-activation rebuilds it from stored vectors without re-embedding', async () => {
    const embedder = new HashingTestEmbedder(256);
    let calls = 0;
    const counting = {
      id: embedder.id,
      dims: embedder.dims,
      close: () => embedder.close(),
      embed: (t: readonly string[]) => ((calls += t.length), embedder.embed(t)),
    };
    const options: StoreActorOptions = { index: { embedder: counting, rules: [{ prefix: [], fields: ['$'] }] } };
    const { ref, system } = await start(options);
    for (const [key, text] of docs) await put(ref, ['mem'], key, { text });
    await ref.ask(STORE_DELETE, { namespace: ['mem'], key: 'm4' });
    await put(ref, ['mem'], 'm3', { text: 'cats named miso and tofu' });
    const top = async () => (await search(ref, { query: 'cats miso tofu', limit: 1 })).items[0]?.key;
    expect(await top()).toBe('m3');
    await system.stop(ref);
    const before = calls;
    const again = await system.spawn(STORE_ADDRESS, storeBehavior(options), { tenant: 'acme' });
    expect(calls).toBe(before); // vectors came from storage
    expect((await search(again, { query: 'cats miso tofu', limit: 1 })).items[0]?.key).toBe('m3');
  });

  it('after an embedder change, items are re-embedded in batches after activation, not during it', async () => {
    const { ref, system, storage, clock } = await start({
      index: { embedder: new HashingTestEmbedder(64), rules: [{ prefix: [], fields: ['text'] }] },
    });
    for (let i = 0; i < 40; i++)
      await put(ref, ['mem'], `k${i}`, { text: i === 7 ? 'the lighthouse keeper feeds gulls' : `filler note number ${i}` });
    await system.stop(ref);
    const next = new HashingTestEmbedder(128);
    let embedded = 0;
    const counting = {
      id: next.id,
      dims: next.dims,
      close: () => next.close(),
      embed: (t: readonly string[]) => ((embedded += t.length), next.embed(t)),
    };
    const again = await system.spawn(
      STORE_ADDRESS,
      storeBehavior({ sweepMs: 1000, index: { embedder: counting, rules: [{ prefix: [], fields: ['text'] }] } }),
      { tenant: 'acme' },
    );
    expect(embedded).toBe(0); // activation itself embeds nothing
    expect((await search(again, { query: 'lighthouse keeper', limit: 1 })).items[0]).not.toHaveProperty('score');
    await clock.advance(0); // the first batch, scheduled at activation
    let waiting = (await again.ask<{ waiting: number }>(STORE_REEMBED)).waiting;
    while (waiting > 0) waiting = (await again.ask<{ waiting: number }>(STORE_REEMBED)).waiting;
    expect(embedded).toBe(40);
    const top = (await search(again, { query: 'lighthouse keeper', limit: 1 })).items[0];
    expect(top?.key).toBe('k7');
    expect(top?.score).toBeGreaterThan(0.5);
    const models = new Set((await storage.bucket(STORE_BUCKET).list<{ model: string }>(['acme', 'v'])).map((e) => e.value.model));
    expect([...models]).toEqual([next.id]);
  });

  it('vectors go with their item even when the store restarts without an embedder', async () => {
    const embedder = new HashingTestEmbedder(64);
    const { ref, system, storage } = await start({ index: { embedder, rules: [{ prefix: [], fields: ['text'] }] } });
    await put(ref, ['mem'], 'a', { text: 'alpha' });
    await put(ref, ['mem'], 'b', { text: 'beta' });
    const vecs = async () => (await storage.bucket(STORE_BUCKET).list(['acme', 'v'])).map((e) => e.key[3]);
    expect(await vecs()).toEqual(['a', 'b']);
    await system.stop(ref);
    const plain = await system.spawn(STORE_ADDRESS, storeBehavior(), { tenant: 'acme' });
    await plain.ask(STORE_DELETE, { namespace: ['mem'], key: 'a' });
    await put(plain, ['mem'], 'b', { text: 'beta, rewritten' });
    expect(await vecs()).toEqual([]);
  });
});
