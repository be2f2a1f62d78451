/** `/healthz` and `/metrics` (docs/gateway-operations.md), including a real NATS server going away. */
import { afterEach, describe, expect, it } from 'vitest';
import { Gateway, generateApiKey } from '../../gateway/index.js';
import { type ActorSystem } from '../../runtime/index.js';
import { JetStreamTransport } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';
import { NatsServer } from '../nats/server.js';
import { startFrame, startNode, WsClient, type TestNode } from './ws-fixture.js';
import { noAgentDeps } from './catalog-fixture.js';

let node: TestNode | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await node?.stop();
  node = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
});

const until = async (cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

async function gatewayOn(system: ActorSystem, ready: () => boolean): Promise<Gateway> {
  const g = await Gateway.start({ port: 0, deps: await noAgentDeps(system, ready) });
  cleanups.push(() => g.close());
  return g;
}

describe('/healthz', () => {
  it('answers 503 until the node is ready, then 200 with node, nats and actors', async () => {
    const system = await createSystem({ warn: () => undefined });
    cleanups.push(() => system.shutdown());
    let ready = false;
    const g = await gatewayOn(system, () => ready);
    const before = await fetch(`${g.url}/healthz`);
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({ status: 'unavailable', node: system.node, nats: 'none' });
    ready = true;
    const after = await fetch(`${g.url}/healthz`);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ status: 'ok', node: system.node, nats: 'none', actors: system.actors().length });
  });

  it('reports NATS connected, then 503 when the server goes away', async () => {
    const server = await NatsServer.start();
    cleanups.push(() => server.stop());
    const system = await createSystem({
      transport: new JetStreamTransport({ servers: server.url, prefix: 'healthz' }),
      warn: () => undefined,
    });
    cleanups.push(() => system.shutdown().catch(() => undefined));
    const g = await gatewayOn(system, () => true);
    const up = await fetch(`${g.url}/healthz`);
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ status: 'ok', nats: 'connected' });
    await server.kill();
    await until(async () => (await fetch(`${g.url}/healthz`)).status === 503);
    expect(await (await fetch(`${g.url}/healthz`)).json()).toMatchObject({ status: 'unavailable', nats: 'disconnected' });
    await server.launch(); // same port and store: the client reconnects and health comes back
    await until(async () => (await fetch(`${g.url}/healthz`)).status === 200, 20_000);
  }, 60_000);
});

describe('/metrics', () => {
  it('exposes runs, frames, connections, actor messages and latencies in Prometheus text', async () => {
    node = await startNode();
    const c = await WsClient.connect(node.url);
    c.send(startFrame('m', 'assistant', 'count me'));
    const runId = (await c.type('run.created'))['run_id'] as string;
    await c.run(runId);
    expect((await fetch(`${node.gateway.url}/healthz`)).status).toBe(200);
    const res = await fetch(`${node.gateway.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    expect(text).toContain('# TYPE troupe_runs_started_total counter');
    expect(text).toMatch(/^troupe_runs_started_total 1$/m);
    expect(text).toMatch(/^troupe_runs_finished_total\{status="success"\} 1$/m);
    expect(text).toMatch(/^troupe_ws_connections 1$/m);
    expect(text).toMatch(/^troupe_run_first_token_seconds_count 1$/m);
    expect(text).toMatch(/^troupe_run_duration_seconds_bucket\{le="\+Inf"\} 1$/m);
    expect(Number(/^troupe_actor_messages_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/^troupe_dead_letters_total \d+$/m);
    expect(text).toMatch(/^troupe_actor_restarts_total \d+$/m);
    expect(text).toMatch(/^troupe_http_requests_total\{route="\/healthz",status="200"\} \d+$/m);
    c.ws.terminate();
  });

  it('needs an admin key when auth is on', async () => {
    const admin = generateApiKey();
    const user = generateApiKey();
    node = await startNode({
      auth: {
        keys: [
          { id: 'admin', hash: admin.hash, tenant: 'ops', roles: ['admin'] },
          { id: 'user', hash: user.hash, tenant: 'acme', roles: ['user'] },
        ],
      },
    });
    const url = `${node.gateway.url}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    const forbidden = await fetch(url, { headers: { authorization: `Bearer ${user.key}` } });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ detail: expect.stringContaining('admin') });
    expect((await fetch(url, { headers: { authorization: `Bearer ${admin.key}` } })).status).toBe(200);
    expect((await fetch(`${node.gateway.url}/healthz`)).status).toBe(200); // health stays public
  });
});
