/**
 * The mesh map in Chromium against a gateway on a real nats-server mesh (in-process JetStream nodes, as
 * test/gateway/mesh-view.test.ts): a second node joining shows on the map with its kinds and actors, an actor
 * activated on it shows, a node draining shows draining then leaves the map, and a node that stops heartbeating (a
 * crash, seen from outside) shows dead — each live from `/mesh/events`, without a reload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import type { JetStreamTransport, KvMembership } from '../../runtime/jetstream/index.js';
import { meshFixture } from '../cluster/mesh-fixture.js';
import { eventually } from '../transport/contract.js';
import { launchBrowser, OUTPUT, startConsoleGateway, type ConsoleBrowser, type ConsoleGateway } from './fixture.js';

const mesh = meshFixture();
// Heartbeats every 100 ms; dead after 5 s of silence (was 1.5 s). The nodes share the test's process: a stall of the
// loaded process longer than the window had a's membership declare b dead until its next heartbeat, and b's drain, seen
// while it was dead, showed as "node-b joined" (then no "left"): the test waited out its polls for a transition it
// could no longer see.
const FAST = { heartbeatMs: 100, deadAfterMs: 5_000 };
const echo = { kind: 'echo', behavior: () => ({ receive: async (m: { payload?: unknown }) => m.payload }) };

let b: ConsoleBrowser;
beforeAll(async () => {
  b = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await b?.close();
});

describe('console mesh map on a real nats-server', () => {
  it('shows a node joining, an actor on it, a node draining and leaving, and a node dying, as they happen', async () => {
    const placements: MeshNode[] = [];
    let gw: ConsoleGateway | undefined;
    try {
      const a = await mesh.node('cm', 'node-a', FAST);
      gw = await startConsoleGateway({ system: a });
      const join = async (id: string): Promise<ActorSystem> => {
        const system = await mesh.node('cm', id, FAST);
        const placement = new MeshNode(system).host(echo);
        await placement.start();
        placements.push(placement);
        return system;
      };
      const nodeB = await join('node-b');
      await eventually(() => a.transport.cluster!.membership.live().length === 2, 10_000, 'a to see b');

      const { context, page } = await b.page();
      await page.goto(`${gw.url}/#/mesh`);
      const card = (id: string) => page.getByTestId(`node-${id}`);
      await expect.poll(() => card('node-b').getAttribute('data-state'), { timeout: 15_000 }).toBe('serving');
      expect(await card('node-a').getAttribute('data-state')).toBe('serving');
      expect(await card('node-b').textContent()).toContain('echo');
      await expect.poll(() => page.getByTestId('mesh-live').textContent(), { timeout: 10_000 }).toBe('live');

      // A second node joins the two-node mesh: it shows on the open map (no reload), serving with its kind.
      const nodeC = await join('node-c');
      await expect.poll(() => card('node-c').getAttribute('data-state'), { timeout: 15_000 }).toBe('serving');
      expect(await card('node-c').textContent()).toContain('echo');
      expect(await page.getByTestId('mesh-changes').textContent()).toContain('node node-c joined');

      // An actor activated on it shows in its card.
      await eventually(() => nodeC.transport.hasSubscribers('acme', 'sys.actor.activated'), 10_000, 'c to see the watch');
      await nodeC.spawn('echo/on-c', echo.behavior(), { tenant: 'acme' });
      await expect.poll(() => card('node-c').locator('tr[data-address="echo/on-c"]').count(), { timeout: 15_000 }).toBe(1);
      await page.screenshot({ path: `${OUTPUT}mesh-three-nodes.png`, fullPage: true });

      // b drains: draining, then it leaves the map.
      const drained = placements[0]!.drain();
      // The draining transition is read from the transitions list: a short drain can take b's card off the map before a
      // poll of the card's own state sees it (a CI run waited 30 s on the vanished card).
      await expect
        .poll(async () => (await page.getByTestId('mesh-changes').textContent()) ?? '', { timeout: 15_000 })
        .toContain('node node-b draining');
      await expect.poll(() => card('node-b').count(), { timeout: 30_000 }).toBe(0);
      await drained;
      mesh.forget(nodeB);
      expect(await page.getByTestId('mesh-changes').textContent()).toContain('node node-b left');

      // c stops heartbeating without leaving (a crash): it shows dead.
      ((nodeC.transport as JetStreamTransport).cluster!.membership as KvMembership).stop();
      await expect.poll(() => card('node-c').getAttribute('data-state'), { timeout: 30_000 }).toBe('dead');
      expect(await card('node-c').getByTestId('node-state').textContent()).toBe('dead');
      await page.screenshot({ path: `${OUTPUT}mesh-node-dead.png`, fullPage: true });
      await context.close();
    } finally {
      for (const p of placements) p.stop();
      await gw?.close();
    }
  }, 120_000);
});
