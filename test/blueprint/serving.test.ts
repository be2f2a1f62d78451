/**
 * What an installed blueprint brings besides its agents, over a real gateway (real catalog started, memory storage,
 * offline model, auth on): its workflows' topic triggers fire like configured ones — in the installing tenant only —
 * and stop once it is removed (a configured control workflow on the same topic still runs); its guardrail policy
 * blocks its agents' input (a configured agent, without that policy, runs the same input) until an upgrade drops the
 * policy; and two concurrent installs of one name in two tenants cannot both succeed.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfflineProvider, PromptLibrary, WorkflowJournal, topicRunId } from '../../actors/index.js';
import { configSchema } from '../../config/index.js';
import { startCatalogGateway, type CatalogGateway } from '../gateway/catalog-fixture.js';
import { startFrame, WsClient } from '../gateway/ws-fixture.js';
import { eventually } from '../transport/contract.js';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURE = join(ROOT, 'test/tool/fixtures/mcp-stdio-server.ts');

type Keys = 'acme' | 'root' | 'acmeAdmin' | 'betaAdmin';
let gw: CatalogGateway<Keys>;

beforeAll(async () => {
  const config = configSchema.parse({
    agents: [{ name: 'plain', instructions: 'Help.' }],
    // The control: a configured workflow on the topic the blueprint's workflow listens to, in the same tenant.
    workflows: [{ name: 'audit', steps: { a: { tool: 'clock' } }, triggers: [{ topic: 'orders.created', tenant: 'acme' }] }],
    memory: { store: { index: [] } },
  });
  const provider = new OfflineProvider();
  gw = await startCatalogGateway<Keys>(
    config,
    {
      acme: { id: 'acme', tenant: 'acme', roles: ['user'] },
      root: { id: 'root', tenant: 'default', roles: ['admin'] },
      acmeAdmin: { id: 'acme-admin', tenant: 'acme', roles: ['admin'] },
      betaAdmin: { id: 'beta-admin', tenant: 'beta', roles: ['admin'] },
    },
    { compose: { provider: () => ({ provider, model: 'offline' }) } },
  );
  await gw.catalog.start();
}, 120_000);
afterAll(() => gw?.close());

async function call(key: Keys, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${gw.keys[key].key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, text: await res.text() };
}

async function runOver(key: Keys, agent: string, text: string): Promise<string> {
  const c = await WsClient.connect(`${gw.url.replace(/^http/, 'ws')}/ws`, { authorization: `Bearer ${gw.keys[key].key}` });
  try {
    c.send(startFrame('r', agent, text));
    const created = await c.type('run.created');
    return JSON.stringify(await c.run(created['run_id'] as string));
  } finally {
    c.ws.terminate();
  }
}

const manifest = (name: string, version: string, extra = ''): string =>
  `name: ${name}\nversion: ${version}\nauthor: t\nlicense: MIT\ncategory: test\n${extra}`;

describe('blueprint workflows, guardrails and names', () => {
  it("fires an installed workflow's topic trigger in its tenant, and no more once removed", async () => {
    const files = {
      'blueprint.yaml': manifest('orders', '1.0.0', 'workflows: [workflows/on-order.yaml]\n'),
      // It names another tenant: an install for acme fires it in acme only.
      'workflows/on-order.yaml':
        'name: on-order\ninput: { order: string }\nsteps: { a: { tool: clock } }\ntriggers: [{ topic: orders.created, tenant: beta }]\n',
    };
    const installed = await call('acmeAdmin', 'POST', '/blueprints', { files });
    expect(installed.status, installed.text).toBe(201);
    const journal = new WorkflowJournal(gw.system.storage);
    const status = async (tenant: string, workflow: string, envelope: string): Promise<string | undefined> =>
      (await journal.getRun(tenant, topicRunId(workflow, envelope)))?.status;

    await gw.system.publish('orders.created', { order: 'B-1' }, { id: 'env-b1', tenant: 'beta' });
    await gw.system.publish('orders.created', { order: 'A-1' }, { id: 'env-a1', tenant: 'acme' });
    await eventually(
      async () =>
        (await status('acme', 'orders/on-order', 'env-a1')) === 'success' && (await status('acme', 'audit', 'env-a1')) === 'success',
      15_000,
      'the blueprint workflow and the control ran on the publish in acme',
    );
    expect((await journal.getRun('acme', topicRunId('orders/on-order', 'env-a1')))?.input).toEqual({ order: 'A-1' });
    expect(await status('beta', 'orders/on-order', 'env-b1')).toBeUndefined();

    expect((await call('acmeAdmin', 'DELETE', '/blueprints/orders')).status).toBe(200);
    await eventually(
      () => !gw.system.actors('acme').some((r) => r.address === 'workflow/orders/on-order'),
      5_000,
      'the removed workflow stopped',
    );
    await gw.system.publish('orders.created', { order: 'A-2' }, { id: 'env-a2', tenant: 'acme' });
    await gw.system.publish('orders.created', { order: 'A-3' }, { id: 'env-a3', tenant: 'acme' });
    await eventually(async () => (await status('acme', 'audit', 'env-a3')) === 'success', 15_000, 'the control ran again');
    expect(await status('acme', 'orders/on-order', 'env-a2')).toBeUndefined();
    expect(await status('acme', 'orders/on-order', 'env-a3')).toBeUndefined();
  }, 60_000);

  it("blocks input its guardrail policy blocks on the blueprint's agents only, until an upgrade drops the policy", async () => {
    const policy = 'rules:\n  - { name: no-email-in, stages: [input], detector: pii, type: EMAIL, action: block }\n';
    const v1 = {
      'blueprint.yaml': manifest('guarded', '1.0.0', 'agents: [agents/helper.yaml]\nguardrails: guardrails.yaml\n'),
      'agents/helper.yaml': 'name: helper\ninstructions: Help.\n',
      'guardrails.yaml': policy,
    };
    expect((await call('acmeAdmin', 'POST', '/blueprints', { files: v1 })).status).toBe(201);
    const email = 'please write to jane.doe@example.com about my order';
    const blocked = await runOver('acme', 'guarded/helper', email);
    expect(blocked).toContain('run.failed');
    expect(blocked).toContain('guardrail policy of blueprint guarded');
    // The same input to the configured agent, and other input to the blueprint's, run.
    expect(await runOver('acme', 'plain', email)).toContain('run.completed');
    expect(await runOver('acme', 'guarded/helper', 'hello there')).toContain('run.completed');

    const v2 = { ...v1, 'blueprint.yaml': manifest('guarded', '1.1.0', 'agents: [agents/helper.yaml]\n') };
    const up = await call('acmeAdmin', 'POST', '/blueprints', { files: v2, upgrade: true });
    expect(up.status, up.text).toBe(200);
    expect(await runOver('acme', 'guarded/helper', email)).toContain('run.completed');
    expect((await call('acmeAdmin', 'DELETE', '/blueprints/guarded')).status).toBe(200);
  }, 60_000);

  it("writes its prompt templates to the tenant's /prompts store, and removes exactly those", async () => {
    const files = {
      'blueprint.yaml': manifest('writing', '1.0.0', 'agents: [agents/w.yaml]\nprompts: [prompts/w.yaml]\n'),
      'agents/w.yaml': 'name: w\nprompt: w\n',
      'prompts/w.yaml': 'name: w\ntemplate: "You write for {{agent}}."\n',
    };
    // The store `/prompts` lists (gateway/prompts reads it through a PromptLibrary of the node's storage).
    const library = new PromptLibrary(gw.system.storage, { prompts: [], personas: [] });
    const listed = async (tenant: string): Promise<string[]> => (await library.list(tenant)).map((p) => p.name);
    // A template of acme's own, made over /prompts, beside it: kept by the install and by the removal.
    await library.create('acme', 'mine', { template: 'Mine.', description: '', variables: {}, sections: [], labels: [] });
    const installed = await call('acmeAdmin', 'POST', '/blueprints', { files });
    expect(installed.status, installed.text).toBe(201);
    expect(await listed('acme')).toEqual(['mine', 'writing.w']);
    expect(await listed('beta')).toEqual([]);
    expect((await library.resolve('acme', 'writing.w@production')).template.version.template).toBe('You write for {{agent}}.');
    // An upgrade replaces the template with new version numbers (nodes cache versions by number).
    const v2 = {
      ...files,
      'blueprint.yaml': files['blueprint.yaml'].replace('1.0.0', '1.1.0'),
      'prompts/w.yaml': 'name: w\ntemplate: "Write, {{agent}}."\n',
    };
    expect((await call('acmeAdmin', 'POST', '/blueprints', { files: v2, upgrade: true })).status).toBe(200);
    const now = await library.resolve('acme', 'writing.w@production');
    expect([now.template.version.version, now.template.version.template]).toEqual([2, 'Write, {{agent}}.']);
    expect(await listed('acme')).toEqual(['mine', 'writing.w']);
    expect(await runOver('acme', 'writing/w', 'hi')).toContain('run.completed');

    expect((await call('acmeAdmin', 'DELETE', '/blueprints/writing')).status).toBe(200);
    expect(await listed('acme')).toEqual(['mine']);
    // A template of that name made by the tenant is never overwritten by an install.
    await library.create('acme', 'writing.w', { template: 'Theirs.', description: '', variables: {}, sections: [], labels: [] });
    const clash = await call('acmeAdmin', 'POST', '/blueprints', { files });
    expect(clash.status).toBe(409);
    expect(clash.text).toContain('prompt template writing.w exists');
    const fresh = new PromptLibrary(gw.system.storage, { prompts: [], personas: [] });
    expect((await fresh.resolve('acme', 'writing.w')).template.version.template).toBe('Theirs.');
  }, 60_000);

  it('attaches its MCP servers (a real stdio server) for its agents, without a restart, and ends them on removal', async () => {
    const server = { name: 'fx', command: process.execPath, args: ['--import', 'tsx', FIXTURE], cwd: ROOT };
    const files = {
      'blueprint.json': JSON.stringify({
        name: 'mcpbp',
        version: '1.0.0',
        author: 't',
        license: 'MIT',
        category: 'test',
        agents: ['agents/helper.yaml'],
        mcpServers: [server],
      }),
      'agents/helper.yaml': 'name: helper\ninstructions: Help.\ntools: [fx.echo, fx.pid]\n',
    };
    // Code on the nodes: a tenant's admin may not install it, the operator may (here for every tenant).
    expect((await call('acmeAdmin', 'POST', '/blueprints', { files })).status).toBe(403);
    const installed = await call('root', 'POST', '/blueprints', { files, tenant: '*' });
    expect(installed.status, installed.text).toBe(201);
    expect(installed.text).toContain('"mcp_servers":["mcpbp_fx"]');
    await eventually(() => gw.catalog.tools().includes('mcpbp_fx.echo'), 15_000, 'the server attached');
    const echoed = await runOver('acme', 'mcpbp/helper', '/tool mcpbp_fx.echo {"text": "over the blueprint"}');
    expect(echoed).toContain('echo: over the blueprint');
    const pidRun = await runOver('acme', 'mcpbp/helper', '/tool mcpbp_fx.pid {}');
    const pid = Number(/mcpbp_fx\.pid: (\d+)/.exec(pidRun)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).not.toThrow();

    expect((await call('root', 'DELETE', '/blueprints/mcpbp?tenant=*')).status).toBe(200);
    await eventually(
      () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      15_000,
      'the server process ended',
    );
    expect(gw.catalog.tools()).not.toContain('mcpbp_fx.echo');
  }, 60_000);

  it("recalls from its knowledge packs through the agent's memory hook, not only a search tool", async () => {
    const doc = 'Refunds for duplicate charges are issued within five business days.';
    const files = {
      'blueprint.yaml': manifest('kb', '1.0.0', 'agents: [agents/a.yaml]\nknowledge: [{ name: faq, documents: [knowledge/refunds.md] }]\n'),
      // No search tool: the passages come through recall.
      'agents/a.yaml': 'name: a\ninstructions: Answer from the FAQ.\nrecall: { collections: [faq], k: 1 }\n',
      'knowledge/refunds.md': doc,
    };
    const bad = await call('acmeAdmin', 'POST', '/blueprints', {
      files: { ...files, 'agents/a.yaml': 'name: a\ninstructions: x\nrecall: { collections: [other] }\n' },
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('agents/a.yaml: recall.collections.0: expected a knowledge pack of this blueprint');
    expect((await call('acmeAdmin', 'POST', '/blueprints', { files })).status).toBe(201);
    const ingested = await call('acmeAdmin', 'POST', '/blueprints/kb/knowledge', {
      pack: 'faq',
      documents: [{ id: 'knowledge/refunds.md', content: doc }],
    });
    expect(ingested.status, ingested.text).toBe(200);
    const answer = await runOver('acme', 'kb/a', 'how long do refunds for duplicate charges take?');
    expect(answer).toContain('run.completed');
    expect(answer).toContain('five business days');
    expect(answer).toContain('knowledge/refunds.md');
    expect((await call('acmeAdmin', 'DELETE', '/blueprints/kb')).status).toBe(200);
  }, 60_000);

  it('lets the operator install for one other tenant (code included), which only that tenant sees', async () => {
    const files = {
      'blueprint.yaml': manifest('opfor', '1.0.0', 'agents: [agents/a.yaml]\n'),
      'agents/a.yaml': 'name: a\ninstructions: Help.\n',
    };
    // A tenant's admin may manage only its own tenant's blueprints.
    expect((await call('acmeAdmin', 'POST', '/blueprints', { files, tenant: 'beta' })).status).toBe(403);
    const installed = await call('root', 'POST', '/blueprints', { files, tenant: 'beta' });
    expect(installed.status, installed.text).toBe(201);
    expect(JSON.parse(installed.text)).toMatchObject({ name: 'opfor', tenant: 'beta' });
    expect((await call('betaAdmin', 'GET', '/blueprints')).text).toContain('"opfor"');
    expect((await call('acmeAdmin', 'GET', '/blueprints')).text).not.toContain('"opfor"');
    expect(await runOver('betaAdmin', 'opfor/a', 'hello')).toContain('run.completed');
    expect((await call('root', 'DELETE', '/blueprints/opfor?tenant=beta')).status).toBe(200);
    expect((await call('betaAdmin', 'GET', '/blueprints')).text).not.toContain('"opfor"');
  });

  it('of two concurrent installs of one name in two tenants, exactly one succeeds', async () => {
    for (let round = 0; round < 5; round++) {
      const files = {
        'blueprint.yaml': manifest(`race${round}`, '1.0.0', 'agents: [agents/a.yaml]\n'),
        'agents/a.yaml': 'name: a\ninstructions: x\n',
      };
      const [a, b] = await Promise.all([
        call('acmeAdmin', 'POST', '/blueprints', { files }),
        call('betaAdmin', 'POST', '/blueprints', { files }),
      ]);
      expect([a.status, b.status].sort(), a.text + b.text).toEqual([201, 409]);
      const winner = a.status === 201 ? 'acmeAdmin' : 'betaAdmin';
      const loser = a.status === 201 ? 'betaAdmin' : 'acmeAdmin';
      // The name stays taken until the holder removes it; then the other tenant may install it.
      expect((await call(loser, 'POST', '/blueprints', { files })).status).toBe(409);
      expect((await call(winner, 'DELETE', `/blueprints/race${round}`)).status).toBe(200);
      expect((await call(loser, 'POST', '/blueprints', { files })).status).toBe(201);
      expect((await call(loser, 'DELETE', `/blueprints/race${round}`)).status).toBe(200);
    }
  }, 60_000);
});
