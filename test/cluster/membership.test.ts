/** Membership (joins, leaves, silent nodes declared dead), reconnect after a server restart, remote drain. */
import { spawn } from 'node:child_process';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import type { KvMembership } from '../../runtime/jetstream/index.js';
import { type ActorSystem, type MembershipEvent } from '../../runtime/index.js';
import { JetStreamTransport } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';
import { ROOT, troupeArgv } from '../gateway/cli-fixture.js';
import { NatsServer } from '../nats/server.js';
import { eventually } from '../transport/contract.js';
import { NodeProcess } from './nodes.js';
import { meshFixture } from './mesh-fixture.js';

const mesh = meshFixture();
let n = 0;

/** The mailbox stream's state and its consumers' delivered/ack floors, for a failure's message. */
async function mailboxState(url: string, stream: string): Promise<string> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const consumers: unknown[] = [];
    for await (const c of jsm.consumers.list(stream))
      consumers.push({
        name: c.name,
        delivered: c.delivered,
        ack_floor: c.ack_floor,
        pending: c.num_pending,
        ack_pending: c.num_ack_pending,
      });
    return `stream ${JSON.stringify((await jsm.streams.info(stream)).state)}; consumers ${JSON.stringify(consumers)}`;
  } catch (e) {
    return `server state unreadable: ${(e as Error).message}`;
  } finally {
    await nc.close();
  }
}

const node = (prefix: string, id: string): Promise<ActorSystem> => mesh.node(prefix, id, { heartbeatMs: 100, deadAfterMs: 600 });

describe('membership', () => {
  it('sees joins and leaves, and declares a silent node dead within the window', async () => {
    const prefix = `mem${n++}`;
    const a = await node(prefix, 'a');
    const events: MembershipEvent[] = [];
    a.transport.cluster!.membership.onChange((e) => events.push(e));
    const b = await node(prefix, 'b');
    const c = await node(prefix, 'c');
    await eventually(() => ['a', 'b', 'c'].every((id) => a.transport.cluster!.membership.isLive(id)), 5_000, 'a to see b and c');
    await eventually(() => b.transport.cluster!.membership.live().length === 3, 5_000, 'b to see all');
    const info = a.transport.cluster!.membership.live().find((x) => x.id === 'b')!;
    expect(info.host.length).toBeGreaterThan(0);
    expect(info.version).toBe('0.1.0');
    expect(info.startedAt).toBeLessThanOrEqual(Date.now());

    await b.shutdown();
    mesh.forget(b);
    await eventually(() => events.some((e) => e.type === 'leave' && e.node.id === 'b'), 5_000, 'b to leave');

    // c stops heartbeating without leaving: what a crash looks like from outside.
    const silentAt = Date.now();
    ((c.transport as JetStreamTransport).cluster!.membership as KvMembership).stop();
    await eventually(() => events.some((e) => e.type === 'dead' && e.node.id === 'c'), 5_000, 'c to be declared dead');
    const took = Date.now() - silentAt;
    expect(took).toBeLessThan(600 + 100 + 500);
    // A heartbeat c wrote just before it fell silent may reach a's mirror after a declared c dead on the mirror it had
    // (a loaded machine's watch lags): a heartbeat inside the window brings c back ("join"), and the window then runs
    // again from it. What must hold is that c ends dead, and stays so.
    await eventually(() => !a.transport.cluster!.membership.isLive('c'), 5_000, 'c to stay dead');
    const lastHeard = Math.max(...events.filter((e) => e.node.id === 'c').map((e) => e.node.heartbeatAt));
    expect(Date.now() - lastHeard).toBeGreaterThan(600);
  });

  it('declares a silent node dead soon after the window, not only at its own next heartbeat', async () => {
    const prefix = `mem${n++}`;
    // The observer heartbeats every 5 s; silence is still judged every 250 ms (placement ranks a dead holder first until
    // it is declared dead, runtime/node.ts).
    const a = await mesh.node(prefix, 'a', { heartbeatMs: 5_000, deadAfterMs: 1_000 });
    const c = await mesh.node(prefix, 'c', { heartbeatMs: 100, deadAfterMs: 1_000 });
    const events: MembershipEvent[] = [];
    a.transport.cluster!.membership.onChange((e) => events.push(e));
    await eventually(() => a.transport.cluster!.membership.isLive('c'), 5_000, 'a to see c');
    const silentAt = Date.now();
    ((c.transport as JetStreamTransport).cluster!.membership as KvMembership).stop();
    await eventually(() => events.some((e) => e.type === 'dead' && e.node.id === 'c'), 8_000, 'c to be declared dead');
    // Window 1 s after the last heartbeat (at most 100 ms before the stop), a look every 250 ms, and room for a loaded box.
    expect(Date.now() - silentAt).toBeLessThan(1_000 + 250 + 1_000);
  });

  it('keeps working after the NATS server restarts, without restarting the node', async () => {
    const own = await NatsServer.start();
    try {
      // A lease window longer than any outage here: with the defaults (3 s, trusted for 2 s after the last renewal) a
      // restart slower than 1-2 s (a loaded machine) fences the lease and ends the actor, and a bare system (no node
      // placement) never re-activates it; the asks then time out. Fencing through an outage is not what this tests.
      const transport = new JetStreamTransport({
        servers: own.url,
        prefix: 'restart',
        publishRetryMs: 30_000,
        leaseTtlMs: 30_000,
        deadAfterMs: 30_000,
      });
      const s = await createSystem({ node: 'r', transport });
      const seen: unknown[] = [];
      const ref = await s.spawn('worker/echo', {
        receive: (msg) => {
          seen.push(msg.payload);
          return msg.payload;
        },
      });
      expect(await ref.ask('echo.it', 1)).toBe(1);
      await own.kill('SIGKILL');
      const during = ref.tell('echo.it', 2); // retries with the same msg id until the server is back
      await new Promise((r) => setTimeout(r, 500));
      await own.launch();
      await during;
      await eventually(
        async () => (await ref.ask('echo.it', 3, { timeoutMs: 2_000 }).catch(() => undefined)) === 3,
        30_000,
        'asks after restart',
      );
      // The tell sent while the server was down was handled exactly once, in order, after the restart. (Failed once in
      // a loaded clean-clone run, not reproduced since: what the server then holds is printed with the assertion.)
      const onceInOrder = seen.filter((x) => x === 2).length === 1 && seen[0] === 1 && seen[1] === 2;
      expect(onceInOrder, onceInOrder ? '' : `handled ${JSON.stringify(seen)}; ${await mailboxState(own.url, 'RESTART_MAILBOX')}`).toBe(
        true,
      );
      await s.shutdown();
    } finally {
      await own.stop();
    }
  }, 60_000);

  it('troupe node drain asks a running node to drain; it exits cleanly', async () => {
    const prefix = `drain${n++}`;
    const proc = await NodeProcess.start('d1', [mesh.server().url], prefix);
    const code = await new Promise<number | null>((done) => {
      // The built CLI when current (test/gateway/cli-fixture.ts): a `troupe` start costs 2-3 s less CPU than through tsx.
      const cli = spawn(
        process.execPath,
        troupeArgv(['node', 'drain', '--node-id', 'd1', '--nats', mesh.server().url, '--prefix', prefix]),
        {
          cwd: ROOT,
          stdio: 'ignore',
        },
      );
      cli.once('exit', done);
    });
    expect(code).toBe(0);
    expect(await proc.exited).toBe(0);
    expect(proc.output).toContain('drained');
  }, 60_000);
});
