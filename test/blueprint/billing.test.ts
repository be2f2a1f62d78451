/**
 * `/blueprints` and `/billing` over a real gateway (real catalog, memory storage, offline model, auth on): blueprints
 * installed over HTTP are served at once (`<blueprint>/<agent>` runs over /ws; its tool module runs), a missing
 * secret refuses an install before anything is written, and the invoice for a fixture of metered runs equals the
 * usage times each blueprint's prices — computed here independently — in JSON and CSV, a tenant seeing only its own.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfflineProvider, USAGE_BUCKET } from '../../actors/index.js';
import { configSchema } from '../../config/index.js';
import { readBundleDir } from '../../cli/blueprint.js';
import { startCatalogGateway, type CatalogGateway } from '../gateway/catalog-fixture.js';
import { startFrame, WsClient } from '../gateway/ws-fixture.js';

type Keys = 'acme' | 'beta' | 'root' | 'acmeAdmin';
let gw: CatalogGateway<Keys>;
const ROOT = join(import.meta.dirname, '../..');

beforeAll(async () => {
  const config = configSchema.parse({ agents: [], memory: { store: { index: [] } } });
  const provider = new OfflineProvider();
  gw = await startCatalogGateway<Keys>(
    config,
    {
      acme: { id: 'acme', tenant: 'acme', roles: ['user'] },
      beta: { id: 'beta', tenant: 'beta', roles: ['user'] },
      root: { id: 'root', tenant: 'default', roles: ['admin'] },
      acmeAdmin: { id: 'acme-admin', tenant: 'acme', roles: ['admin'] },
    },
    { compose: { provider: () => ({ provider, model: 'offline' }) } },
  );
}, 120_000);
afterAll(() => gw.close());

async function call(
  key: Keys,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${gw.keys[key].key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // CSV
  }
  return { status: res.status, body: parsed, text };
}

async function runOver(key: Keys, agent: string, text: string): Promise<Record<string, unknown>[]> {
  const c = await WsClient.connect(`${gw.url.replace(/^http/, 'ws')}/ws`, { authorization: `Bearer ${gw.keys[key].key}` });
  try {
    c.send(startFrame('r', agent, text));
    const created = await c.type('run.created');
    return await c.run(created['run_id'] as string);
  } finally {
    c.ws.terminate();
  }
}

describe('/blueprints and /billing', () => {
  it('installs for every tenant, serves the agents at once, refuses what it may not do', async () => {
    const files = readBundleDir(join(ROOT, 'examples/blueprints/support-desk'));
    expect((await call('acmeAdmin', 'POST', '/blueprints', { files, tenant: '*' })).status).toBe(403);
    expect((await call('acme', 'POST', '/blueprints', { files })).status).toBe(403);
    // Bodies that are not bundles: the permission is checked first, then the shape (was a 500 for JSON null).
    for (const bad of [null, [], 'text', 7, { files: null }, { files: [1] }]) {
      expect((await call('acme', 'POST', '/blueprints', bad)).status, JSON.stringify(bad)).toBe(403);
      const r = await call('acmeAdmin', 'POST', '/blueprints', bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.text).toMatch(/files/);
    }
    // Its tool module would run in the nodes every tenant shares: a tenant's admin may not install it, even for its tenant.
    const own = await call('acmeAdmin', 'POST', '/blueprints', { files });
    expect(own.status).toBe(403);
    expect(JSON.stringify(own.body)).toMatch(/tool modules or MCP servers/);
    const needy = {
      ...files,
      'blueprint.yaml': (files['blueprint.yaml'] as string).replace(
        'troupe: ">=0.1.0"',
        'troupe: ">=0.1.0"\n  secrets: [BP_TEST_NO_SUCH_SECRET]',
      ),
    };
    const refused = await call('root', 'POST', '/blueprints', { files: needy, tenant: '*' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('BP_TEST_NO_SUCH_SECRET');
    expect((await call('root', 'GET', '/blueprints')).body['items']).toEqual([]);
    const bad = await call('root', 'POST', '/blueprints', {
      files: { ...files, 'agents/triage.yaml': 'name: triage\ntemperature: 9\n' },
      tenant: '*',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('agents/triage.yaml: temperature');

    const ok = await call('root', 'POST', '/blueprints', { files, tenant: '*' });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body).toMatchObject({ status: 'installed', agents: ['support-desk/triage', 'support-desk/billing'] });
    expect((await call('root', 'POST', '/blueprints', { files, tenant: '*' })).status).toBe(409);
    const research = readBundleDir(join(ROOT, 'examples/blueprints/research-assistant'));
    expect((await call('acmeAdmin', 'POST', '/blueprints', { files: research })).status).toBe(201);
    // Its name is acme's now: an install of the same name for every tenant would define acme's agents.
    const taken = await call('root', 'POST', '/blueprints', { files: research, tenant: '*' });
    expect(taken.status, taken.text).toBe(409);
    expect(taken.text).not.toContain('acme');

    // Served without a restart, to every tenant for support-desk, to acme only for research-assistant.
    const frames = await runOver('beta', 'support-desk/billing', '/tool support-desk.refund-status {"order": "A-1007"}');
    expect(JSON.stringify(frames)).toContain('refunded on 2026-11-30');
    expect(frames.some((f) => f['type'] === 'run.completed')).toBe(true);
    const calc = await runOver('acme', 'research-assistant/researcher', '/tool calculator {"expression": "2*(3+4)^2"}');
    expect(JSON.stringify(calc)).toContain('98');
    const c = await WsClient.connect(`${gw.url.replace(/^http/, 'ws')}/ws`, { authorization: `Bearer ${gw.keys.beta.key}` });
    try {
      c.send(startFrame('r', 'research-assistant/researcher', 'hi'));
      expect(JSON.stringify(await c.type('error'))).toContain('not_found');
    } finally {
      c.ws.terminate();
    }
    const beta = (await call('root', 'GET', '/blueprints?tenant=default')).body['items'] as { name: string }[];
    expect(beta.map((b) => b.name)).toEqual(['support-desk']);
  }, 240_000);

  it('bills a fixture of metered runs at each blueprint’s prices, per tenant, in JSON and CSV', async () => {
    // A fixture of runs: usage rows as the agent host writes them (ADR 0027), over three days and two tenants.
    const bucket = gw.system.storage.bucket(USAGE_BUCKET);
    const agents = [
      'support-desk/triage',
      'support-desk/billing',
      'research-assistant/researcher',
      'assistant',
      'support-desk@next/triage',
    ];
    const days = ['2026-10-01', '2026-10-02', '2026-10-03'];
    let seed = 7;
    const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const rows: { tenant: string; day: string; agent: string; input_tokens: number; output_tokens: number; tool_calls: number }[] = [];
    for (let i = 0; i < 60; i++) {
      const row = {
        tenant: rand(3) === 0 ? 'beta' : 'acme',
        day: days[rand(3)] as string,
        agent: agents[rand(agents.length)] as string,
        input_tokens: rand(5000),
        output_tokens: rand(3000),
        tool_calls: rand(4),
      };
      rows.push(row);
      await bucket.put([row.tenant, row.day, `fixture-${i}`], {
        agent: row.agent,
        model: 'm',
        input_tokens: row.input_tokens,
        output_tokens: row.output_tokens,
        tool_calls: row.tool_calls,
      });
    }
    // The expected invoice, from the manifests' prices, written out here.
    const prices: Record<string, { perRun: number; per1kTokens: number; perToolCall: number }> = {
      'support-desk': { perRun: 0.01, per1kTokens: 0.002, perToolCall: 0.001 },
      'research-assistant': { perRun: 0.02, per1kTokens: 0.004, perToolCall: 0.0005 },
    };
    const expected = (tenant: string, visible: (bp: string) => boolean): number => {
      let total = 0;
      for (const r of rows) {
        if (r.tenant !== tenant || r.day > '2026-10-02') continue;
        const bp = r.agent.split('/')[0] as string;
        if (prices[bp] === undefined || !visible(bp)) continue;
        const p = prices[bp];
        total += p.perRun + ((r.input_tokens + r.output_tokens) / 1000) * p.per1kTokens + r.tool_calls * p.perToolCall;
      }
      return total;
    };
    const acme = await call('acme', 'GET', '/billing?from=2026-10-01&to=2026-10-02');
    expect(acme.status, acme.text).toBe(200);
    const want = expected('acme', () => true);
    expect(want).toBeGreaterThan(0);
    expect((acme.body['totals'] as Record<string, number>)['USD']).toBeCloseTo(want, 5);
    const lines = acme.body['lines'] as { blueprint: string; runs: number; tool_calls: number; total: number }[];
    expect(lines.map((l) => l.blueprint)).toEqual(['research-assistant', 'support-desk']);
    const acmeRows = rows.filter((r) => r.tenant === 'acme' && r.day <= '2026-10-02');
    expect(lines.find((l) => l.blueprint === 'support-desk')?.runs).toBe(
      acmeRows.filter((r) => r.agent.startsWith('support-desk/')).length,
    );
    expect(lines.find((l) => l.blueprint === 'support-desk')?.tool_calls).toBe(
      acmeRows.filter((r) => r.agent.startsWith('support-desk/')).reduce((n, r) => n + r.tool_calls, 0),
    );
    expect(acme.body['unbilled_runs']).toBe(acmeRows.filter((r) => r.agent === 'assistant' || r.agent.includes('@next')).length);

    // research-assistant is installed for acme only: beta's runs of it are billed at no price (listed, total 0).
    const beta = await call('beta', 'GET', '/billing?from=2026-10-01&to=2026-10-02');
    expect((beta.body['totals'] as Record<string, number>)['USD']).toBeCloseTo(
      expected('beta', (bp) => bp === 'support-desk'),
      5,
    );
    expect((await call('beta', 'GET', '/billing?from=2026-10-01&to=2026-10-02&tenant=acme')).status).toBe(403);
    const asAdmin = await call('root', 'GET', '/billing?from=2026-10-01&to=2026-10-02&tenant=acme');
    expect((asAdmin.body['totals'] as Record<string, number>)['USD']).toBeCloseTo(want, 5);

    const csv = await call('acme', 'GET', '/billing?from=2026-10-01&to=2026-10-02&format=csv');
    expect(csv.status).toBe(200);
    const table = csv.text
      .trim()
      .split('\r\n')
      .map((l) => l.split(','));
    expect(table[0]?.at(-1)).toBe('total');
    expect(table.slice(1, -1).reduce((n, r) => n + Number(r.at(-1)), 0)).toBeCloseTo(want, 5);
    expect(Number(table.at(-1)?.at(-1))).toBeCloseTo(want, 5);
    expect((await call('acme', 'GET', '/billing?from=2026-10-02&to=2026-10-01')).status).toBe(400);
  }, 120_000);

  it('meters tool calls of real runs and removes exactly what an install wrote', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const inv = await call('beta', 'GET', `/billing?from=${today}&to=${today}`);
    const line = (inv.body['lines'] as { blueprint: string; runs: number; tool_calls: number }[]).find(
      (l) => l.blueprint === 'support-desk',
    );
    expect(line).toMatchObject({ runs: 1, tool_calls: 1 });

    const removed = await call('root', 'DELETE', '/blueprints/support-desk?tenant=*');
    expect(removed.status, removed.text).toBe(200);
    expect(removed.body['deleted']).toEqual([
      { bucket: 'blueprints', key: ['*', 'installed', 'support-desk'] },
      { bucket: 'blueprints', key: ['*', 'claim', 'support-desk'] },
      { bucket: 'memory', key: ['rag', 'default', 'support-desk_faq'], prefix: true },
      // Its template, in the prompt store of the default tenant (an install for every tenant).
      { bucket: 'prompts', key: ['default', 'v', 'support-desk.triage'], prefix: true },
      { bucket: 'prompts', key: ['default', 'head', 'support-desk.triage'] },
      { bucket: 'prompts', key: ['default', 'label', 'support-desk.triage'], prefix: true },
    ]);
    const c = await WsClient.connect(`${gw.url.replace(/^http/, 'ws')}/ws`, { authorization: `Bearer ${gw.keys.beta.key}` });
    try {
      c.send(startFrame('r', 'support-desk/billing', 'hi'));
      expect(JSON.stringify(await c.type('error'))).toContain('not_found');
    } finally {
      c.ws.terminate();
    }
    // The other blueprint is untouched.
    expect(((await call('acmeAdmin', 'GET', '/blueprints')).body['items'] as { name: string }[]).map((b) => b.name)).toEqual([
      'research-assistant',
    ]);
  }, 120_000);
});
