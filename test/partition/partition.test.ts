/**
 * Partitions and pauses against self-fencing leases (issue 12, ADR 0020), in a network-namespace lab
 * (test/partition/netns.ts): three NATS servers (R3) and three `troupe node` processes, each in a namespace of its
 * own, hosting traced tallies (test/partition/fence-kinds.ts) while the test process tells them increments.
 * - A node cut from NATS fences its tallies itself, before any other node takes them over; after the heal no
 *   two activations of a tally ever overlapped.
 * - A node paused (SIGSTOP) past the lease TTL and resumed (SIGCONT) handles nothing more: the check comes
 *   before any queued message.
 * In both, every increment whose `tell` was acknowledged is counted exactly once in the end. Lease TTL and
 * dead-after are the defaults (3 s). Skipped (with the reason printed) where namespaces cannot be made.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActorSystem } from '../../runtime/index.js';
import { NatsServer, waitForJetStreamCluster } from '../nats/server.js';
import { NodeProcess, meshClient } from '../cluster/nodes.js';
import type { TallyView } from '../cluster/fixture-kinds.js';
import { eventually } from '../transport/contract.js';
import { parseTraces, type TraceEvent } from './fence-kinds.js';
import { NetnsLab, netnsUnavailable } from './netns.js';

const unavailable = netnsUnavailable();
if (unavailable !== undefined) console.log(`partition tests skipped: ${unavailable}`);

const TTL_MS = 3_000;
/** How long a fault lasts: twice the TTL, so the others take over meanwhile. */
const FAULT_MS = 2 * TTL_MS;
const TALLIES = Array.from({ length: 6 }, (_, i) => `tally/p${i}`);
const NODES = ['n1', 'n2', 'n3'];

interface Warning {
  readonly node: string;
  readonly at: number;
  readonly address: string;
}

/** What the nodes printed: traces (with their own clocks' times) and fencing warnings (with arrival times). */
class Observed {
  readonly traces: (TraceEvent & { from: string })[] = [];
  readonly fenced: Warning[] = [];
  private partial = new Map<string, string>();

  feed(node: string, chunk: string): void {
    const text = (this.partial.get(node) ?? '') + chunk;
    const cut = text.lastIndexOf('\n');
    this.partial.set(node, text.slice(cut + 1));
    const whole = text.slice(0, cut + 1);
    for (const t of parseTraces(whole)) this.traces.push({ ...t, from: node });
    const now = Date.now();
    for (const m of whole.matchAll(/(tally\/\S+?):? (?:lost its activation|lease not renewed in time)/g))
      this.fenced.push({ node, at: now, address: m[1] as string });
  }

  /** The first activation of `address` on another node than `node` with an epoch above `epoch`. */
  successor(address: string, node: string, epoch: number): TraceEvent | undefined {
    return this.traces.find((t) => t.event === 'start' && t.address === address && t.node !== node && t.epoch > epoch);
  }

  handledBy(address: string, node: string, epoch: number): TraceEvent[] {
    return this.traces.filter((t) => t.event === 'handled' && t.address === address && t.node === node && t.epoch === epoch);
  }

  /** Every pair of activations of one tally where the older handled a message after the newer started. */
  overlaps(): string[] {
    const out: string[] = [];
    for (const address of TALLIES) {
      const starts = this.traces.filter((t) => t.event === 'start' && t.address === address).sort((a, b) => a.at - b.at);
      for (let i = 0; i < starts.length; i++)
        for (let j = i + 1; j < starts.length; j++) {
          const a = starts[i] as TraceEvent;
          const b = starts[j] as TraceEvent;
          const late = this.handledBy(address, a.node, a.epoch).filter((h) => h.at >= b.at);
          if (late.length > 0)
            out.push(`${address}: ${a.node} epoch ${a.epoch} handled ${late.length} after ${b.node} epoch ${b.epoch} started`);
          if (b.epoch <= a.epoch && b.node !== a.node) {
            // Every start of the address, to tell a lease taken twice from a trace printed late.
            const all = starts.map((t) => `${t.node}@${t.epoch}:${t.at}`).join(' ');
            out.push(`${address}: epoch ${b.epoch} on ${b.node} after ${a.epoch} on ${a.node} (starts ${all})`);
          }
        }
    }
    return out;
  }
}

/** Tells increments round-robin to the tallies and keeps the ledger of acknowledged and failed tells. */
class Increments {
  readonly acked = new Map<string, Set<number>>();
  readonly unacked = new Map<string, Set<number>>();
  private next = 0;
  private running = true;
  private loop: Promise<void> | undefined;

  constructor(private readonly system: ActorSystem) {}

  start(): void {
    this.loop = (async () => {
      while (this.running) {
        const n = this.next++;
        const address = TALLIES[n % TALLIES.length] as string;
        const ok = await this.system
          .ref(address)
          .tell('tally.add', { lane: 'p', n })
          .then(
            () => true,
            () => false,
          );
        const book = ok ? this.acked : this.unacked;
        if (!book.has(address)) book.set(address, new Set());
        book.get(address)?.add(n);
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

function countedOf(view: TallyView): Set<number> {
  const b = Buffer.from(view.lanes['p'] ?? '', 'base64');
  const out = new Set<number>();
  for (let i = 0; i < b.length; i++) for (let j = 0; j < 8; j++) if (((b[i] as number) & (1 << j)) !== 0) out.add(i * 8 + j);
  return out;
}

describe.skipIf(unavailable !== undefined)('partitions in network namespaces', () => {
  let lab: NetnsLab;
  const servers: NatsServer[] = [];
  const nodes = new Map<string, NodeProcess>();
  const observed = new Observed();
  let client: Awaited<ReturnType<typeof meshClient>> | undefined;
  let work: Increments;
  const dir = mkdtempSync(join(tmpdir(), 'troupe-partition-'));
  const prefix = `pt${process.pid.toString(36)}`;

  beforeAll(async () => {
    lab = NetnsLab.create();
    const members = ['s0', 's1', 's2'].map((s) => lab.add(s));
    const name = `pt${lab.tag.replace('_', '')}`;
    for (const m of members)
      servers.push(
        await NatsServer.start({
          name: `${name}-${m.name}`,
          host: m.ip,
          port: 4222,
          storeDir: mkdtempSync(join(dir, `${m.name}-`)),
          wrap: m.wrap,
          cluster: { name, port: 6222, routes: members.filter((o) => o !== m).map((o) => `${o.ip}:6222`) },
        }),
      );
    const urls = servers.map((s) => s.url);
    await waitForJetStreamCluster(urls);
    const startNode = async (id: string): Promise<void> => {
      const m = lab.add(id);
      const node = await NodeProcess.start(id, urls, prefix, ['--module', 'test/partition/fence-kinds.ts'], {}, m.wrap);
      node.onOutput((chunk) => observed.feed(id, chunk));
      nodes.set(id, node);
    };
    // The first node creates the mesh's streams and buckets; the others start together (a node's start-up, which
    // compiles its modules with tsx, is most of this hook's time), as in the chaos run (test/chaos/mesh.ts).
    await startNode(NODES[0] as string);
    await Promise.all(NODES.slice(1).map(startNode));
    client = await meshClient(urls, prefix);
    const cluster = client.system.transport.cluster!;
    await eventually(
      () => NODES.every((id) => cluster.membership.live().some((n) => n.id === id && n.kinds.includes('tally'))),
      30_000,
      'nodes to announce',
    );
    for (const a of TALLIES) await client.placement.activate(a);
    work = new Increments(client.system);
    work.start();
  }, 120_000);

  afterAll(async () => {
    await work?.stop();
    for (const n of nodes.values()) if (n.pid !== undefined) process.kill(n.pid, 'SIGCONT');
    await Promise.all([...nodes.values()].map((n) => n.signal('SIGKILL')));
    await client?.system.shutdown().catch(() => undefined);
    for (const s of servers) await s.stop().catch(() => undefined);
    lab?.teardownNow();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** Every tally handles increments now (a handled trace after `since`). */
  const flowing = (since: number): Promise<void> =>
    eventually(
      () => TALLIES.every((a) => observed.traces.some((t) => t.event === 'handled' && t.address === a && t.at > since)),
      30_000,
      'every tally to handle increments',
    );

  /** Injects a fault on the node holding the most tallies, checks fencing and takeover, restores it. */
  async function fault(kind: 'cut' | 'pause'): Promise<void> {
    const c = client!.system.transport.cluster!;
    await flowing(Date.now());
    const held = c.leases().filter((l) => TALLIES.includes(l.address));
    const victim = NODES.map((id) => ({ id, n: held.filter((l) => l.node === id).length })).sort((a, b) => b.n - a.n)[0]!.id;
    const mine = held.filter((l) => l.node === victim);
    expect(mine.length).toBeGreaterThan(0);
    const proc = nodes.get(victim)!;
    const t0 = Date.now();
    if (kind === 'cut') lab.cut(victim);
    else process.kill(proc.pid!, 'SIGSTOP');

    // Another node takes every tally of the victim over with a newer epoch.
    await eventually(() => mine.every((l) => observed.successor(l.address, victim, l.epoch) !== undefined), 30_000, 'successors').catch(
      (e: unknown) => {
        const missing = mine.filter((l) => observed.successor(l.address, victim, l.epoch) === undefined);
        const now = c.leases().filter((l) => missing.some((m) => m.address === l.address));
        const traces = observed.traces.filter((t) => t.event !== 'handled' && missing.some((m) => m.address === t.address));
        throw new Error(
          `${(e as Error).message} of ${missing.map((l) => `${l.address}@${l.epoch}`).join(', ')} (${kind} ${victim}); ` +
            `leases now ${JSON.stringify(now)}; traces ${JSON.stringify(traces)}\n` +
            NODES.map(
              (id) =>
                `--- ${id}\n${nodes
                  .get(id)!
                  .output.split('\n')
                  .filter((x) => !x.startsWith('TRACE'))
                  .slice(-30)
                  .join('\n')}`,
            ).join('\n'),
        );
      },
    );
    const waited = Date.now() - t0;
    if (waited < FAULT_MS) await new Promise((r) => setTimeout(r, FAULT_MS - waited));
    const t1 = Date.now();
    if (kind === 'cut') lab.heal(victim);
    else process.kill(proc.pid!, 'SIGCONT');
    // The victim knows it lost each tally (fenced itself: on time when cut, at once when resumed).
    await eventually(
      () => mine.every((l) => observed.fenced.some((w) => w.node === victim && w.address === l.address && w.at >= t0)),
      20_000,
      `${victim} to fence its tallies`,
    );
    await eventually(() => c.membership.isLive(victim), 20_000, `${victim} back in the mesh`);
    await flowing(Date.now());

    const lines: string[] = [];
    for (const l of mine) {
      const next = observed.successor(l.address, victim, l.epoch)!;
      const fence = observed.fenced.find((w) => w.node === victim && w.address === l.address && w.at >= t0)!;
      const last = observed.handledBy(l.address, victim, l.epoch).at(-1);
      // Its last handled message came before the successor started.
      if (last !== undefined) expect(last.at).toBeLessThan(next.at);
      // Cut: it fenced itself before the successor started; paused: after the resume, with nothing handled since the pause.
      if (kind === 'cut') expect(fence.at).toBeLessThan(next.at);
      else expect(observed.handledBy(l.address, victim, l.epoch).filter((h) => h.at >= t1)).toEqual([]);
      lines.push(
        `${l.address}: ${kind === 'cut' ? `fenced ${fence.at - t0} ms after the cut` : `fenced ${fence.at - t1} ms after SIGCONT`}, ` +
          `successor on ${next.node} started ${next.at - t0} ms after the ${kind}`,
      );
    }
    console.log(`${kind} ${victim} (lease TTL ${TTL_MS} ms, dead after ${TTL_MS} ms):\n  ${lines.join('\n  ')}`);
  }

  it('a node cut from NATS fences its actors before they are taken over; no overlap after the heal', async () => {
    try {
      await fault('cut');
    } finally {
      for (const id of NODES) if (lab.isCut(id)) lab.heal(id);
    }
    expect(observed.overlaps()).toEqual([]);
  }, 120_000);

  it('a node paused past the lease TTL handles nothing after SIGCONT; every acknowledged increment counted once', async () => {
    await fault('pause');
    await work.stop();
    expect(observed.overlaps()).toEqual([]);
    const system = client!.system;
    let acked = 0;
    for (const address of TALLIES) {
      const ok = work.acked.get(address) ?? new Set<number>();
      const maybe = work.unacked.get(address) ?? new Set<number>();
      acked += ok.size;
      let view: TallyView | undefined;
      await eventually(
        async () => {
          view = await system
            .ref(address)
            .ask<TallyView>('tally.get', undefined, { timeoutMs: 3_000 })
            .catch(() => view);
          return view !== undefined && [...ok].every((n) => countedOf(view!).has(n));
        },
        30_000,
        `${address} to count every acknowledged increment`,
      ).catch(() => undefined);
      const counted = countedOf(view!);
      expect(
        [...ok].filter((n) => !counted.has(n)),
        `${address}: acknowledged but not counted`,
      ).toEqual([]);
      expect(
        [...counted].filter((n) => !ok.has(n) && !maybe.has(n)),
        `${address}: counted, never sent`,
      ).toEqual([]);
      expect(view!.dups, `${address}: counted twice`).toEqual([]);
      expect(view!.count).toBe(counted.size);
    }
    console.log(`increments: ${acked} acknowledged, every one counted once`);
  }, 180_000);
});
