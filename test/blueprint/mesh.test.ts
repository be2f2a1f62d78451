/**
 * Installing on a running mesh: two gateway nodes on one real nats-server (JetStream transport and storage). The
 * `troupe blueprint install --url` CLI process installs through node one; node two — another process's view of the
 * same storage, with its own registry — serves the new agents without a restart (its registry follows a JetStream KV
 * watch), and stops serving them once they are removed through node one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfflineProvider } from '../../actors/index.js';
import { configSchema } from '../../config/index.js';
import { JetStreamStorage, JetStreamTransport } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';
import { NatsServer } from '../nats/server.js';
import { startCatalogGateway, type CatalogGateway } from '../gateway/catalog-fixture.js';
import { runTroupe } from '../gateway/cli-fixture.js';
import { startFrame, WsClient } from '../gateway/ws-fixture.js';

type Keys = 'root';
let nats: NatsServer;
let one: CatalogGateway<Keys>;
let two: CatalogGateway<Keys>;

beforeAll(async () => {
  nats = await NatsServer.start();
  const config = configSchema.parse({ agents: [], memory: { store: { index: [] } } });
  const provider = new OfflineProvider();
  const node = async (): Promise<CatalogGateway<Keys>> =>
    startCatalogGateway<Keys>(
      config,
      { root: { id: 'root', tenant: 'default', roles: ['admin'] } },
      {
        system: await createSystem({
          warn: () => undefined,
          transport: new JetStreamTransport({ servers: nats.url, prefix: 'bpmesh' }),
          storage: await JetStreamStorage.connect({ servers: [nats.url], prefix: 'bpmesh' }),
        }),
        compose: { provider: () => ({ provider, model: 'offline' }) },
      },
    );
  one = await node();
  two = await node();
}, 120_000);
afterAll(async () => {
  await one?.close();
  await two?.close();
  await nats?.stop();
});

function troupe(args: string[]): ReturnType<typeof runTroupe> {
  return runTroupe(args);
}

/** Runs `agent` over node `g`'s /ws; the frames until the run ends, or the error frame. */
async function runOn(g: CatalogGateway<Keys>, agent: string, text: string): Promise<string> {
  const c = await WsClient.connect(`${g.url.replace(/^http/, 'ws')}/ws`, { authorization: `Bearer ${g.keys.root.key}` });
  try {
    c.send(startFrame('r', agent, text));
    const first = await c.type('run.created').catch(() => undefined);
    if (first === undefined) return 'no run';
    return JSON.stringify(await c.run(first['run_id'] as string));
  } finally {
    c.ws.terminate();
  }
}

async function listed(g: CatalogGateway<Keys>): Promise<string[]> {
  const res = await fetch(`${g.url}/acp/assistants/search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${g.keys.root.key}`, 'content-type': 'application/json' },
    body: '{}',
  });
  return ((await res.json()) as { assistant_id: string }[]).map((a) => a.assistant_id);
}

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('blueprints on a mesh', () => {
  it('an install through one node is served by the other without a restart, and a remove ends it', async () => {
    expect(await listed(two)).not.toContain('support-desk/billing');
    const installed = await troupe([
      'blueprint',
      'install',
      'examples/blueprints/support-desk',
      '--url',
      one.url,
      '--key',
      one.keys.root.key,
      '--tenant',
      '*',
    ]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain('installed support-desk@1.0.0 for every tenant');
    expect(installed.stderr).toContain('[knowledge 2/2]');
    await until('node two lists the agent', async () => (await listed(two)).includes('support-desk/billing'));
    const answer = await runOn(two, 'support-desk/billing', '/tool support-desk.refund-status {"order": "A-1007"}');
    expect(answer).toContain('refunded on 2026-11-30');
    const search = await runOn(two, 'support-desk/triage', '/tool search_support-desk_faq {"query": "duplicate charge"}');
    expect(search).toContain('knowledge/faq/refunds.md');

    const res = await fetch(`${one.url}/blueprints/support-desk?tenant=*`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${one.keys.root.key}` },
    });
    expect(res.status).toBe(200);
    await until('node two drops the agent', async () => !(await listed(two)).includes('support-desk/billing'));
  }, 600_000);
});
