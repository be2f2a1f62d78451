/**
 * `GET /usage` and budgets (docs/gateway-operations.md, “Usage and budgets”): runs over a real gateway (auth on,
 * offline model) are summed per tenant, day, agent and model from the node's storage, priced from the config's table
 * (a model without a price has cost null), readable by the tenant itself and by admins for any tenant; rows written
 * at once by many writers are all counted; a tenant past its budget starts no new run on /ws, /acp or A2A, nor
 * a delegation inside the mesh.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OfflineProvider, RunStore, UsageStore, usageDay } from '../../actors/index.js';
import { configSchema } from '../../config/index.js';
import { MemoryStorage } from '../../runtime/index.js';
import { startCatalogGateway, type CatalogGateway } from './catalog-fixture.js';
import { offlineAgent, startFrame, WsClient } from './ws-fixture.js';
import { eventually } from '../transport/contract.js';

type Keys = 'acme' | 'beta' | 'admin';
let gw: CatalogGateway<Keys> | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const PRICES = { 'priced-model': { input: 2, output: 8 } };

async function start(
  budgets: Record<string, unknown> = {},
  agents: unknown[] = [offlineAgent('cheap'), offlineAgent('other')],
): Promise<CatalogGateway<Keys>> {
  const config = configSchema.parse({
    agents,
    memory: { store: { index: [] } },
    gateway: { usage: { prices: PRICES, budgets } },
  });
  const provider = new OfflineProvider();
  return startCatalogGateway<Keys>(
    config,
    {
      acme: { id: 'acme', tenant: 'acme', roles: ['user'] },
      beta: { id: 'beta', tenant: 'beta', roles: ['user'] },
      admin: { id: 'admin', tenant: 'ops', roles: ['admin'] },
    },
    { compose: { provider: (agent) => ({ provider, model: agent === 'cheap' ? 'priced-model' : 'unpriced-model' }) } },
  );
}

/** Runs `agent` over /ws as `key`; its usage from `run.completed`. */
async function run(g: CatalogGateway<Keys>, key: string, agent: string): Promise<{ prompt_tokens: number; completion_tokens: number }> {
  const c = await WsClient.connect(`${g.url.replace(/^http/, 'ws')}/ws`, { authorization: `Bearer ${key}` });
  try {
    c.send(startFrame('r', agent, 'hello there, how much does this cost?'));
    const runId = (await c.type('run.created'))['run_id'] as string;
    const done = (await c.run(runId)).find((f) => f['type'] === 'run.completed');
    expect(done, 'run.completed').toBeDefined();
    return done?.['usage'] as { prompt_tokens: number; completion_tokens: number };
  } finally {
    c.ws.terminate();
  }
}

async function usage(g: CatalogGateway<Keys>, key: string, query = ''): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${g.url}/usage${query}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('GET /usage', () => {
  it('sums a tenant’s runs per day, agent and model, priced per 1M tokens', async () => {
    gw = await start();
    const a = await run(gw, gw.keys.acme.key, 'cheap');
    const b = await run(gw, gw.keys.acme.key, 'cheap');
    const o = await run(gw, gw.keys.acme.key, 'other');
    await run(gw, gw.keys.beta.key, 'cheap');
    const today = usageDay(Date.now());
    const { status, body } = await usage(gw, gw.keys.acme.key);
    expect(status).toBe(200);
    expect(body).toMatchObject({ tenant: 'acme', from: today, to: today });
    const input = a.prompt_tokens + b.prompt_tokens;
    const output = a.completion_tokens + b.completion_tokens;
    expect(body['rows']).toEqual([
      {
        day: today,
        agent: 'cheap',
        model: 'priced-model',
        input_tokens: input,
        output_tokens: output,
        runs: 2,
        cost: (2 * input + 8 * output) / 1e6,
      },
      {
        day: today,
        agent: 'other',
        model: 'unpriced-model',
        input_tokens: o.prompt_tokens,
        output_tokens: o.completion_tokens,
        runs: 1,
        cost: null,
      },
    ]);
    expect(body['total']).toEqual({
      input_tokens: input + o.prompt_tokens,
      output_tokens: output + o.completion_tokens,
      runs: 3,
      cost: null,
    });
    const cheap = await usage(gw, gw.keys.acme.key, `?from=${today}&to=${today}&model=priced-model`);
    expect(cheap.body['total']).toEqual({ input_tokens: input, output_tokens: output, runs: 2, cost: (2 * input + 8 * output) / 1e6 });
    expect((await usage(gw, gw.keys.acme.key, '?agent=nobody')).body['rows']).toEqual([]);
  });

  it('lets admins read any tenant and others only their own', async () => {
    gw = await start();
    await run(gw, gw.keys.beta.key, 'cheap');
    const denied = await usage(gw, gw.keys.acme.key, '?tenant=beta');
    expect(denied.status).toBe(403);
    expect(String(denied.body['detail'])).toContain('admin');
    expect((await usage(gw, gw.keys.acme.key, '?tenant=acme')).status).toBe(200);
    const admin = await usage(gw, gw.keys.admin.key, '?tenant=beta');
    expect(admin.status).toBe(200);
    expect(admin.body['total']).toMatchObject({ runs: 1 });
    expect((await fetch(`${gw.url}/usage`)).status).toBe(401);
  });

  it('answers 400 naming the bad parameter', async () => {
    gw = await start();
    for (const [query, word] of [
      ['?from=2026-13-01', 'from'],
      ['?from=2026-02-01&to=2026-01-01', 'before'],
      ['?from=2020-01-01&to=2026-01-01', 'days'],
      ['?to=yesterday', 'to'],
      ['?colour=red', 'colour'],
      ['?agent=a&agent=b', 'agent'],
    ] as const) {
      const r = await usage(gw, gw.keys.acme.key, query);
      expect(r.status, query).toBe(400);
      expect(String(r.body['detail']), query).toContain(word);
    }
    const post = await fetch(`${gw.url}/usage`, { method: 'POST', headers: { authorization: `Bearer ${gw.keys.acme.key}` } });
    expect(post.status).toBe(405);
  });
});

it('counts every run when many writers end runs on the same day at once', async () => {
  const storage = new MemoryStorage();
  const writers = [new UsageStore(storage), new UsageStore(storage)];
  const at = Date.parse('2026-03-04T10:00:00Z');
  await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      (writers[i % 2] as UsageStore).record('t', `run-${i}`, at + i, { agent: 'a', model: 'm', input_tokens: 3, output_tokens: 1 }),
    ),
  );
  // The same run's end written again replaces its row.
  await (writers[0] as UsageStore).record('t', 'run-0', at, { agent: 'a', model: 'm', input_tokens: 3, output_tokens: 1 });
  expect(await (writers[1] as UsageStore).totals('t', { from: '2026-03-04', to: '2026-03-04' })).toEqual([
    { day: '2026-03-04', agent: 'a', model: 'm', input_tokens: 600, output_tokens: 200, runs: 200 },
  ]);
  await storage.close();
});

describe('budgets', () => {
  const a2a = (g: CatalogGateway<Keys>, key: string): Promise<Response> =>
    fetch(`${g.url}/a2a`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'SendMessage',
        params: { message: { messageId: 'm1', role: 'ROLE_USER', parts: [{ text: 'hello' }] } },
      }),
    });
  const acp = (g: CatalogGateway<Keys>, key: string): Promise<Response> =>
    fetch(`${g.url}/acp/runs/wait`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ assistant_id: 'cheap', input: { messages: [{ role: 'human', content: 'hello' }] } }),
    });

  it('refuses new runs of a tenant past its daily tokens with budget_exceeded on /ws, /acp and A2A', async () => {
    gw = await start({ acme: { daily: { tokens: 1 } } });
    await run(gw, gw.keys.acme.key, 'cheap'); // under budget when it started
    const c = await WsClient.connect(`${gw.url.replace(/^http/, 'ws')}/ws`, { authorization: `Bearer ${gw.keys.acme.key}` });
    c.send(startFrame('again', 'cheap', 'one more'));
    const frame = await c.type('error');
    expect(frame).toMatchObject({ code: 'budget_exceeded', id: 'again' });
    expect(String(frame['message'])).toContain('daily token budget of 1');
    expect(c.frames.some((f) => f['type'] === 'run.created')).toBe(false);
    c.ws.terminate();

    const res = await acp(gw, gw.keys.acme.key);
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ code: 'budget_exceeded', detail: expect.stringContaining('budget') });

    const rpc = (await (await a2a(gw, gw.keys.acme.key)).json()) as { error?: { message: string; data?: { code?: string } } };
    expect(rpc.error?.data?.code).toBe('budget_exceeded');
    expect(rpc.error?.message).toContain('budget');

    // Nothing was started: one run counted; another tenant is not affected.
    expect((await usage(gw, gw.keys.acme.key)).body['total']).toMatchObject({ runs: 1 });
    expect((await acp(gw, gw.keys.beta.key)).status).toBe(200);
  });

  it('refuses a delegation inside the mesh once the tenant is past its budget (the run no gateway admits)', async () => {
    gw = await start({ acme: { daily: { tokens: 100_000 } } }, [
      offlineAgent('cheap', { delegates: ['other'], approvals: ['ask_other'] }),
      offlineAgent('other'),
    ]);
    const c = await WsClient.connect(`${gw.url.replace(/^http/, 'ws')}/ws`, { authorization: `Bearer ${gw.keys.acme.key}` });
    c.send(startFrame('d', 'cheap', '/ask other what is the refund policy?'));
    const runId = (await c.type('run.created'))['run_id'] as string;
    // Admitted under budget; while it waits for approval of the delegation, the tenant's usage passes the budget.
    expect((await c.run(runId, true)).at(-1)).toMatchObject({ type: 'run.interrupted' });
    await new UsageStore(gw.system.storage).record('acme', 'elsewhere', Date.now(), {
      agent: 'x',
      model: 'm',
      input_tokens: 200_000,
      output_tokens: 0,
    });
    c.send({ type: 'run.resume', id: 'ok', run_id: runId, resume: { approve: true } });
    const frames = await c.run(runId, false, 20_000);
    const result = frames.find((f) => f['type'] === 'run.event' && f['event'] === 'tool_result');
    expect(result?.['data']).toMatchObject({ name: 'ask_other', is_error: true, content: expect.stringContaining('daily token budget') });
    // The delegated run (its id is derived from the call's) was never created.
    const callId = (frames.find((f) => f['type'] === 'run.event' && f['event'] === 'tool_call')?.['data'] as { id: string }).id;
    expect(await new RunStore(gw.system.storage).getRun('acme', `${runId}:${callId}`)).toBeUndefined();
    c.ws.terminate();
  });

  it('refuses a run a topic message would start once the tenant is past its budget (dead letter, no run)', async () => {
    gw = await start({ acme: { daily: { tokens: 1 } } }, [offlineAgent('cheap'), offlineAgent('listener', { subscribe: ['orders.*'] })]);
    const g = gw;
    // A subscribed agent listens once it is active in the tenant.
    for (const tenant of ['acme', 'beta']) await g.catalog.ensure('agent/listener', tenant);
    await run(g, g.keys.acme.key, 'cheap'); // the tenant is now past its budget
    const before = await g.system.deadLetters.count();
    await g.system.publish('orders.created', { content: 'order 42 was placed' }, { tenant: 'acme' });
    await eventually(async () => (await g.system.deadLetters.count()) > before, 10_000, 'the message to be refused');
    const refused = (await g.system.deadLetters.list({ reason: 'rejected', limit: 100 })).find(
      (d) => d.error?.message.includes('budget') === true,
    );
    expect(refused?.error?.message).toContain('daily token budget of 1');
    expect(refused?.deliveries).toBe(1); // refused at once: a budget is the caller's limit, not the agent's crash
    expect((await usage(g, g.keys.acme.key)).body['total']).toMatchObject({ runs: 1 });
    // Another tenant's listener still runs on the same topic.
    await g.system.publish('orders.created', { content: 'order 43 was placed' }, { tenant: 'beta' });
    await eventually(async () => ((await usage(g, g.keys.beta.key)).body['total'] as { runs: number }).runs === 1, 10_000, 'beta');
  });

  it('refuses on a monthly cost budget once the priced runs reach it', async () => {
    gw = await start({ acme: { monthly: { cost: 0.000001 } } });
    expect((await acp(gw, gw.keys.acme.key)).status).toBe(200);
    const res = await acp(gw, gw.keys.acme.key);
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ code: 'budget_exceeded', detail: expect.stringContaining('monthly cost budget') });
  });
});
