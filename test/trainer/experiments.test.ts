/**
 * Prompt experiments through the real gateway and catalog: `/experiments` is admin-only (403 for a user key) and
 * answers bad input with 4xx; a running experiment splits an agent's runs between template versions — each run
 * renders the version it was given (the model echoes its system prompt) and its record names it — feedback given on
 * `/acp` flows into the experiment, which promotes the better version once every arm has its minimum sample and the
 * credible interval allows, then rolls back when the promoted version gets worse; every decision is an event, also
 * seen by a `/ws` subscriber of the experiment's topic.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PromptLibrary } from '../../actors/index.js';
import { experimentsCommand } from '../../cli/experiments.js';
import { configSchema } from '../../config/index.js';
import type { ExperimentEvent, ExperimentRecord } from '../../protocols/index.js';
import { startCatalogGateway, type CatalogGateway } from '../gateway/catalog-fixture.js';
import { WsClient } from '../gateway/ws-fixture.js';
import { eventually } from '../transport/contract.js';
import { echoSystem, GREET } from './fixtures.js';

const config = configSchema.parse({
  prompts: GREET.prompts,
  agents: [GREET.helper, { name: 'plain', description: 'no template', instructions: 'Help.' }],
});

let gw: CatalogGateway<'admin' | 'user' | 'other'>;
const auth = (k: { key: string }) => ({ authorization: `Bearer ${k.key}` });

beforeAll(async () => {
  gw = await startCatalogGateway(
    config,
    {
      admin: { id: 'acme-admin', tenant: 'acme', roles: ['admin'] },
      user: { id: 'acme-user', tenant: 'acme', roles: ['user'] },
      other: { id: 'globex-admin', tenant: 'globex', roles: ['admin'] },
    },
    { compose: { provider: () => ({ provider: echoSystem, model: 'echo' }) } },
  );
});

afterAll(() => gw?.close());

async function call(path: string, k: { key: string }, init: { method?: string; body?: unknown; raw?: string } = {}) {
  const res = await fetch(`${gw.url}${path}`, {
    method: init.method ?? (init.body === undefined && init.raw === undefined ? 'GET' : 'POST'),
    headers: { ...auth(k), 'content-type': 'application/json' },
    ...(init.raw !== undefined ? { body: init.raw } : init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
}

/** One run of `helper`: its id and the version its reply shows it rendered. */
async function run(): Promise<{ run_id: string; rendered: number }> {
  const thread = await call('/acp/threads', gw.keys.admin, { body: {} });
  const tid = thread.body['thread_id'] as string;
  const r = await call(`/acp/threads/${tid}/runs/wait`, gw.keys.admin, {
    body: { assistant_id: 'helper', input: { messages: [{ role: 'user', content: 'hi' }] } },
  });
  expect(r.status).toBe(200);
  const messages = r.body['messages'] as { content: string }[];
  const reply = messages.at(-1)?.content ?? '';
  const rendered = reply.includes('STYLE-TWO') ? 2 : reply.includes('STYLE-ONE') ? 1 : 0;
  expect(rendered).toBeGreaterThan(0);
  const runs = await call(`/acp/threads/${tid}/runs`, gw.keys.admin);
  return { run_id: (runs.body as unknown as { run_id: string }[])[0]?.run_id as string, rendered };
}

async function feedback(runId: string, score: number): Promise<number> {
  const f = await call(`/acp/runs/${runId}/feedback`, gw.keys.admin, { body: { key: 'quality', score } });
  expect(f.status).toBe(200);
  return (f.body['template'] as { version: number }).version;
}

const get = async (id: string) => (await call(`/experiments/${id}`, gw.keys.admin)).body as unknown as ExperimentRecord;

describe('/experiments over HTTP', () => {
  it('is for admins only and answers bad input with 4xx', async () => {
    expect((await call('/experiments', gw.keys.user)).status).toBe(403);
    expect((await call('/experiments', gw.keys.user, { body: { agent: 'helper', versions: [1, 2] } })).status).toBe(403);
    const bad = async (body: unknown, status: number, says: RegExp) => {
      const r = await call('/experiments', gw.keys.admin, typeof body === 'string' ? { raw: body } : { body });
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(JSON.stringify(r.body)).toMatch(says);
    };
    await bad({ agent: 'helper', versions: [1] }, 400, /versions: at least 2/);
    await bad({ agent: 'helper', versions: [1, 1] }, 400, /distinct/);
    await bad({ agent: 'helper', versions: [1, 2], credibility: 2 }, 400, /credibility/);
    await bad({ agent: 'helper', versions: [1, 2], surprise: true }, 400, /surprise/);
    await bad({ agent: 'nobody', versions: [1, 2] }, 404, /agent nobody not found/);
    await bad({ agent: 'helper', versions: [1, 9] }, 404, /no version 9/);
    await bad({ agent: 'plain', versions: [1, 2] }, 400, /renders no prompt template/);
    await bad('{not json', 400, /./);
    expect((await call('/experiments/NOT_AN_ID', gw.keys.admin)).status).toBe(400);
    expect((await call('/experiments/missing', gw.keys.admin)).status).toBe(404);
    expect((await call('/experiments/missing/stop', gw.keys.admin, { body: {} })).status).toBe(404);
  });

  it('splits runs, promotes the better version on feedback, rolls back when it gets worse', async () => {
    const created = await call('/experiments', gw.keys.admin, {
      body: { id: 'ab', agent: 'helper', versions: [1, 2], key: 'quality', min_samples: 4, rollback_min_samples: 4, monitor_samples: 500 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ id: 'ab', agent: 'helper', template: 'greet', control: 1, status: 'running' });
    const ws = await WsClient.connect(`${gw.url.replace('http', 'ws')}/ws`, auth(gw.keys.admin));
    await ws.type('welcome');
    ws.send({ type: 'subscribe', topic: 'trainer.experiments.ab' });
    ws.send({ type: 'ping' });
    await ws.type('pong');
    // Another experiment on the same agent while this one runs is a conflict.
    expect((await call('/experiments', gw.keys.admin, { body: { agent: 'helper', versions: [1, 2] } })).status).toBe(409);

    const seen = new Set<number>();
    let runs = 0;
    while ((await get('ab')).status === 'running') {
      expect(++runs, 'promoted within 80 runs').toBeLessThan(80);
      const r = await run();
      seen.add(r.rendered);
      // The feedback record names the version the run rendered: the assignment reached the template render.
      expect(await feedback(r.run_id, r.rendered === 2 ? 1 : 0.3)).toBe(r.rendered);
      await eventually(async () => (await get('ab')).arms.reduce((s, a) => s + a.rewards, 0) === runs, 10_000, 'the reward');
    }
    expect(seen).toEqual(new Set([1, 2]));
    const promoted = await get('ab');
    expect(promoted).toMatchObject({ status: 'monitoring', promoted: 2, previous: 1 });
    for (const a of promoted.arms) expect(a.rewards).toBeGreaterThanOrEqual(4);
    const lib = new PromptLibrary(gw.system.storage, config);
    expect((await lib.labels('acme', 'greet'))['production']).toBe(2);
    const frame = await ws.next((f) => f['type'] === 'message' && (f['payload'] as ExperimentEvent).type === 'promoted', 10_000);
    expect((frame['payload'] as ExperimentEvent).state?.status).toBe('monitoring');

    // After the promotion every run renders version 2; it does badly, so the experiment rolls back to 1.
    let after = 0;
    while ((await get('ab')).status === 'monitoring') {
      expect(++after, 'rolled back within 40 runs').toBeLessThan(40);
      const r = await run();
      expect(r.rendered).toBe(2);
      await feedback(r.run_id, 0);
      await eventually(
        async () => {
          const e = await get('ab');
          return e.status !== 'monitoring' || e.after.rewards === after;
        },
        10_000,
        'the reward',
      );
    }
    const back = await get('ab');
    expect(back.status).toBe('rolled_back');
    expect((await lib.labels('acme', 'greet'))['production']).toBe(1);
    await eventually(
      async () => (await get('ab')).arms.reduce((s, a) => s + a.assigned, 0) === runs + after,
      10_000,
      'assignments reported',
    );

    const events = (await call('/experiments/ab/events', gw.keys.admin)).body['events'] as ExperimentEvent[];
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('created');
    expect(types.indexOf('promoted')).toBeLessThan(types.indexOf('rolled_back'));
    // Decisions name the run whose reward made them.
    for (const d of events.filter((e) => e.type === 'promoted' || e.type === 'rolled_back')) expect(typeof d.run_id).toBe('string');
    expect(events.filter((e) => e.type === 'assigned').every((e) => typeof e.run_id === 'string')).toBe(true);
    expect(events.filter((e) => e.type === 'assigned')).toHaveLength(runs + after);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    ws.close();
    // Once over, runs render the production label again, and the agent is free for a new experiment.
    expect((await run()).rendered).toBe(1);
  });

  it('stops and promotes by hand; lists per tenant', async () => {
    const made = await call('/experiments', gw.keys.admin, { body: { id: 'byhand', agent: 'helper', versions: [2, 1] } });
    expect(made.status).toBe(201);
    expect(made.body['control']).toBe(1);
    expect((await call('/experiments/byhand/promote', gw.keys.admin, { body: { version: 'x' } })).status).toBe(400);
    expect((await call('/experiments/byhand/promote', gw.keys.admin, { body: { version: 7 } })).status).toBe(400);
    const p = await call('/experiments/byhand/promote', gw.keys.admin, { body: { version: 2 } });
    expect(p.body).toMatchObject({ status: 'monitoring', promoted: 2 });
    expect((await run()).rendered).toBe(2);
    const s = await call('/experiments/byhand/stop', gw.keys.admin, { body: {} });
    expect(s.body).toMatchObject({ status: 'stopped' });
    expect((await call('/experiments/byhand/promote', gw.keys.admin, { body: {} })).status).toBe(409);
    const list = (await call('/experiments', gw.keys.admin)).body['experiments'] as ExperimentRecord[];
    expect(list.map((e) => e.id).sort()).toEqual(['ab', 'byhand']);
    expect((await call('/experiments', gw.keys.other)).body['experiments']).toEqual([]);
    expect((await call('/experiments/ab', gw.keys.other)).status).toBe(404);
  });

  it('troupe experiments drives the same API', async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    const cli = (...args: string[]) => experimentsCommand.run([...args, '--url', gw.url, '--key', gw.keys.admin.key]);
    try {
      expect(await cli('create', '--agent', 'helper', '--versions', '1,2', '--id', 'cli1', '--min-samples', '3')).toBe(0);
      expect(lines.at(-1)).toMatch(/^cli1 {2}helper {2}greet {2}running {2}v1 \d+% n=0/);
      expect(await cli('list')).toBe(0);
      expect(lines.some((l) => l.startsWith('byhand  helper  greet  stopped promoted v2'))).toBe(true);
      expect(await cli('stop', 'cli1')).toBe(0);
      expect(lines.at(-1)).toContain('stopped');
      expect(await cli('events', 'cli1')).toBe(0);
      expect(lines.at(-1)).toMatch(/^#\d+ \S+ stopped$/);
      expect(await cli('watch', 'cli1')).toBe(0);
      await expect(cli('show', 'nope')).rejects.toThrow(/HTTP 404/);
      await expect(experimentsCommand.run(['show', 'cli1', '--url', gw.url, '--key', gw.keys.user.key])).rejects.toThrow(/HTTP 403/);
    } finally {
      log.mockRestore();
    }
  });

  it('ignores a split published on the experiment topic by anyone but the experiment', async () => {
    await run(); // this node's table of the tenant is loaded, and listens to the experiments' topics
    const made = await call('/experiments', gw.keys.admin, {
      body: { id: 'spoof', agent: 'helper', versions: [1, 2], auto_promote: false },
    });
    expect(made.status).toBe(201);
    const real = made.body as unknown as ExperimentRecord;
    const ws = await WsClient.connect(`${gw.url.replace('http', 'ws')}/ws`, auth(gw.keys.user));
    await ws.type('welcome');
    const forged = { ...real, events: 1e9, arms: real.arms.map((a) => ({ ...a, weight: a.version === 2 ? 1 : 0 })) };
    ws.send({ type: 'publish', topic: 'trainer.experiments.spoof', payload: { type: 'created', seq: 1e9, state: forged } });
    ws.send({ type: 'ping' });
    await ws.type('pong');
    ws.close();
    const rendered = new Set<number>();
    for (let i = 0; i < 16 && rendered.size < 2; i++) rendered.add((await run()).rendered);
    expect(rendered).toEqual(new Set([1, 2]));
    expect((await call('/experiments/spoof/stop', gw.keys.admin, { body: {} })).body['status']).toBe('stopped');
  });
});
