/**
 * The store's state lives in storage, not in the activation: it survives a process killed right
 * after its writes (lmdb data dir, read back by another process), a re-activation on another node
 * of an in-process mesh sharing one storage, and a re-activation on another node of a JetStream
 * mesh (JetStream KV storage, real nats-server).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import {
  STORE_ADDRESS,
  STORE_GET,
  STORE_NAMESPACES,
  STORE_PUT,
  STORE_SEARCH,
  type StoreItem,
  type StoreSearchReply,
} from '../../protocols/index.js';
import { MemoryHub, MemoryStorage, MemoryTransport, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { storeBehavior, type StoreActorOptions } from '../../actors/memory/store/index.js';
import { HashingTestEmbedder } from '../../actors/memory/embedders/test-embedder.js';
import { NatsServer } from '../nats/server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const systems: ActorSystem[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of systems.splice(0).reverse()) await s.shutdown().catch(() => undefined);
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function child(
  dir: string,
  mode: 'write' | 'read',
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  const p = spawn(process.execPath, ['--import', 'tsx', 'test/memory/fixtures/store-child.ts', dir, mode], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stdout.on('data', (b: Buffer) => (out += b.toString()));
  p.stderr.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((r) => p.once('exit', (code, signal) => r({ code, signal, out, err })));
}

const options = (): StoreActorOptions => ({
  index: { embedder: new HashingTestEmbedder(128), rules: [{ prefix: ['mem'], fields: ['text'] }] },
});

async function writeSome(system: ActorSystem, tenant: string): Promise<void> {
  const ref = system.ref(STORE_ADDRESS, tenant);
  await ref.ask(STORE_PUT, { namespace: ['mem', 'u1'], key: 'a', value: { text: 'the cat sleeps on the warm windowsill' } });
  await ref.ask(STORE_PUT, { namespace: ['mem', 'u1'], key: 'b', value: { text: 'quarterly revenue grew by ten percent' } });
  await ref.ask(STORE_PUT, { namespace: ['prefs'], key: 'theme', value: { dark: true } });
}

async function readBack(system: ActorSystem, tenant: string): Promise<void> {
  const ref = system.ref(STORE_ADDRESS, tenant);
  expect((await ref.ask<StoreItem>(STORE_GET, { namespace: ['prefs'], key: 'theme' })).value).toEqual({ dark: true });
  const hits = await ref.ask<StoreSearchReply>(STORE_SEARCH, { namespace_prefix: ['mem'], query: 'where does the cat sleep', limit: 1 });
  expect(hits.items.map((i) => i.key)).toEqual(['a']);
  expect(hits.items[0]?.score).toBeGreaterThan(0.3);
  expect(await ref.ask(STORE_NAMESPACES, {})).toEqual({ namespaces: [['mem', 'u1'], ['prefs']] });
}

describe('store persistence', () => {
  it('survives its process being killed right after the writes: another process reads it all from the lmdb dir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'troupe-store-proc-'));
    dirs.push(dir);
    const w = await child(dir, 'write');
    expect(w.signal, w.err).toBe('SIGKILL');
    const r = await child(dir, 'read');
    expect(r.code, r.err).toBe(0);
    const seen = JSON.parse(r.out) as { profile: StoreItem; hits: [string, number][]; namespaces: unknown; soon: StoreItem };
    expect(seen.profile.value).toEqual({ name: 'Ada', ssn: '078-05-1120' });
    expect(seen.hits[0]?.[0]).toBe('m2');
    expect(seen.namespaces).toEqual({ namespaces: [['mem', 'ada'], ['tmp'], ['users', 'ada']] });
    expect(seen.soon.value).toEqual({ v: 1 });
  }, 60_000);

  it('re-activates on another node of an in-process mesh that shares the storage', async () => {
    const hub = new MemoryHub();
    const storage = new MemoryStorage();
    const a = await createSystem({ node: 'a', transport: new MemoryTransport({ hub }), storage });
    const b = await createSystem({ node: 'b', transport: new MemoryTransport({ hub }), storage });
    systems.push(a, b);
    const ref = await a.spawn(STORE_ADDRESS, storeBehavior(options()), { tenant: 'acme' });
    await writeSome(b, 'acme'); // asked from node b, handled on node a
    await a.stop(ref);
    await b.spawn(STORE_ADDRESS, storeBehavior(options()), { tenant: 'acme' });
    await readBack(a, 'acme');
    await readBack(b, 'acme');
    // Another tenant's store sees none of it.
    await b.spawn(STORE_ADDRESS, storeBehavior(options()), { tenant: 'other' });
    expect(await b.ref(STORE_ADDRESS, 'other').ask(STORE_NAMESPACES, {})).toEqual({ namespaces: [] });
  });

  describe('on JetStream', () => {
    let server: NatsServer;
    beforeAll(async () => {
      server = await NatsServer.start();
    }, 30_000);
    afterAll(async () => {
      await server.stop();
    });

    it('re-activates on another node of a JetStream mesh and finds its items in JetStream KV', async () => {
      const config = configSchema.parse({ transport: { kind: 'jetstream', servers: [server.url], prefix: `st${process.pid}` } });
      const a = await createSystem({ config, node: 'ja' });
      systems.push(a);
      const b = await createSystem({ config, node: 'jb' });
      systems.push(b);
      expect(a.storage.kind).toBe('jetstream');
      const ref = await a.spawn(STORE_ADDRESS, storeBehavior(options()), { tenant: 'acme' });
      await writeSome(b, 'acme');
      await a.stop(ref);
      await b.spawn(STORE_ADDRESS, storeBehavior(options()), { tenant: 'acme' });
      await readBack(a, 'acme');
      await readBack(b, 'acme');
    }, 60_000);
  });
});
