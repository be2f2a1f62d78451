/**
 * One driver per run on JetStream (ADR 0007 addendum): two node processes host agent `clerk`. The node driving a
 * run is paused (SIGSTOP) in the middle of a tool call until it is declared dead and the other node takes the agent
 * over (a higher lease epoch) and finishes the run. Then the paused node goes on (SIGCONT) with the tool's answer
 * in hand. Its activation fences itself at once (ADR 0020) and writes nothing more; but the tool's continuation is
 * not a message and may run first: then its next write of the run is refused by the run's fence, it logs the refusal
 * and stops driving the run.
 * Nothing of it lands: the log, the record and the published events are the new driver's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_CREATE, runTopic, type RunEvent } from '../../protocols/index.js';
import type { Behavior } from '../../runtime/index.js';
import { JetStreamStorage } from '../../runtime/jetstream/index.js';
import { RunStore } from '../../actors/agent/index.js';
import { NatsServer } from '../nats/server.js';
import { eventually } from '../transport/contract.js';
import { meshClient } from './nodes.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** A driver-host process (fixtures/driver-host.ts) and what it printed. */
interface Host {
  readonly id: string;
  readonly proc: ChildProcess;
  out: string;
}

async function startHost(id: string, servers: string, prefix: string): Promise<Host> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/cluster/fixtures/driver-host.ts', servers, prefix, id], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const host: Host = { id, proc, out: '' };
  const collect = (b: Buffer): void => {
    host.out = (host.out + b.toString()).slice(-100_000);
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  await eventually(
    () => {
      if (proc.exitCode !== null) throw new Error(`host ${id} exited:\n${host.out}`);
      return host.out.includes(`READY ${id}`);
    },
    // As long as a `troupe node` may take to join (test/cluster/nodes.ts): 30 s ran out at load 20.
    60_000,
    `host ${id} to start`,
  ).catch((e: unknown) => {
    proc.kill('SIGKILL'); // not left running: the caller never gets it to stop
    throw e;
  });
  return host;
}

let server: NatsServer;
const hosts: Host[] = [];
let attempts = 0;

beforeAll(async () => {
  server = await NatsServer.start();
}, 30_000);

afterAll(async () => {
  for (const h of hosts) if (h.proc.exitCode === null && h.proc.signalCode === null) h.proc.kill('SIGKILL');
  await server.stop();
});

const status = (e: RunEvent): unknown => (e.data as { status?: unknown } | undefined)?.status;

describe('one driver per run on JetStream', () => {
  it('the lease epoch of an address never goes down, also after its lease was released for good', async () => {
    const { system } = await meshClient([server.url], `ep${process.pid}`);
    try {
      const seen: number[] = [];
      const probe: Behavior<undefined> = { init: (ctx) => void seen.push(ctx.epoch), receive: () => undefined };
      for (let i = 0; i < 3; i++) await system.stop(await system.spawn('probe/x', probe)); // each stop deletes the lease
      expect(seen).toHaveLength(3);
      expect(seen[1]).toBeGreaterThan(seen[0] as number);
      expect(seen[2]).toBeGreaterThan(seen[1] as number);
    } finally {
      await system.shutdown().catch(() => undefined);
    }
  }, 60_000);

  it(
    'a paused driver that comes back after the takeover is refused at its next write and stops driving',
    { timeout: 150_000 },
    async () => {
      // A retry starts afresh: the last attempt's hosts are gone and its streams are under another prefix.
      for (const h of hosts.splice(0))
        if (h.proc.exitCode === null && h.proc.signalCode === null) {
          h.proc.kill('SIGCONT');
          h.proc.kill('SIGKILL');
        }
      const prefix = `od${process.pid}a${++attempts}`;
      // Side by side (making the mesh's streams and buckets is idempotent): each start is seconds of module loading.
      // Both are kept (and killed after) even when one fails to start.
      const started = await Promise.allSettled(['d1', 'd2'].map((id) => startHost(id, server.url, prefix)));
      for (const r of started) if (r.status === 'fulfilled') hosts.push(r.value);
      for (const r of started) if (r.status === 'rejected') throw r.reason;
      const { system, placement } = await meshClient([server.url], prefix);
      const storage = await JetStreamStorage.connect({ servers: [server.url], prefix });
      try {
        const cluster = system.transport.cluster!;
        await eventually(
          () => ['d1', 'd2'].every((id) => cluster.membership.live().some((n) => n.id === id && n.kinds.includes('agent'))),
          20_000,
          'both hosts in the mesh',
        );
        const seen: { at: number; event: RunEvent }[] = [];
        system.subscribe(runTopic('run-od'), (env) => void seen.push({ at: Date.now(), event: env.payload as RunEvent }));
        const agent = await placement.activate('agent/clerk');
        await agent.ask(
          RUN_CREATE,
          { run_id: 'run-od', input: { messages: [{ role: 'user', content: '/tool slow {"ms":4000}' }] } },
          { timeoutMs: 10_000 },
        );
        await eventually(() => seen.some((s) => s.event.event === 'tool_call'), 20_000, 'the tool call');
        const before = cluster.leases().find((l) => l.address === 'agent/clerk');
        expect(before).toBeDefined();
        const victim = hosts.find((h) => h.id === before!.node)!;
        const heir = hosts.find((h) => h !== victim)!;
        victim.proc.kill('SIGSTOP');

        // The heir takes the agent over with a higher epoch, resumes the run (the tool is called again) and ends it.
        await eventually(
          () => cluster.leases().some((l) => l.address === 'agent/clerk' && l.node === heir.id && l.epoch > before!.epoch),
          30_000,
          `the agent to move to ${heir.id}`,
        );
        const store = new RunStore(storage);
        await eventually(async () => (await store.getRun('default', 'run-od'))?.status === 'success', 30_000, 'the heir to finish the run');
        const finalRecord = await store.run('default', 'run-od');
        const finalLog = await store.events('default', 'run-od');
        await new Promise((r) => setTimeout(r, 300)); // the last events reach the client

        // The paused driver goes on: its tool's answer is there, its lease not yet found lost.
        const resumedAt = Date.now();
        victim.proc.kill('SIGCONT');
        // Whichever comes first ends it: the fencing check (its activation ends, the run writes nothing more) or the
        // run's next write, refused by the run's fence.
        await eventually(
          () => /newer activation of agent clerk|agent\/clerk lost its activation/.test(victim.out),
          20_000,
          'the old driver to stop driving',
        );
        await new Promise((r) => setTimeout(r, 2_000));

        const refusals = victim.out.split('\n').filter((l) => l.startsWith('WARN') && /run run-od is driven by a newer activation/.test(l));
        expect(refusals.length).toBeLessThanOrEqual(1);
        // Nothing of the old epoch landed or went out after the takeover.
        expect(seen.filter((s) => s.at >= resumedAt)).toEqual([]);
        const log = await store.events('default', 'run-od');
        expect(log).toEqual(finalLog);
        expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
        expect(log.filter((e) => e.event === 'status' && (e.data as { resumed?: number }).resumed === 1)).toHaveLength(1);
        expect(log.filter((e) => e.event === 'tool_result')).toHaveLength(1);
        expect(log.at(-1)).toMatchObject({ event: 'status', data: { status: 'success' } });
        expect((log.at(-1)!.data as { output: string }).output).toContain(`on ${heir.id}`);
        expect(await store.run('default', 'run-od')).toEqual(finalRecord);
        expect(status(seen.at(-1)!.event)).toBe('success');
        console.log(`one driver: ${victim.id} paused, ${heir.id} took over (epoch ${before!.epoch} → higher); refused once after SIGCONT`);
      } finally {
        await storage.close();
        await system.shutdown().catch(() => undefined);
      }
    },
  );
});
