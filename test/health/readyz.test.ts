/**
 * `/readyz` over real HTTP against a real gateway (docs/gateway-operations.md, “GET /readyz”): ready, not ready
 * while draining, when its storage is closed under it, when the data directory has less free space than the
 * threshold; details for admins only; `sys.health.changed` when the verdict flips.
 */
import { statfsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Gateway, allRoutes, generateApiKey, type ReadinessOptions } from '../../gateway/index.js';
import { healthEventSchema, type HealthEvent } from '../../protocols/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { LmdbStorage } from '../../runtime/lmdb/index.js';
import { createSystem } from '../../supervisors/index.js';
import { noAgentDeps } from '../gateway/catalog-fixture.js';
import { tempDir } from '../storage/tmp.js';
import { eventually } from '../transport/contract.js';

const admin = generateApiKey();
const user = generateApiKey();
const KEYS = [
  { id: 'ops', hash: admin.hash, tenant: 'acme', roles: ['admin' as const] },
  { id: 'dev', hash: user.hash, tenant: 'acme', roles: ['user' as const] },
];
const CHECKS = ['system', 'drain', 'storage', 'nats', 'disk', 'breakers'];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

interface Node {
  readonly system: ActorSystem;
  readonly gateway: Gateway;
  serving: boolean;
}

/**
 * The breakers a node of this file watches: none unless a test gives some. Test files share their worker's process
 * (`isolate: false`), and the default, every breaker of the process, would see one another file's provider left open.
 */
async function start(options: ReadinessOptions, system?: ActorSystem): Promise<Node> {
  const readiness: ReadinessOptions = { breakers: () => [], ...options };
  const s = system ?? (await createSystem({ warn: () => undefined }));
  cleanups.push(() => s.shutdown());
  const node = { system: s, serving: true } as Node;
  const deps = await noAgentDeps(s, () => node.serving);
  const gateway = await Gateway.start({ deps, routes: allRoutes(deps), port: 0, auth: { keys: KEYS }, readiness, warn: () => undefined });
  cleanups.push(() => gateway.close());
  return Object.assign(node, { gateway });
}

const get = async (n: Node, key?: string): Promise<{ status: number; body: Record<string, unknown> }> => {
  const res = await fetch(`${n.gateway.url}/readyz`, key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const checks = (body: Record<string, unknown>): Record<string, { ok: boolean; detail: string }> =>
  body['checks'] as Record<string, { ok: boolean; detail: string }>;

describe('/readyz', () => {
  it('is 200 when every check passes; admins see each check, others only the status', async () => {
    const n = await start({ dataDir: tempDir('readyz'), minFreeDiskBytes: 1, intervalMs: 0 });
    const a = await get(n, admin.key);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ status: 'ready', node: n.system.node });
    expect(Object.keys(checks(a.body)).sort()).toEqual([...CHECKS].sort());
    for (const c of CHECKS) expect(checks(a.body)[c]?.ok).toBe(true);
    expect(checks(a.body)['storage']?.detail).toContain('memory storage');
    expect(checks(a.body)['disk']?.detail).toMatch(/MiB free/);
    for (const key of [user.key, undefined, 'not-a-key']) {
      const r = await get(n, key);
      expect(r).toEqual({ status: 200, body: { status: 'ready' } });
    }
  });

  it('is 503 while a model provider’s circuit breaker is open', async () => {
    const state = { value: 'open' };
    const n = await start({ intervalMs: 0, breakers: () => [{ name: 'openai', state: state.value }] });
    const a = await get(n, admin.key);
    expect(a.status).toBe(503);
    expect(checks(a.body)['breakers']?.ok).toBe(false);
    expect(checks(a.body)['breakers']?.detail).toContain('openai');
    state.value = 'closed';
    expect((await get(n)).status).toBe(200);
  });

  it('is 503 while the node is draining', async () => {
    const n = await start({ intervalMs: 0 });
    n.serving = false;
    const a = await get(n, admin.key);
    expect(a.status).toBe(503);
    expect(a.body['status']).toBe('not_ready');
    expect(checks(a.body)['drain']).toEqual({ ok: false, detail: 'not serving (starting or draining)' });
    expect(checks(a.body)['storage']?.ok).toBe(true);
    expect(await get(n, user.key)).toEqual({ status: 503, body: { status: 'not_ready' } });
    n.serving = true;
    expect((await get(n)).status).toBe(200);
  });

  it('is 503 when its storage fails (the lmdb data directory closed under it)', async () => {
    const storage = new LmdbStorage(tempDir('readyz-lmdb'));
    const system = await createSystem({ storage, warn: () => undefined });
    const n = await start({ intervalMs: 0 }, system);
    expect((await get(n)).status).toBe(200);
    await storage.close();
    const a = await get(n, admin.key);
    expect(a.status).toBe(503);
    expect(checks(a.body)['storage']).toMatchObject({ ok: false, detail: expect.stringContaining('lmdb storage failed') });
    expect(checks(a.body)['drain']?.ok).toBe(true);
  });

  it('is 503 when the data directory has less free space than the threshold', async () => {
    const dir = tempDir('readyz-disk');
    const s = statfsSync(dir);
    const free = s.bavail * s.bsize;
    const n = await start({ dataDir: dir, minFreeDiskBytes: free * 2 + 1, intervalMs: 0 });
    const a = await get(n, admin.key);
    expect(a.status).toBe(503);
    expect(checks(a.body)['disk']).toMatchObject({ ok: false, detail: expect.stringContaining(dir) });
    expect(
      Object.entries(checks(a.body))
        .filter(([, c]) => !c.ok)
        .map(([k]) => k),
    ).toEqual(['disk']);
  });

  it('publishes sys.health.changed when the verdict flips, and only then', async () => {
    const n = await start({ intervalMs: 20 });
    const seen: HealthEvent[] = [];
    n.system.subscribe('sys.health.changed', (e) => seen.push(healthEventSchema.parse(e.payload)));
    await eventually(() => seen.length === 1, 5_000, 'first verdict');
    expect(seen[0]).toMatchObject({ node: n.system.node, ready: true, failing: [] });
    n.serving = false;
    await eventually(() => seen.length === 2, 5_000, 'not ready');
    expect(seen[1]).toMatchObject({ ready: false, failing: ['drain'] });
    n.serving = true;
    await eventually(() => seen.length === 3, 5_000, 'ready again');
    expect(seen.map((e) => e.ready)).toEqual([true, false, true]);
  });
});
