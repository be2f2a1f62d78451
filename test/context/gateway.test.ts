/**
 * Context injection, user profiles and business rules through a real catalog and gateway: `/profiles` (own profile
 * for users, any for admins, per tenant, 4xx on bad input); a run over /ws sees the static policy passage about the
 * question (not the others), the caller's profile, the time and the run's metadata, and goes on when a provider
 * fails; the model updates the caller's profile with `profile.update`; a rule refuses free-plan refunds over 100 and
 * hands off to billing; another adds an instruction; bad rules fail config loading naming the rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../actors/index.js';
import { configSchema } from '../../config/index.js';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { startCatalogGateway, type CatalogGateway } from '../gateway/catalog-fixture.js';
import { WsClient, startFrame } from '../gateway/ws-fixture.js';
import { RecordingProvider } from './fixtures.js';

const model = new RecordingProvider();
const POLICY = [
  'Refunds: items can be returned within 30 days of delivery for a full refund.',
  'Our office dog is called Biscuit and enjoys long walks in the park.',
  'The cafeteria serves vegetarian lasagna every Thursday at noon.',
].join('\n\n');
const warnings: string[] = [];
let system: ActorSystem;
let gw: CatalogGateway<'alice' | 'bob' | 'admin' | 'globex'>;

beforeAll(async () => {
  const config = configSchema.parse({
    agents: [
      { name: 'support', instructions: 'Help.', tools: ['profile.update'] },
      { name: 'billing', instructions: 'Billing.' },
    ],
    memory: { store: { index: [] } },
    context: {
      support: {
        providers: [
          { kind: 'static', name: 'policy', text: POLICY },
          { kind: 'profile' },
          { kind: 'time', timezone: 'Europe/Paris', locale: 'fr-FR' },
          { kind: 'metadata' },
          { kind: 'collections', name: 'kb', collections: ['missing'], timeoutMs: 500 },
        ],
        relevance: { threshold: 0.25 },
      },
    },
    rules: [
      {
        name: 'free-refunds',
        agents: ['support'],
        when: 'profile.plan == "free" && input.contains("refund") && amounts.exists(a, a > 100.0)',
        then: [{ refuse: 'Refunds over 100 on the free plan go through billing.' }, { handoff: 'billing' }],
      },
      {
        name: 'vip',
        when: 'has(profile.plan) && profile.plan == "vip"',
        then: [{ instruct: 'Greet the user by name.' }, { set: { tier: 'gold' } }],
      },
    ],
  });
  gw = await startCatalogGateway(
    config,
    {
      alice: { id: 'alice', tenant: 'acme', roles: ['user'] },
      bob: { id: 'bob', tenant: 'acme', roles: ['user'] },
      admin: { id: 'acme-admin', tenant: 'acme', roles: ['admin'] },
      globex: { id: 'globex-admin', tenant: 'globex', roles: ['admin'] },
    },
    { compose: { provider: () => ({ provider: model, model: 'scripted' }) }, warn: (m) => warnings.push(m) },
  );
  system = gw.system;
}, 60_000);

afterAll(() => gw?.close());

const call = (who: { key: string }, method: string, path: string, body?: unknown): Promise<Response> =>
  fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${who.key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });

/** Runs `agent` on `content` as `who` over /ws; the run's events from its log. */
async function run(who: { key: string }, agent: string, content: string) {
  const ws = await WsClient.connect(`${gw.url.replace('http', 'ws')}/ws`, { authorization: `Bearer ${who.key}` });
  try {
    ws.send(startFrame('1', agent, content));
    // A loaded machine may take seconds to activate an agent and warm the embedder.
    const runId = (await ws.type('run.created', 30_000))['run_id'] as string;
    await ws.run(runId, false, 30_000);
    return new RunStore(system.storage).events('acme', runId);
  } finally {
    ws.close();
  }
}

describe('/profiles', () => {
  it('lets a user write and read their own profile, and only admins reach others', async () => {
    const put = await call(gw.keys.alice, 'PUT', '/profiles/me', {
      preferences: { plan: 'free', language: 'fr' },
      style: 'short answers',
      facts: ['has two cats'],
    });
    expect(put.status).toBe(200);
    expect(await (await call(gw.keys.alice, 'GET', '/profiles/me')).json()).toMatchObject({
      user: 'key:alice',
      preferences: { plan: 'free' },
      facts: ['has two cats'],
    });
    expect((await call(gw.keys.bob, 'GET', '/profiles/key:alice')).status).toBe(403);
    expect((await call(gw.keys.bob, 'PUT', '/profiles/key:alice', { style: 'x' })).status).toBe(403);
    expect((await call(gw.keys.admin, 'GET', '/profiles/key:alice')).status).toBe(200);
    expect((await call(gw.keys.globex, 'GET', '/profiles/key:alice')).status).toBe(404); // another tenant's admin sees nothing
    const patched = await call(gw.keys.admin, 'PATCH', '/profiles/key:bob', { addFacts: ['likes tea'], preferences: { plan: 'vip' } });
    expect(await patched.json()).toMatchObject({ user: 'key:bob', facts: ['likes tea'], preferences: { plan: 'vip' } });
  });

  it('answers bad input with a 4xx naming the problem', async () => {
    const cases: [string, string, unknown, number][] = [
      ['PUT', '/profiles/me', { preferences: 'free' }, 400],
      ['PUT', '/profiles/me', '{not json', 400],
      ['PATCH', '/profiles/me', { addFacts: ['x'.repeat(501)] }, 400],
      ['PATCH', '/profiles/me', { unknown: 1 }, 400],
      ['POST', '/profiles/me', { style: 'x' }, 405],
      ['GET', '/profiles/a/b', undefined, 404],
      ['GET', '/profiles/%E0%A4%A', undefined, 400],
    ];
    for (const [method, path, body, status] of cases)
      expect([method, path, (await call(gw.keys.bob, method, path, body)).status]).toEqual([method, path, status]);
    expect(await (await call(gw.keys.bob, 'PUT', '/profiles/me', { preferences: 'free' })).json()).toMatchObject({
      detail: expect.stringContaining('preferences'),
    });
  });
});

describe('context in a run', () => {
  it('shows the model the relevant policy passage, the profile and the time, and goes on without a failing provider', async () => {
    const events = await run(gw.keys.alice, 'support', 'How many days do I have to return an item?');
    expect(events.findLast((e) => e.event === 'status')?.data).toMatchObject({ status: 'success' });
    const shown = model.lastShown();
    expect(shown).toContain('Refunds: items can be returned within 30 days');
    expect(shown).not.toContain('Biscuit');
    expect(shown).not.toContain('lasagna');
    expect(shown).toContain('About the user (key:alice)');
    expect(shown).toContain('has two cats');
    expect(shown).toMatch(/Now: .*2\d{3}.*\(Europe\/Paris\)/);
    expect(warnings.join('\n')).toMatch(/context provider kb of agent support failed, the run goes on without it/);
  });

  it('lets the model update the caller’s profile through profile.update', async () => {
    await run(gw.keys.alice, 'support', 'remember: prefers email over phone');
    const p = (await (await call(gw.keys.alice, 'GET', '/profiles/me')).json()) as {
      facts: string[];
      preferences: Record<string, unknown>;
    };
    expect(p.facts).toContain('prefers email over phone');
    expect(p.preferences).toMatchObject({ plan: 'free', units: 'metric' });
    expect((await (await call(gw.keys.admin, 'GET', '/profiles/key:bob')).json()) as { facts: string[] }).toMatchObject({
      facts: ['likes tea'],
    });
  });
});

describe('business rules', () => {
  it('refuses a free-plan refund over 100 and hands off to billing, without asking the support model', async () => {
    const before = model.requests.length;
    const events = await run(gw.keys.alice, 'support', 'I want a refund of 150 dollars');
    const message = events.find((e) => e.event === 'message');
    expect(message?.data).toMatchObject({ content: 'Refunds over 100 on the free plan go through billing.' });
    expect(events.find((e) => e.event === 'handoff')?.data).toEqual({ from: 'support', to: 'billing' });
    expect(events.findLast((e) => e.event === 'status')?.data).toMatchObject({ status: 'success' });
    // Only billing's model call was made.
    expect(model.requests.length).toBe(before + 1);
    expect(model.requests[model.requests.length - 1]?.messages[0]).toEqual({ role: 'system', content: 'Billing.' });
  });

  it('lets a refund of 50 through to the model, and adds the vip instruction for bob', async () => {
    const small = await run(gw.keys.alice, 'support', 'I want a refund of 50 dollars');
    expect(small.find((e) => e.event === 'handoff')).toBeUndefined();
    expect(small.find((e) => e.event === 'message')?.data).toMatchObject({ content: 'ok: I want a refund of 50 dollars' });
    await run(gw.keys.bob, 'support', 'hello');
    expect(model.lastShown()).toContain('Business rules for this request:\n- Greet the user by name.\nVariables: tier=gold');
  });

  it('fails config loading on a bad rule, naming it', () => {
    const bad = configSchema.safeParse({ rules: [{ name: 'broken', when: 'profile.plan ==', then: [{ refuse: 'no' }] }] });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('rule \\"broken\\": bad CEL condition');
    const respHandoff = configSchema.safeParse({ rules: [{ name: 'late', on: 'response', when: 'true', then: [{ handoff: 'x' }] }] });
    expect(JSON.stringify(respHandoff.error?.issues)).toContain('rule \\"late\\": a response rule may refuse or set');
  });

  it('refuses a catalog whose rule hands off to an unknown agent', async () => {
    const config = configSchema.parse({
      agents: [{ name: 'a', instructions: 'x' }],
      memory: { store: { index: [] } },
      rules: [{ name: 'away', when: 'true', then: [{ handoff: 'nobody' }] }],
    });
    const s = await createSystem({ warn: () => undefined });
    try {
      await expect(composeCatalog(config, new MeshNode(s))).rejects.toThrow('rule "away" hands off to agent "nobody"');
    } finally {
      await s.shutdown();
    }
  });
});
