/**
 * `/deadletters` over real HTTP against a real gateway (docs/gateway-operations.md, “Dead letters”): letters made
 * for real (a message to an address with no actor, a poison message), listed with filters and pages, inspected,
 * and redriven after the actor exists — delivered once however often the redrive is asked; admins only.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { Gateway, allRoutes, generateApiKey } from '../../gateway/index.js';
import { isTroupeError } from '../../protocols/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { noAgentDeps } from '../gateway/catalog-fixture.js';
import { eventually } from '../transport/contract.js';

const ops = generateApiKey();
const dev = generateApiKey();
const otherOps = generateApiKey();
const KEYS = [
  { id: 'ops', hash: ops.hash, tenant: 'acme', roles: ['admin' as const] },
  { id: 'dev', hash: dev.hash, tenant: 'acme', roles: ['user' as const] },
  { id: 'other', hash: otherOps.hash, tenant: 'other', roles: ['admin' as const] },
];

interface Letter {
  id: string;
  reason: string;
  envelope: { id: string; to: string; tenant: string; payload: unknown };
  redriven?: { node: string };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function start(): Promise<{ system: ActorSystem; url: string }> {
  const system = await createSystem({ config: configSchema.parse({ mailbox: { maxDeliveries: 2 } }), warn: () => undefined });
  cleanups.push(() => system.shutdown());
  const deps = await noAgentDeps(system);
  const gateway = await Gateway.start({ deps, routes: allRoutes(deps), port: 0, auth: { keys: KEYS }, warn: () => undefined });
  cleanups.push(() => gateway.close());
  return { system, url: gateway.url };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies of several shapes, checked by the assertions
const call = async (url: string, key: string, path: string, method = 'GET'): Promise<{ status: number; body: any }> => {
  const res = await fetch(`${url}/deadletters${path}`, { method, headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: await res.json() };
};

/** Tells `address` in acme and expects the refusal a missing actor gives. */
async function tellNobody(system: ActorSystem, address: string, payload: unknown): Promise<void> {
  const refused = await system
    .ref(address, 'acme')
    .tell('job.run', payload)
    .then(
      () => 'delivered',
      (e: unknown) => (isTroupeError(e, 'no_recipient') ? 'no_recipient' : String(e)),
    );
  expect(refused).toBe('no_recipient');
}

describe('/deadletters', () => {
  it('lists with filters and pages, shows one, and redrives it once after the actor exists', async () => {
    const { system, url } = await start();
    await tellNobody(system, 'worker/late', { n: 1 });
    let broken = true;
    const fragileSaw: unknown[] = [];
    await system.spawn(
      'worker/fragile',
      {
        receive(msg) {
          if (broken) throw new Error('cannot handle this yet');
          fragileSaw.push(msg.payload);
        },
      },
      { tenant: 'acme' },
    );
    await system.ref('worker/fragile', 'acme').tell('job.run', { n: 2 });
    await eventually(async () => (await system.deadLetters.list({ reason: 'poison' })).length === 1, 5_000, 'poison letter');

    const all = await call(url, ops.key, '');
    expect(all.status).toBe(200);
    expect(all.body.items.map((l: Letter) => [l.reason, l.envelope.to])).toEqual([
      ['no_recipient', 'worker/late'],
      ['poison', 'worker/fragile'],
    ]);
    expect((await call(url, ops.key, '?reason=poison')).body.items.map((l: Letter) => l.envelope.payload)).toEqual([{ n: 2 }]);
    expect((await call(url, ops.key, '?address=worker/late&tenant=acme')).body.items).toHaveLength(1);
    expect((await call(url, ops.key, `?since=${new Date(Date.now() + 60_000).toISOString()}`)).body.items).toEqual([]);
    const page1 = await call(url, ops.key, '?limit=1');
    expect(page1.body.items).toHaveLength(1);
    const page2 = await call(url, ops.key, `?limit=1&after=${encodeURIComponent(page1.body.next)}`);
    expect(page2.body.items[0].envelope.to).toBe('worker/fragile');
    expect(page2.body.next).toBeUndefined();
    const bad = await call(url, ops.key, '?limit=0&reason=lost');
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/limit/);
    expect(bad.body.detail).toMatch(/reason/);

    const late = all.body.items[0] as Letter;
    const shown = await call(url, ops.key, `/${late.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      id: late.id,
      reason: 'no_recipient',
      envelope: { to: 'worker/late', tenant: 'acme', payload: { n: 1 } },
    });
    expect(shown.body.redriven).toBeUndefined();
    expect((await call(url, ops.key, '/999999')).status).toBe(404);

    // The actor exists now: three redrives at once send the letter once.
    const seen: unknown[] = [];
    await system.spawn('worker/late', { receive: (msg) => void seen.push(msg.payload) }, { tenant: 'acme' });
    const redrives = await Promise.all([1, 2, 3].map(() => call(url, ops.key, `/${late.id}/redrive`, 'POST')));
    expect(redrives.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(redrives.map((r) => r.body.status).sort()).toEqual(['already_redriven', 'already_redriven', 'redriven']);
    const again = await call(url, ops.key, `/${late.id}/redrive`, 'POST');
    expect(again.body).toMatchObject({ status: 'already_redriven', letter: { redriven: { node: system.node } } });
    // A marker sent after the redrives arrives after any second copy would have.
    await system.ref('worker/late', 'acme').tell('job.run', 'marker');
    await eventually(() => seen.includes('marker'), 5_000, 'marker');
    expect(seen).toEqual([{ n: 1 }, 'marker']);
    expect((await call(url, ops.key, `/${late.id}`)).body.redriven).toMatchObject({ node: system.node });

    // The poison message, once its actor can take it.
    broken = false;
    const poison = all.body.items[1] as Letter;
    expect((await call(url, ops.key, `/${poison.id}/redrive`, 'POST')).body.status).toBe('redriven');
    await eventually(() => fragileSaw.length === 1, 5_000, 'poison message handled');
    expect(fragileSaw).toEqual([{ n: 2 }]);
  });

  it('refuses non-admins (403) and keeps another tenant’s admin to their own tenant', async () => {
    const { system, url } = await start();
    await tellNobody(system, 'worker/late', { n: 1 });
    const id = ((await call(url, ops.key, '')).body.items[0] as Letter).id;
    for (const [path, method] of [
      ['', 'GET'],
      [`/${id}`, 'GET'],
      [`/${id}/redrive`, 'POST'],
    ] as const) {
      const r = await call(url, dev.key, path, method);
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ code: 'forbidden', detail: expect.stringContaining('admin') });
    }
    expect((await call(url, otherOps.key, '')).body.items).toEqual([]);
    expect((await call(url, otherOps.key, '?tenant=acme')).status).toBe(403);
    expect((await call(url, otherOps.key, `/${id}`)).status).toBe(404);
    expect((await call(url, otherOps.key, `/${id}/redrive`, 'POST')).status).toBe(404);
    expect((await system.deadLetters.get(id))?.redriven).toBeUndefined();
    const anonymous = await fetch(`${url}/deadletters`);
    expect(anonymous.status).toBe(401);
  });

  it('answers any query or id with 200, 400, 403 or 404 naming the problem, never a 5xx (property)', async () => {
    const { system, url } = await start();
    await tellNobody(system, 'worker/late', { n: 1 });
    const keys = fc.constantFrom('address', 'reason', 'tenant', 'since', 'until', 'after', 'limit', 'other');
    await fc.assert(
      fc.asyncProperty(fc.dictionary(keys, fc.string({ maxLength: 30 })), fc.string({ maxLength: 20 }), async (params, id) => {
        const list = await call(url, ops.key, `?${new URLSearchParams(params).toString()}`);
        expect([200, 400, 403]).toContain(list.status);
        if (list.status === 400) expect(list.body.detail).toMatch(/bad dead-letter query/);
        // A well-formed tenant other than the admin's own is refused, never answered.
        if (list.status === 403) expect(list.body.detail).toMatch(/may not read tenant/);
        if (list.status === 200 && params.tenant !== undefined) expect(params.tenant).toBe('acme');
        const one = await fetch(`${url}/deadletters/${encodeURIComponent(id) || 'x'}`, { headers: { authorization: `Bearer ${ops.key}` } });
        expect([200, 404]).toContain(one.status);
      }),
      { numRuns: 60 },
    );
    expect((await call(url, ops.key, '/%E0%A4%A')).status).toBe(400);
  });
});
