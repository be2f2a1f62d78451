/**
 * `GET /runs/{run_id}/timeline` over the real catalog on the offline model: a run that calls a tool and delegates to
 * another agent is one timeline — its run span, model calls with model, tokens and cost, the tool call, the
 * delegation with the child run folded in under it (its own agent, model calls and node) — with the trace id the run
 * was started under; a handoff is a span and the next agent's model call follows it. Tenant-scoped: another user of
 * the tenant gets 404, another tenant's admin reads it only by naming the tenant (`runs:read:all`), a user may not.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type TroupeConfig } from '../../config/index.js';
import { MemoryHub, MemoryStorage, MemoryTransport, startSystem } from '../../runtime/index.js';
import { xstateLifecycle } from '../../supervisors/index.js';
import { startCatalogGateway, type CatalogGateway } from './catalog-fixture.js';

type Keys = 'ann' | 'bob' | 'acmeAdmin' | 'globexAdmin' | 'globexUser';
let gw: CatalogGateway<Keys>;
let config: TroupeConfig;

beforeAll(async () => {
  config = configSchema.parse({
    agents: [
      { name: 'lead', instructions: 'Lead.', provider: 'offline', model: 'tiny', tools: ['calculator'], delegates: ['helper'] },
      { name: 'helper', instructions: 'Help.', provider: 'offline', model: 'tiny' },
      { name: 'front', instructions: 'Route.', provider: 'offline', model: 'tiny', handoffs: ['closer'] },
      { name: 'closer', instructions: 'Close.', provider: 'offline', model: 'tiny' },
    ],
    memory: { store: { index: [] } },
    gateway: { usage: { prices: { tiny: { input: 1_000, output: 2_000 } } } },
  });
  gw = await startCatalogGateway(config, {
    ann: { id: 'ann', tenant: 'acme', roles: ['user'] },
    bob: { id: 'bob', tenant: 'acme', roles: ['user'] },
    acmeAdmin: { id: 'acme-admin', tenant: 'acme', roles: ['admin'] },
    globexAdmin: { id: 'globex-admin', tenant: 'globex', roles: ['admin'] },
    globexUser: { id: 'globex-user', tenant: 'globex', roles: ['user'] },
  });
}, 60_000);

afterAll(async () => {
  await gw?.close();
});

/** Runs `content` on `agent` as `who` on a new thread under a known trace (through `on`); the run id and trace id. */
async function run(who: Keys, agent: string, content: string, on: CatalogGateway<Keys> = gw): Promise<{ runId: string; traceId: string }> {
  const traceId = randomBytes(16).toString('hex');
  const headers = { authorization: `Bearer ${on.keys[who].key}`, 'content-type': 'application/json' };
  const t = (await (await fetch(`${on.url}/acp/threads`, { method: 'POST', headers, body: '{}' })).json()) as { thread_id: string };
  const res = await fetch(`${on.url}/acp/threads/${t.thread_id}/runs/wait`, {
    method: 'POST',
    headers: { ...headers, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    body: JSON.stringify({ assistant_id: agent, input: { messages: [{ role: 'user', content }] } }),
  });
  expect(res.status).toBe(200);
  await res.text();
  const runId = /\/runs\/([^/]+)$/.exec(res.headers.get('content-location') ?? '')?.[1];
  if (runId === undefined) throw new Error('no run id in Content-Location');
  return { runId, traceId };
}

interface Span {
  id: string;
  parent_id: string | null;
  kind: string;
  name: string;
  run_id: string;
  agent: string;
  node: string | null;
  start: string | null;
  end: string | null;
  duration_ms: number | null;
  tokens?: { input: number; output: number };
  cost?: number | null;
  status?: string;
  detail?: Record<string, unknown>;
}
interface Timeline {
  run_id: string;
  cost: number | null;
  tenant: string;
  trace_id: string | null;
  status: string;
  tokens: { input: number; output: number };
  nodes: string[];
  agents: string[];
  spans: Span[];
}

async function timeline(
  who: Keys,
  runId: string,
  query = '',
  on: CatalogGateway<Keys> = gw,
): Promise<{ status: number; body: Timeline & { detail?: string } }> {
  const res = await fetch(`${on.url}/runs/${encodeURIComponent(runId)}/timeline${query}`, {
    headers: { authorization: `Bearer ${on.keys[who].key}` },
  });
  return { status: res.status, body: (await res.json()) as Timeline & { detail?: string } };
}

describe('run timelines', () => {
  it('shows model calls, a tool call and a delegation with the child run folded in, with tokens, cost and trace id', async () => {
    const { runId, traceId } = await run('ann', 'lead', '/tool calculator {"expression":"6*7"}\n/ask helper what is the weather');
    const { status, body } = await timeline('ann', runId);
    expect(status).toBe(200);
    expect(body).toMatchObject({ run_id: runId, tenant: 'acme', status: 'success', trace_id: traceId });
    const [root, ...rest] = body.spans as [Span, ...Span[]];
    expect(root).toMatchObject({ kind: 'run', parent_id: null, agent: 'lead', run_id: runId, node: gw.system.node, status: 'success' });
    expect(root.duration_ms).toBeGreaterThanOrEqual(0);

    const models = rest.filter((s) => s.kind === 'model' && s.run_id === runId);
    expect(models).toHaveLength(2); // the calls, then the answer from their results
    for (const m of models) {
      expect(m).toMatchObject({ name: 'chat tiny', parent_id: root.id, agent: 'lead', node: gw.system.node });
      expect(m.tokens?.input).toBeGreaterThan(0);
      expect(m.cost).toBeCloseTo(((m.tokens?.input ?? 0) * 1_000 + (m.tokens?.output ?? 0) * 2_000) / 1_000_000, 9);
      expect(Date.parse(m.end as string)).toBeGreaterThanOrEqual(Date.parse(m.start as string));
    }
    const sum = models.reduce((n, m) => n + (m.tokens?.input ?? 0), 0);
    expect(root.tokens?.input).toBe(sum);
    expect(root.cost).toBeCloseTo(
      models.reduce((n, m) => n + (m.cost ?? 0), 0),
      9,
    );

    const tool = rest.find((s) => s.kind === 'tool');
    expect(tool).toMatchObject({ name: 'execute_tool calculator', parent_id: root.id, status: 'ok', agent: 'lead' });
    expect(tool?.duration_ms).toBeGreaterThanOrEqual(0);

    const delegation = rest.find((s) => s.kind === 'delegation');
    expect(delegation).toMatchObject({ name: 'invoke_agent helper', parent_id: root.id, status: 'ok' });
    const childRunId = delegation?.detail?.['child_run_id'];
    expect(childRunId).toBe(`${runId}:${String(delegation?.detail?.['call_id'])}`);
    const child = rest.find((s) => s.kind === 'run' && s.run_id === childRunId);
    expect(child).toMatchObject({ parent_id: delegation?.id, agent: 'helper', node: gw.system.node, status: 'success' });
    const childModels = rest.filter((s) => s.kind === 'model' && s.run_id === childRunId);
    expect(childModels.length).toBeGreaterThan(0);
    for (const m of childModels) expect(m).toMatchObject({ parent_id: child?.id, agent: 'helper' });
    expect(body.agents).toEqual(expect.arrayContaining(['lead', 'helper']));
    const all = [...models, ...childModels];
    expect(body.tokens.input).toBe(all.reduce((n, m) => n + (m.tokens?.input ?? 0), 0));
    expect(body.cost).toBeCloseTo(
      all.reduce((n, m) => n + (m.cost ?? 0), 0),
      9,
    );
    expect(body.nodes).toEqual([gw.system.node]);
    // Spans come parent first: each one's parent is listed before it.
    const seen = new Set<string>();
    for (const s of body.spans) {
      if (s.parent_id !== null) expect(seen.has(s.parent_id), s.name).toBe(true);
      seen.add(s.id);
    }
  });

  it('shows a handoff, and the next agent answering after it', async () => {
    const { runId } = await run('ann', 'front', '/handoff closer');
    const { status, body } = await timeline('ann', runId);
    expect(status).toBe(200);
    const handoff = body.spans.find((s) => s.kind === 'handoff');
    expect(handoff).toMatchObject({ name: 'handoff front → closer', detail: { from: 'front', to: 'closer' } });
    const after = body.spans.filter((s) => s.kind === 'model' && Date.parse(s.start ?? '') >= Date.parse(handoff?.start ?? ''));
    expect(after.map((s) => s.agent)).toContain('closer');
    expect(body.spans[0]?.detail).toMatchObject({ final_agent: 'closer' });
  });

  it('is scoped to the tenant: 404 to another user and other tenants, other tenants only with runs:read:all', async () => {
    const { runId } = await run('ann', 'helper', 'hello');
    expect((await timeline('ann', runId)).status).toBe(200);
    expect((await timeline('bob', runId)).status).toBe(404);
    expect((await timeline('acmeAdmin', runId)).status).toBe(200);
    expect((await timeline('globexAdmin', runId)).status).toBe(404);
    const named = await timeline('globexAdmin', runId, '?tenant=acme');
    expect(named.status).toBe(200);
    expect(named.body.tenant).toBe('acme');
    const refused = await timeline('globexUser', runId, '?tenant=acme');
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain('runs:read:all');
    expect((await timeline('ann', 'no-such-run')).status).toBe(404);
    expect((await timeline('ann', runId, '?bogus=1')).status).toBe(400);
  });
});

describe('run timelines across nodes', () => {
  it('names the node of each run: a delegation to an agent active on the other node of a mesh', async () => {
    const hub = new MemoryHub();
    const storage = new MemoryStorage();
    const node = (id: string) =>
      startSystem({ lifecycle: xstateLifecycle, transport: new MemoryTransport({ hub }), storage, node: id, warn: () => undefined });
    const keys = { ann: { id: 'ann', tenant: 'acme', roles: ['user'] } } as const;
    const one = await startCatalogGateway(config, keys, { system: await node('tl-one') });
    const two = await startCatalogGateway(config, keys, { system: await node('tl-two') });
    try {
      const on = (g: typeof one) => g as unknown as CatalogGateway<Keys>;
      // helper becomes active on node two; lead, asked through node one, runs there and delegates to it.
      await run('ann', 'helper', 'warm up', on(two));
      const { runId } = await run('ann', 'lead', '/ask helper what is the weather', on(one));
      const { status, body } = await timeline('ann', runId, '', on(one));
      expect(status).toBe(200);
      const root = body.spans[0];
      const child = body.spans.find((s) => s.kind === 'run' && s.run_id !== runId);
      expect(root).toMatchObject({ agent: 'lead', node: 'tl-one' });
      expect(child).toMatchObject({ agent: 'helper', node: 'tl-two', status: 'success' });
      for (const m of body.spans.filter((s) => s.kind === 'model')) expect(m.node).toBe(m.agent === 'helper' ? 'tl-two' : 'tl-one');
      expect(body.nodes.sort()).toEqual(['tl-one', 'tl-two']);
      // The same timeline read through the other node.
      expect((await timeline('ann', runId, '', on(two))).body.spans).toEqual(body.spans);
    } finally {
      await two.close();
      await one.close();
    }
  });
});
