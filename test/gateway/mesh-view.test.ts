/**
 * The mesh view (`GET /mesh`, `GET /mesh/events`) on a real nats-server with in-process JetStream nodes: a two-node
 * mesh shows both nodes serving with their kinds, gateway URL and actors; a third node joining shows in the snapshot
 * and as events on an open stream; an actor activated on another node is an event; a node that stops heartbeating
 * (what a crash looks like from outside) shows dead; `Last-Event-ID` resumes; callers without `mesh:read` get 403.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { announceGateway, Gateway, generateApiKey, meshRoute, type GatewayDeps, type HttpRoute } from '../../gateway/index.js';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import type { JetStreamTransport, KvMembership } from '../../runtime/jetstream/index.js';
import { configSchema } from '../../config/index.js';
import { meshFixture } from '../cluster/mesh-fixture.js';
import { startCatalogGateway } from './catalog-fixture.js';
import { eventually } from '../transport/contract.js';
import { openSse, type SseFrame, type SseReader } from './sse-client.js';

const mesh = meshFixture();
let n = 0;
const FAST = { heartbeatMs: 100, deadAfterMs: 1_500 };

const admin = { id: 'k-admin', tenant: 'default', roles: ['admin'] as const, ...generateApiKey() };
const operator = { id: 'k-op', tenant: 'default', roles: ['operator'] as const, ...generateApiKey() };
const user = { id: 'k-user', tenant: 'default', roles: ['user'] as const, ...generateApiKey() };

const echo = { kind: 'echo', behavior: () => ({ receive: async (m: { payload?: unknown }) => m.payload }) };

let gateway: Gateway | undefined;
const readers: SseReader[] = [];
const placements: MeshNode[] = [];
// Runs before the fixture's (hooks run as a stack): placement stops before the systems shut down.
afterEach(async () => {
  for (const p of placements.splice(0)) p.stop();
  for (const r of readers.splice(0)) r.close();
  await gateway?.close();
  gateway = undefined;
});

/** A node hosting `echo`, placed and announced like `troupe node` does. */
async function meshNode(prefix: string, id: string): Promise<{ system: ActorSystem; placement: MeshNode }> {
  const system = await mesh.node(prefix, id, FAST);
  const placement = new MeshNode(system).host(echo);
  await placement.start();
  placements.push(placement);
  return { system, placement };
}

async function startGateway(system: ActorSystem): Promise<{ url: string }> {
  const deps: GatewayDeps = {
    system,
    agents: () => [],
    tools: () => [],
    ensure: () => Promise.reject(new Error('no catalog')),
    ready: () => true,
  };
  const routes: HttpRoute[] = [meshRoute(deps, { graceMs: 60_000 })];
  gateway = await Gateway.start({
    deps,
    routes,
    port: 0,
    auth: { keys: [admin, operator, user].map((k) => ({ id: k.id, hash: k.hash, tenant: k.tenant, roles: [...k.roles] })) },
    limits: { ratePerSec: 100_000, burst: 100_000 },
    warn: () => undefined,
  });
  await announceGateway(deps, routes, gateway.url);
  return { url: gateway.url };
}

const auth = (k: { key: string }): Record<string, string> => ({ authorization: `Bearer ${k.key}` });

interface NodeView {
  id: string;
  kinds: string[];
  gateway: string | null;
  state: string;
  started_at: string;
  actors: { address: string; kind: string; name: string; tenant: string; mailbox: number; restarts: number }[] | null;
  dead_letters: number | null;
}
interface Snapshot {
  node: string;
  event_id: string | null;
  nodes: NodeView[];
}

async function snapshot(url: string): Promise<Snapshot> {
  const res = await fetch(`${url}/mesh`, { headers: auth(admin) });
  expect(res.status).toBe(200);
  return (await res.json()) as Snapshot;
}

async function stream(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const r = await openSse(`${url}/mesh/events`, { ...auth(admin), ...headers });
  readers.push(r);
  return r;
}

const about = (node: string, type: string) => (f: SseFrame) => f.event === type && f.data['node'] === node;

describe('mesh view on a real nats-server', () => {
  it('shows the nodes, their actors, a third node joining and a node dying, as snapshot and as events', async () => {
    const prefix = `mv${n++}`;
    const a = await meshNode(prefix, 'node-a');
    const b = await meshNode(prefix, 'node-b');
    const { url } = await startGateway(a.system);
    await eventually(() => a.system.transport.cluster!.membership.live().length === 2, 10_000, 'a to see b');
    await b.system.spawn('echo/on-b', echo.behavior(), { tenant: 'acme' });

    await eventually(
      async () => {
        const s = await snapshot(url);
        return s.nodes.find((x) => x.id === 'node-b')?.actors?.some((x) => x.address === 'echo/on-b') === true;
      },
      10_000,
      'the actor on b in the snapshot',
    );
    const first = await snapshot(url);
    expect(first.node).toBe('node-a');
    expect(first.nodes.map((x) => [x.id, x.state])).toEqual([
      ['node-a', 'serving'],
      ['node-b', 'serving'],
    ]);
    const [na, nb] = first.nodes as [NodeView, NodeView];
    expect(na.kinds).toEqual(['echo']);
    expect(na.gateway).toBe(url);
    expect(Date.parse(na.started_at)).toBeLessThanOrEqual(Date.now());
    expect(nb.actors).toContainEqual(
      expect.objectContaining({ address: 'echo/on-b', kind: 'echo', name: 'on-b', tenant: 'acme', mailbox: 0, restarts: 0 }),
    );
    expect(nb.actors?.some((x) => x.address === 'node/node-b')).toBe(true);
    expect(typeof nb.dead_letters).toBe('number');

    // A stream open, a third node joins: it shows as events (joined, then serving once it hosts its kinds) and in the snapshot.
    const events = await stream(url);
    await events.next((f) => f.event === 'ready', 10_000, 'ready');
    const c = await meshNode(prefix, 'node-c');
    const joined = await events.next(about('node-c', 'node.joined'), 10_000, 'node-c joined');
    expect(joined.id).toMatch(/^[0-9a-f]{8}-\d+$/);
    await events.next(about('node-c', 'node.serving'), 10_000, 'node-c serving');
    expect((await snapshot(url)).nodes.find((x) => x.id === 'node-c')).toMatchObject({ state: 'serving', kinds: ['echo'] });

    // An actor activated on another node is an event (once that node knows someone listens to system events).
    await eventually(() => c.system.transport.hasSubscribers('acme', 'sys.actor.activated'), 10_000, 'c to see the watch');
    await c.system.spawn('echo/on-c', echo.behavior(), { tenant: 'acme' });
    const activated = await events.next(
      (f) => f.event === 'actor.activated' && f.data['address'] === 'echo/on-c',
      10_000,
      'echo/on-c activated',
    );
    expect(activated.data).toMatchObject({ node: 'node-c', tenant: 'acme', kind: 'echo', name: 'on-c' });

    // b drains: draining, then gone from the mesh (it left), in the stream and the snapshot.
    void b.placement.drain();
    await events.next(about('node-b', 'node.draining'), 15_000, 'node-b draining');
    await events.next(about('node-b', 'node.left'), 30_000, 'node-b left');
    expect((await snapshot(url)).nodes.map((x) => x.id)).not.toContain('node-b');
    mesh.forget(b.system);

    // c stops heartbeating without leaving (a crash, seen from outside): dead in the stream and in the snapshot.
    ((c.system.transport as JetStreamTransport).cluster!.membership as KvMembership).stop();
    await events.next(about('node-c', 'node.dead'), 15_000, 'node-c dead');
    const dead = (await snapshot(url)).nodes.find((x) => x.id === 'node-c');
    expect(dead).toMatchObject({ state: 'dead', actors: null });

    // A client that reconnects with the id of the join gets everything after it, in order, once.
    const resumed = await stream(url, { 'last-event-id': joined.id as string });
    await resumed.next((f) => f.event === 'ready', 10_000, 'ready after resume');
    const replayed = resumed.frames.filter((f) => f.event !== 'ready');
    // Both streams stay live: compared up to the last event the resumed one has, once the first stream has it too (at
    // load an event after the node's death can reach one stream before the other).
    const last = replayed.at(-1)?.id;
    await events.next((f) => f.id === last, 10_000, `the first stream to reach ${String(last)}`);
    const original = events.frames.filter((f) => f.id !== undefined && Number(f.id.split('-')[1]) > Number(joined.id?.split('-')[1]));
    const upToLast = original.filter((f) => f.event !== 'ready').map((f) => f.id);
    expect(replayed.map((f) => f.id)).toEqual(upToLast.slice(0, upToLast.indexOf(last) + 1));
    expect(replayed.map((f) => f.event)).toContain('node.dead');

    // An id this gateway never gave out cannot be resumed: the client is told to read the snapshot again.
    const stale = await stream(url, { 'last-event-id': '00000000-5' });
    expect((await stale.next((f) => f.event === 'reset', 10_000, 'reset')).data['reason']).toContain('GET /mesh');
  });

  it('on the embedded default: the one node with its actors, and dead letters as events (never their payload)', async () => {
    const config = configSchema.parse({
      agents: [{ name: 'solo', instructions: 'Hi.', provider: 'offline' }],
      memory: { store: { index: [] } },
    });
    const gw = await startCatalogGateway(config, { admin: { id: 'adm', tenant: 'acme', roles: ['admin'] } });
    try {
      const headers = { authorization: `Bearer ${gw.keys.admin.key}` };
      const ran = await fetch(`${gw.url}/acp/runs/wait`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ assistant_id: 'solo', input: { messages: [{ role: 'user', content: 'hello' }] } }),
      });
      expect(ran.status).toBe(200);
      const res = await fetch(`${gw.url}/mesh`, { headers });
      expect(res.status).toBe(200);
      const s = (await res.json()) as Snapshot;
      expect(s.nodes).toHaveLength(1);
      const only = s.nodes[0] as NodeView;
      expect(only).toMatchObject({ id: gw.system.node, state: 'serving', gateway: null });
      expect(only.kinds).toContain('agent');
      expect(only.actors).toContainEqual(expect.objectContaining({ address: 'agent/solo', tenant: 'acme', kind: 'agent', name: 'solo' }));

      const events = await openSse(`${gw.url}/mesh/events`, headers);
      readers.push(events);
      await events.next((f) => f.event === 'ready', 10_000, 'ready');
      // A message the agent's schema refuses is the sender's error, kept as a dead letter.
      await gw.system.ref('agent/solo', 'acme').tell('acp.run.create', { secret: 'do-not-show' });
      const letter = await events.next((f) => f.event === 'deadletter', 10_000, 'a dead letter');
      expect(letter.data).toMatchObject({ address: 'agent/solo', tenant: 'acme', node: gw.system.node, type: 'acp.run.create' });
      expect(JSON.stringify(letter.data)).not.toContain('do-not-show');
    } finally {
      await gw.close();
    }
  });

  it('answers 403 to callers without mesh:read, on the snapshot and the stream', async () => {
    const a = await meshNode(`mv${n++}`, 'solo');
    const { url } = await startGateway(a.system);
    for (const k of [user, operator]) {
      const res = await fetch(`${url}/mesh`, { headers: auth(k) });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('mesh:read');
      expect((await openSse(`${url}/mesh/events`, auth(k))).status).toBe(403);
    }
    expect((await fetch(`${url}/mesh`)).status).toBe(401);
    expect((await snapshot(url)).nodes.map((x) => x.id)).toEqual(['solo']);
  });
});
