/**
 * RAG collections on real storage backends, with the hashing test embedder (plumbing, not
 * quality): ingest / re-ingest / unchanged / dedup by content hash / delete, citations, filters,
 * the rerank hook; reopening after a restart (lmdb) loads the index and a corrupt index is
 * rebuilt; the collection actor refuses bad input without crashing, and a re-activation on
 * another node finds the collection in JetStream KV; the search and remember tools.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HashingTestEmbedder } from '../../actors/memory/embedders/index.js';
import {
  collectionAddress,
  collectionSearchTool,
  RAG_DELETE,
  RAG_INGEST,
  RAG_SEARCH,
  RAG_STATS,
  RagCollection,
  rememberTool,
  spawnCollection,
  type CollectionStats,
  type IngestReply,
  type SearchReply,
} from '../../actors/memory/rag/index.js';
import { TOOL_CALL, spawnTool, type ToolCallResult } from '../../actors/tool/index.js';
import { isTroupeError } from '../../protocols/index.js';
import { MemoryStorage, seqKey, type ActorSystem, type Storage } from '../../runtime/index.js';
import { JetStreamStorage } from '../../runtime/jetstream/index.js';
import { LmdbStorage } from '../../runtime/lmdb/index.js';
import { createSystem } from '../../supervisors/index.js';
import { NatsServer } from '../nats/server.js';

const embedder = new HashingTestEmbedder(128);
const MARS = `# Mars

Mars is the fourth planet from the Sun. Its red colour comes from iron oxide on its surface.

## Moons

Mars has two small moons, Phobos and Deimos. Phobos orbits closer than any other known moon.`;
const IRON = '<h1>Iron</h1><p>Iron is a metal &amp; the element with atomic number 26.</p><p>Steel is made from iron and carbon.</p>';

const open = (storage: Storage, name = 'kb'): Promise<RagCollection> =>
  RagCollection.open({ name, embedder, bucket: storage.bucket('memory'), chunking: { maxChars: 200, overlapChars: 40 } });

describe('RagCollection', () => {
  it('ingests formats with citations into the source, and filters on metadata', async () => {
    const c = await open(new MemoryStorage());
    const r = await c.ingest([
      { id: 'mars', content: MARS, format: 'markdown', metadata: { topic: 'planets' } },
      { id: 'iron', content: IRON, format: 'html', metadata: { topic: 'elements' } },
    ]);
    expect(r).toEqual([
      { id: 'mars', status: 'added', chunks: 2, duplicates: 0, embedded: 2 },
      { id: 'iron', status: 'added', chunks: 1, duplicates: 0, embedded: 1 },
    ]);
    const [hit] = await c.search({ query: 'moons of Mars Phobos Deimos', k: 1 });
    expect(hit).toMatchObject({
      id: 'mars#1',
      headings: ['Mars', 'Moons'],
      citation: { documentId: 'mars', chunk: 1 },
      metadata: { topic: 'planets', documentId: 'mars', format: 'markdown', section: 'Mars > Moons' },
    });
    expect(MARS.slice(hit?.citation.start, hit?.citation.end)).toBe(hit?.text);
    expect(hit?.vectorScore).toBeGreaterThan(0);
    expect(hit?.keywordScore).toBeGreaterThan(0);
    const [steel] = await c.search({ query: 'steel carbon', k: 1, mode: 'keyword' });
    expect(IRON.slice(steel?.citation.start, steel?.citation.end)).toBe(
      'Iron is a metal &amp; the element with atomic number 26.</p><p>Steel is made from iron and carbon.',
    );
    const filtered = await c.search({ query: 'iron', k: 5, filter: { topic: 'planets' } });
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((h) => h.citation.documentId === 'mars')).toBe(true);
    expect(await c.search({ query: 'iron', k: 5, filter: { topic: 'nothing' } })).toEqual([]);
    expect(c.stats()).toMatchObject({ documents: 2, chunks: 3, indexed: 3, dims: 128, embedder: 'hashing-test/128' });
  });

  it('re-ingesting replaces a document, unchanged content is a no-op, stored vectors are reused', async () => {
    const c = await open(new MemoryStorage());
    await c.ingest([{ id: 'mars', content: MARS, format: 'markdown' }]);
    expect(await c.ingest([{ id: 'mars', content: MARS, format: 'markdown' }])).toEqual([
      { id: 'mars', status: 'unchanged', chunks: 2, duplicates: 0, embedded: 0 },
    ]);
    const edited = MARS.replace('two small moons', 'two tiny moons');
    expect(await c.ingest([{ id: 'mars', content: edited, format: 'markdown' }])).toEqual([
      { id: 'mars', status: 'replaced', chunks: 2, duplicates: 0, embedded: 1 },
    ]);
    const hits = await c.search({ query: 'tiny moons', k: 5, mode: 'keyword' });
    expect(hits.map((h) => h.text).join(' ')).toContain('two tiny moons');
    expect(hits.map((h) => h.text).join(' ')).not.toContain('two small moons');
    expect(c.stats()).toMatchObject({ documents: 1, chunks: 2, indexed: 2 });
  });

  it('indexes identical content once, and hands it to the copy when the owner goes', async () => {
    const c = await open(new MemoryStorage());
    const text = 'Saturn has a famous ring system made of ice.';
    await c.ingest([{ id: 'a', content: text }]);
    expect(await c.ingest([{ id: 'b', content: text, metadata: { copy: true } }])).toEqual([
      { id: 'b', status: 'added', chunks: 1, duplicates: 1, embedded: 0 },
    ]);
    expect((await c.search({ query: 'Saturn rings', k: 5 })).map((h) => h.id)).toEqual(['a#0']);
    expect(c.stats()).toMatchObject({ chunks: 2, indexed: 1 });
    expect(await c.delete(['a', 'missing'])).toBe(1);
    expect((await c.search({ query: 'Saturn rings', k: 5 })).map((h) => h.id)).toEqual(['b#0']);
    expect(c.stats()).toMatchObject({ documents: 1, chunks: 1, indexed: 1 });
  });

  it('refuses a bad document before changing anything, and applies the rerank hook', async () => {
    const storage = new MemoryStorage();
    const c = await open(storage);
    const err = await c
      .ingest([
        { id: 'ok', content: 'fine text' },
        { id: 'bad', content: '{"a": ', format: 'json' },
      ])
      .catch((e: unknown) => e);
    expect(isTroupeError(err, 'bad_request')).toBe(true);
    expect((err as Error).message).toMatch(/document "bad" is not valid json/);
    expect(c.stats().documents).toBe(0);
    const reversed = await RagCollection.open({
      name: 'kb',
      embedder,
      bucket: storage.bucket('memory'),
      rerank: (_q, hits) => [...hits].reverse(),
    });
    await reversed.ingest([
      { id: 'x', content: 'alpha beta' },
      { id: 'y', content: 'alpha gamma delta epsilon zeta' },
    ]);
    const plain = await reversed.search({ query: 'alpha beta', k: 2, rerank: false });
    const re = await reversed.search({ query: 'alpha beta', k: 2 });
    expect(re.map((h) => h.id)).toEqual([...plain.map((h) => h.id)].reverse());
  });
});

describe('an ingest cut short', () => {
  it('leaves an index that lags the stored chunks: the next activation sees it is stale and rebuilds', async () => {
    const storage = new MemoryStorage();
    const c = await open(storage);
    await c.ingest([{ id: 'mars', content: MARS, format: 'markdown' }]);
    // What a crash between the chunk writes and the index save leaves behind: a second copy of the
    // collection wrote a document, the index was never saved.
    const bucket = storage.bucket('memory');
    const manifest = await bucket.get(['rag', 'default', 'kb', 'index', 'manifest']);
    await c.ingest([{ id: 'iron', content: IRON, format: 'html' }]);
    await bucket.put(['rag', 'default', 'kb', 'index', 'manifest'], manifest);
    const again = await open(storage);
    expect(again.stats()).toMatchObject({ documents: 2, indexed: 3, index: { source: 'rebuilt', reason: 'stale' } });
    expect((await again.search({ query: 'steel carbon', k: 1, mode: 'vector' }))[0]?.citation.documentId).toBe('iron');
  });
});

describe('a document write cut short', () => {
  it('serves the chunks that were written, and re-ingesting the same content repairs it', async () => {
    const storage = new MemoryStorage();
    const c = await open(storage);
    await c.ingest([{ id: 'mars', content: MARS, format: 'markdown' }]);
    await storage.bucket('memory').delete(['rag', 'default', 'kb', 'chunk', Buffer.from('mars').toString('base64url'), seqKey(1)]);
    const damaged = await open(storage);
    expect(damaged.stats()).toMatchObject({ documents: 1, chunks: 1 });
    expect(await damaged.ingest([{ id: 'mars', content: MARS, format: 'markdown' }])).toEqual([
      { id: 'mars', status: 'replaced', chunks: 2, duplicates: 0, embedded: 1 },
    ]);
    expect((await open(storage)).stats()).toMatchObject({ documents: 1, chunks: 2, indexed: 2, index: { source: 'loaded' } });
  });
});

describe('persistence across restarts (lmdb)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'troupe-rag-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reopens with the stored index, and rebuilds a corrupt one with the same results', async () => {
    let storage: Storage = new LmdbStorage(dir);
    const c = await open(storage);
    await c.ingest([
      { id: 'mars', content: MARS, format: 'markdown' },
      { id: 'iron', content: IRON, format: 'html' },
    ]);
    const before = await c.search({ query: 'red iron oxide planet', k: 3 });
    await storage.close();

    storage = new LmdbStorage(dir);
    const again = await open(storage);
    expect(again.stats().index).toEqual({ source: 'loaded' });
    expect(await again.search({ query: 'red iron oxide planet', k: 3 })).toEqual(before);

    const key = ['rag', 'default', 'kb', 'index', 'chunk', seqKey(0)];
    const bytes = ((await storage.bucket('memory').get<Uint8Array>(key)) as Uint8Array).slice();
    bytes.fill(7, 20, 60);
    await storage.bucket('memory').put(key, bytes);
    await storage.close();

    storage = new LmdbStorage(dir);
    const rebuilt = await open(storage);
    expect(rebuilt.stats().index).toEqual({ source: 'rebuilt', reason: 'corrupt' });
    expect(await rebuilt.search({ query: 'red iron oxide planet', k: 3 })).toEqual(before);
    await storage.close();
    // The rebuilt index was saved: the next start loads it.
    storage = new LmdbStorage(dir);
    expect((await open(storage)).stats().index).toEqual({ source: 'loaded' });
    await storage.close();
  });
});

describe('collection actor and tools', () => {
  let server: NatsServer;
  const systems: ActorSystem[] = [];
  beforeAll(async () => {
    server = await NatsServer.start();
  });
  afterEach(async () => {
    await Promise.all(systems.splice(0).map((s) => s.shutdown()));
  });
  afterAll(() => server?.stop());

  const lifecycleTitle =
    'serves ingest/search/delete/stats, refuses bad payloads without crashing, and re-activates on another node from JetStream KV';
  it(lifecycleTitle, async () => {
    const prefix = `rag${process.pid}`;
    const a = await createSystem({ storage: await JetStreamStorage.connect({ servers: [server.url], prefix }), node: 'node-a' });
    systems.push(a);
    const ref = await spawnCollection(a, 'kb', { embedder, chunking: { maxChars: 200, overlapChars: 40 } });
    const ingest = await ref.ask<IngestReply>(RAG_INGEST, {
      documents: [
        { id: 'mars', content: MARS, format: 'markdown' },
        { id: 'iron', content: IRON, format: 'html' },
      ],
    });
    expect(ingest.documents.map((d) => d.status)).toEqual(['added', 'added']);
    const bad = await ref.ask(RAG_SEARCH, { query: '', k: 500 }).catch((e: unknown) => e);
    expect(isTroupeError(bad, 'bad_request')).toBe(true);
    expect((bad as Error).message).toMatch(/query/);
    expect(isTroupeError(await ref.ask('rag.nope', {}).catch((e: unknown) => e), 'bad_request')).toBe(true);
    const before = await ref.ask<SearchReply>(RAG_SEARCH, { query: 'Phobos Deimos moons', k: 2 });
    expect(before.hits[0]?.citation).toMatchObject({ documentId: 'mars', chunk: 1 });
    expect(await ref.ask(RAG_DELETE, { documentIds: ['iron'] })).toEqual({ removed: 1 });
    await a.shutdown();
    systems.length = 0;

    const b = await createSystem({ storage: await JetStreamStorage.connect({ servers: [server.url], prefix }), node: 'node-b' });
    systems.push(b);
    const ref2 = await spawnCollection(b, 'kb', { embedder });
    const stats = await ref2.ask<CollectionStats>(RAG_STATS, {});
    expect(stats).toMatchObject({ documents: 1, chunks: 2, indexed: 2, index: { source: 'loaded' } });
    const after = (await ref2.ask<SearchReply>(RAG_SEARCH, { query: 'Phobos Deimos moons', k: 2 })).hits;
    expect(after.map((h) => [h.id, h.citation, h.text])).toEqual(
      before.hits.filter((h) => h.citation.documentId === 'mars').map((h) => [h.id, h.citation, h.text]),
    );
  });

  it('gives agents search_<collection> and remember_<collection> tools', async () => {
    const s = await createSystem();
    systems.push(s);
    await spawnCollection(s, 'notes', { embedder });
    const search = collectionSearchTool(s, 'notes', { k: 3 });
    const remember = rememberTool(s, 'notes');
    expect([search.name, remember.name]).toEqual(['search_notes', 'remember_notes']);
    await spawnTool(s, search);
    await spawnTool(s, remember);
    const call = (name: string, args: Record<string, unknown>) =>
      s.ref(`tool/${name}`).ask<ToolCallResult>(TOOL_CALL, { name, arguments: args });
    const stored = await call('remember_notes', { text: 'The user prefers window seats on trains.', tags: ['travel'] });
    expect(stored.structuredContent).toMatchObject({ chunks: 1 });
    const found = await call('search_notes', { query: 'seat preference trains', filter: { tags: 'travel' } });
    const hits = (found.structuredContent as { hits: { text: string; citation: { documentId: string } }[] }).hits;
    expect(hits[0]?.text).toBe('The user prefers window seats on trains.');
    expect(hits[0]?.citation.documentId).toBe((stored.structuredContent as { id: string }).id);
    const badArgs = await call('search_notes', { query: 5 });
    expect(badArgs.isError).toBe(true);
    expect(collectionAddress('notes')).toBe('collection/notes');
  });
});
