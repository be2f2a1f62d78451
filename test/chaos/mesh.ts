/**
 * The mesh chaos run (issue 12): a three-server NATS cluster (R3 streams and buckets) and three `troupe node`
 * processes under a mixed workload (test/chaos/mesh-workload.ts; workflow runs: test/chaos/mesh-workflow.ts) while a
 * schedule injects faults — SIGKILL a node and restart it, SIGKILL the NATS server leading the mailbox stream (and
 * another one) and restart it, SIGSTOP a node and SIGCONT it, cut a node from NATS and heal it
 * (test/chaos/mesh-partition.ts) — then a checker reads the stores (test/chaos/mesh-check.ts). `npm run bench -- chaos`
 * runs it for `CHAOS_MESH_SECONDS` (default 300); test/chaos/mesh.test.ts runs it for 60 s in CI.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { DEFAULT_TENANT } from '../../protocols/index.js';
import type { ActorSystem, ClusterServices, MeshNode } from '../../runtime/index.js';
import { JetStreamStorage, MeshNames, type JetStreamTransport } from '../../runtime/jetstream/index.js';
import { RunStore } from '../../actors/agent/index.js';
import { startCluster, waitForJetStreamCluster, type NatsServer } from '../nats/server.js';
import { eventually } from '../transport/contract.js';
import { NodeProcess, meshClient } from '../cluster/nodes.js';
import { partitionerFromEnv, type Partitioner } from './mesh-partition.js';
import { Workload, type ExtraLane, type RecoveryWatch } from './mesh-workload.js';
import { ElectionWatch, isMeshStream } from './mesh-elections.js';
import { checkActivations, checkRuns, checkTallies, runProbe, type Invariant } from './mesh-check.js';
import { checkWorkflows, chaosWorkflow, runsAfter, workflowLane, type WorkflowFigures } from './mesh-workflow.js';

export type { Invariant } from './mesh-check.js';
export type { ExtraLane } from './mesh-workload.js';

/** Options of {@link runMeshChaos}. */
export interface MeshChaosOptions {
  /** Length of the fault schedule (the workload runs through it); default 300. */
  readonly seconds?: number;
  readonly log?: (line: string) => void;
  /** How a node is cut from NATS (default: `CHAOS_PARTITIONER`, else blackhole proxies; test/chaos/mesh-partition.ts). */
  readonly partitioner?: Partitioner;
  readonly tallies?: number;
  readonly tenants?: number;
  readonly tallyLanes?: number;
  /** Agent lanes (default one per tenant, each keeping to its tenant). */
  readonly agentLanes?: number;
  /** Pause between a lane's operations (ms, default 40): keeps the load moderate on a shared machine. */
  readonly paceMs?: number;
  /** Longest wait for a recovery before the fault counts as unrecovered and is restored (ms, default 30,000). */
  readonly recoveryWaitMs?: number;
  /** More lanes. */
  readonly extraLanes?: readonly ExtraLane[];
  /** The workflow lane (test/chaos/mesh-workflow.ts; default on). */
  readonly workflows?: boolean;
  /**
   * Longest the whole run may take (ms, from its start): the checks after the workload are cut off there and the run
   * fails with what the nodes and the servers' streams last said — not a silent timeout of the calling test.
   */
  readonly budgetMs?: number;
}

/** The kinds of fault the schedule injects, in the order it cycles through them. */
export type FaultKind = 'node-kill' | 'nats-leader-kill' | 'node-pause' | 'node-cut' | 'nats-kill';

/** One injected fault. */
export interface Fault {
  readonly kind: FaultKind;
  readonly target: string;
  /** Ms since the schedule began. */
  readonly at: number;
  /** How long the target stayed down / paused / cut (ms). */
  readonly downMs: number;
  /** Fault to every lane, tally and tenant succeeding again (undefined: not within the bound of the wait). */
  readonly recoveryMs: number | undefined;
  /** Fault to every tally (the stateful actors) answering an ask sent after the fault (undefined: not within the wait). */
  readonly talliesMs: number | undefined;
  /**
   * Fault to every agent lane and every tenant's agent completing a run sent after the fault (undefined: not within the
   * wait): the agents alone, whose creates ADR 0042 admits side by side.
   */
  readonly agentsMs?: number | undefined;
  /** What had not recovered when the wait gave up, or else the slowest to recover. */
  readonly missing?: readonly string[];
  readonly slowest: readonly string[];
  /** A server kill: what the victim led and when each elected a new leader (test/chaos/mesh-elections.ts). */
  readonly elections?: string;
  /** A server kill: the last of those elections, ms after the kill (undefined: one did not end in the watch). */
  readonly electedMs?: number | undefined;
}

/** The outcome of a run. */
export interface MeshChaosReport {
  readonly seconds: number;
  readonly partitioner: string;
  readonly faults: readonly Fault[];
  readonly invariants: readonly Invariant[];
  readonly ops: ReadonlyMap<string, { ok: number; failed: number }>;
  readonly wallMs: number;
  /** The NATS servers' version (their INFO). */
  readonly natsVersion: string;
  /** The workflow lane's runs, as the checker found them (undefined: no workflow lane). */
  readonly workflows?: WorkflowFigures;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** `CHAOS_TRACE=1`: print the nodes' warnings after each fault (where a recovery's time went). */
const TRACE = process.env['CHAOS_TRACE'] === '1';
const SCHEDULE: readonly FaultKind[] = ['nats-leader-kill', 'node-kill', 'node-pause', 'node-cut', 'nats-kill'];
/**
 * `CHAOS_SCHEDULE=node-kill:m1,node-pause:m1,node-cut:m2`: the faults in that order (and the node each strikes, where
 * given) instead of {@link SCHEDULE} on random nodes — to replay a schedule a run failed on.
 */
const REPLAY = (process.env['CHAOS_SCHEDULE'] ?? '')
  .split(',')
  .filter((f) => f !== '')
  .map((f) => {
    const [kind, node] = f.split(':') as [FaultKind, string | undefined];
    if (!SCHEDULE.includes(kind)) throw new Error(`CHAOS_SCHEDULE: no fault kind ${kind} (${SCHEDULE.join(', ')})`);
    return { kind, node };
  });

/** Everything the run starts, so that {@link teardown} can stop it whatever failed. */
class Mesh {
  servers: NatsServer[] = [];
  nodes = new Map<string, NodeProcess>();
  client: { system: ActorSystem & { transport: JetStreamTransport }; placement: MeshNode } | undefined;
  storage: JetStreamStorage | undefined;
  paused = new Set<number>();
  /** The nodes' warnings as they came (with `CHAOS_TRACE=1`), for the per-fault timeline. */
  readonly trace: { at: number; line: string }[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), 'troupe-chaos-mesh-'));
  readonly prefix = `cm${process.pid}x${Date.now().toString(36)}`;

  constructor(readonly partitioner: Partitioner) {}

  get configFile(): string {
    return join(this.dir, 'troupe.json');
  }

  async startNode(id: string): Promise<NodeProcess> {
    const urls = await this.partitioner.urlsFor(
      id,
      this.servers.map((s) => s.port),
    );
    const node = await NodeProcess.start(id, urls, this.prefix, ['--config', this.configFile], {}, this.partitioner.wrap?.(id));
    this.nodes.set(id, node);
    if (TRACE)
      node.onOutput((chunk) => {
        const now = Date.now();
        for (const line of chunk.split('\n'))
          if (line.includes('Warning') && this.trace.length < 20_000)
            this.trace.push({ at: now, line: `${id} ${line.trim().slice(0, 220)}` });
      });
    return node;
  }

  /** With `CHAOS_TRACE=1`: the nodes' warnings from `from` to `to` (ms since the epoch), relative to `from`. */
  traced(from: number, to: number, n = 60): string[] {
    return this.trace
      .filter((t) => t.at >= from && t.at <= to)
      .slice(0, n)
      .map((t) => `+${t.at - from} ${t.line}`);
  }

  cluster(): ClusterServices {
    const c = this.client?.system.transport.cluster;
    if (c === undefined) throw new Error('mesh client not started');
    return c;
  }

  async mailboxLeader(): Promise<string | undefined> {
    const jsm = await jetstreamManager(this.client!.system.transport.connection, { timeout: 3_000 });
    return (await jsm.streams.info(new MeshNames(this.prefix).mailboxStream)).cluster?.leader;
  }

  async teardown(): Promise<void> {
    for (const pid of this.paused) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* gone */
      }
    }
    await Promise.all([...this.nodes.values()].map((n) => n.signal('SIGKILL')));
    await this.storage?.close().catch(() => undefined);
    await this.client?.system.shutdown().catch(() => undefined);
    await this.partitioner.close().catch(() => undefined);
    for (const s of this.servers) await s.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs the whole thing: start, workload and faults, settle, check, tear down (always). */
export async function runMeshChaos(options: MeshChaosOptions = {}): Promise<MeshChaosReport> {
  const seconds = options.seconds ?? 300;
  const log = options.log ?? (() => undefined);
  const mesh = new Mesh(options.partitioner ?? partitionerFromEnv());
  const began = Date.now();
  const wait = options.recoveryWaitMs ?? 30_000;
  try {
    writeFileSync(
      mesh.configFile,
      // Guardrails off: the run is about the mesh (their classifier costs each node CPU, and its injection rule blocked a
      // calculator call now and then: a failed lane operation, not a mesh fault).
      JSON.stringify({
        agents: [{ name: 'clerk', instructions: 'Compute.', provider: 'offline', tools: ['calculator'] }],
        workflows: options.workflows === false ? [] : [chaosWorkflow],
        guardrails: { enabled: false },
      }),
    );
    mesh.servers = await startCluster(3, mesh.partitioner.serverHost);
    const urls = mesh.servers.map((s) => s.url);
    await waitForJetStreamCluster(urls);
    const ids = ['m1', 'm2', 'm3'];
    // The first node creates the mesh's streams and buckets; the others start together (each node process compiles its
    // modules at start, tsx: 5-60 s on a loaded 2-core machine).
    await mesh.startNode(ids[0] as string);
    await Promise.all(ids.slice(1).map((id) => mesh.startNode(id)));
    mesh.client = await meshClient(urls, mesh.prefix);
    mesh.storage = await JetStreamStorage.connect({ servers: urls, prefix: mesh.prefix });
    const { system, placement } = mesh.client;
    const cluster = mesh.cluster();
    await eventually(
      () => ids.every((id) => cluster.membership.live().some((n) => n.id === id && n.kinds.includes('tally'))),
      30_000,
      'nodes to announce',
    );
    const tallies = Array.from({ length: options.tallies ?? 8 }, (_, i) => `tally/t${i}`);
    const tenants = Array.from({ length: options.tenants ?? 3 }, (_, i) => `chaos${i}`);
    for (const a of tallies) await placement.activate(a);
    for (const t of tenants) await placement.activate('agent/clerk', t);
    if (options.workflows !== false) for (const t of tenants) await placement.activate(`workflow/${chaosWorkflow.name}`, t);
    const flows = options.workflows === false ? undefined : workflowLane(system, mesh.storage, tenants);
    log(
      `mesh: 3 NATS servers, nodes ${ids.join(', ')}, ${tallies.length} tallies, agents ` +
        `${flows === undefined ? '' : `and workflow ${chaosWorkflow.name} `}on ${tenants.length} tenants`,
    );

    const store = new RunStore(mesh.storage);
    const work = new Workload(system, store, tallies, tenants, {
      tallyLanes: options.tallyLanes ?? 4,
      agentLanes: options.agentLanes ?? tenants.length,
      paceMs: options.paceMs ?? 40,
      extra: [...(options.extraLanes ?? []), ...(flows?.lanes ?? [])],
    });
    work.start();
    // Warm-up: every lane, tally and tenant served once before the first fault.
    const warm = work.watch();
    await Promise.race([
      warm.done,
      sleep(60_000).then(() => {
        const first = work.failures.slice(0, 5).map((f) => `${f.lane}: ${f.error.slice(0, 200)}`);
        return Promise.reject(new Error(`warm-up: ${warm.missing().join(', ')}; first failures: ${first.join(' | ')}`));
      }),
    ]);

    const faults: Fault[] = [];
    const t0 = Date.now();
    const end = t0 + seconds * 1_000;
    let step = 0;
    // A fault starts while 5 s of the schedule remain; its recovery may run past the end (the workload waits for it).
    while (Date.now() + 5_000 < end) {
      const replay = REPLAY.length === 0 ? undefined : REPLAY[step % REPLAY.length];
      const kind = replay?.kind ?? (SCHEDULE[step % SCHEDULE.length] as FaultKind);
      step++;
      const fault = await inject(mesh, work, kind, t0, wait, log, replay?.node);
      faults.push(fault);
      // Every lane serves again after the restore before the next fault (bounded), then a short quiet gap.
      const after = work.watch();
      await Promise.race([after.done, sleep(wait)]);
      work.unwatch(after);
      await sleep(1_000);
    }
    const remaining = end - Date.now();
    if (remaining > 0) await sleep(remaining);
    await work.stop();
    log(`workload stopped after ${((Date.now() - t0) / 1_000).toFixed(0)} s; settling and checking`);
    for (const [lane, c] of work.ops) log(`  lane ${lane}: ${c.ok} ok, ${c.failed} failed`);
    if (flows !== undefined)
      for (const f of faults)
        log(`  workflow runs after ${f.kind} at +${(f.at / 1_000).toFixed(1)} s: ${runsAfter(flows.runs, t0 + f.at)}`);
    for (const f of work.failures.slice(0, 20))
      log(`  failed ${f.lane} +${((f.start - t0) / 1_000).toFixed(1)}..${((f.end - t0) / 1_000).toFixed(1)} s: ${f.error.slice(0, 160)}`);

    const checksBy = began + (options.budgetMs ?? Number.POSITIVE_INFINITY);
    const invariants: Invariant[] = [];
    const storage = mesh.storage;
    const checked = (async () => {
      invariants.push(await checkTallies(system, cluster, tallies, work.ledger, 60_000));
      const jsm = await jetstreamManager(system.transport.connection, { timeout: 3_000 });
      const streamInfo = async (): Promise<string> => {
        const i = await jsm.streams.info(`KV_${mesh.prefix}_runs`).catch((e: unknown) => (e as Error).message);
        if (typeof i === 'string') return `runs stream: ${i}`;
        return (
          `runs stream created ${((Date.parse(i.created) - t0) / 1_000).toFixed(1)} s, R${i.config.num_replicas}, ` +
          `${i.state.messages} messages, seq ${i.state.first_seq}..${i.state.last_seq}, leader ${i.cluster?.leader ?? '?'}`
        );
      };
      const runs = await checkRuns(
        store,
        cluster,
        work.runs,
        30_000,
        runProbe(storage, streamInfo, () => t0),
      );
      invariants.push(runs.driven, runs.logs, runs.stored);
      invariants.push(await checkActivations(storage));
      const wf = flows === undefined ? undefined : await checkWorkflows(storage, cluster, flows.runs, 30_000);
      if (wf !== undefined) invariants.push(wf.ended, wf.once, wf.logs, wf.stored);
      return wf;
    })();
    const wf = await beforeDeadline(checked, checksBy, async () => {
      log(`checks not finished ${((checksBy - began) / 1_000).toFixed(0)} s after the start (${invariants.length} done)`);
      for (const line of await streamStates(system.transport.connection, mesh.prefix)) log(`  ${line}`);
    });
    return {
      seconds,
      partitioner: mesh.partitioner.name,
      faults,
      invariants,
      ops: work.ops,
      wallMs: Date.now() - began,
      natsVersion: system.transport.connection.info?.version ?? 'unknown',
      ...(wf === undefined ? {} : { workflows: wf.figures }),
    };
  } catch (e) {
    for (const n of mesh.nodes.values()) log(`--- ${n.id} (last output)\n${n.output.slice(-3_000)}`);
    throw e;
  } finally {
    await mesh.teardown();
  }
}

/**
 * `work`, or a rejection once the clock passes `by` (after `diagnose` has said what it can): the checks read the
 * servers with retries, and a mesh that never serves again would hold them past the calling test's own timeout.
 */
async function beforeDeadline<T>(work: Promise<T>, by: number, diagnose: () => Promise<void>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    if (by === Number.POSITIVE_INFINITY) return;
    timer = setTimeout(
      () => void diagnose().finally(() => reject(new Error("the checks did not finish within the run's budget"))),
      Math.max(0, by - Date.now()),
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** One line per stream of the mesh: messages, leader and replicas as the server answers now (3 s at most each). */
async function streamStates(connection: NatsConnection, prefix: string): Promise<string[]> {
  const out: string[] = [];
  try {
    const jsm = await jetstreamManager(connection, { timeout: 3_000 });
    for await (const si of jsm.streams.list()) {
      if (!isMeshStream(si.config.name, prefix)) continue;
      const replicas = (si.cluster?.replicas ?? []).map(
        (r) => `${r.name}${r.current ? '' : ' (behind)'}${r.offline === true ? ' (offline)' : ''}`,
      );
      out.push(`${si.config.name}: ${si.state.messages} messages, leader ${si.cluster?.leader ?? 'none'}, replicas ${replicas.join(', ')}`);
    }
  } catch (e) {
    out.push(`streams unreadable: ${(e as Error).message}`);
  }
  return out;
}

/** Injects one fault, measures the recovery, restores the target. */
async function inject(
  mesh: Mesh,
  work: Workload,
  kind: FaultKind,
  t0: number,
  wait: number,
  log: (line: string) => void,
  node?: string,
): Promise<Fault> {
  const ids = node === undefined ? [...mesh.nodes.keys()] : [node];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;
  let target = '';
  let restore: () => Promise<void> = () => Promise.resolve();
  let minDownMs = 0;
  let elections: ElectionWatch | undefined;
  // The fault's time is taken just before it lands (after any look-up the harness makes to choose its target).
  let at = Date.now();
  let watch = work.watch(at);
  const begin = (): void => {
    work.unwatch(watch);
    at = Date.now();
    watch = work.watch(at, true);
  };
  if (kind === 'node-kill') {
    target = pick(ids);
    begin();
    await mesh.nodes.get(target)!.signal('SIGKILL');
    restore = async () => void (await mesh.startNode(target));
  } else if (kind === 'nats-leader-kill' || kind === 'nats-kill') {
    const leader = await mesh.mailboxLeader().catch(() => undefined);
    const server =
      kind === 'nats-leader-kill'
        ? (mesh.servers.find((s) => s.name === leader) ?? pick(mesh.servers))
        : pick(mesh.servers.filter((s) => s.name !== leader));
    target = `${server.name}${server.name === leader ? ' (mailbox leader)' : ''}`;
    elections = await ElectionWatch.before(
      mesh.servers.filter((s) => s !== server).map((s) => s.url),
      mesh.prefix,
      server.name,
    ).catch((e: unknown) => {
      log(`  (elections not watched: ${(e as Error).message})`);
      return undefined;
    });
    begin();
    const killed = server.kill('SIGKILL');
    elections?.start(at);
    await killed;
    restore = () => server.launch();
  } else if (kind === 'node-pause') {
    target = pick(ids);
    const pid = mesh.nodes.get(target)!.pid as number;
    begin();
    process.kill(pid, 'SIGSTOP');
    mesh.paused.add(pid);
    // Longer than the lease TTL (3 s) and the dead-after window: the others take its actors over meanwhile.
    minDownMs = 6_000;
    restore = async () => {
      process.kill(pid, 'SIGCONT');
      mesh.paused.delete(pid);
    };
  } else {
    target = pick(ids);
    begin();
    await mesh.partitioner.cut(target);
    minDownMs = 6_000;
    restore = () => mesh.partitioner.heal(target);
  }
  const recoveryMs = await Promise.race([watch.done, sleep(wait).then(() => undefined)]);
  const talliesMs = watch.recoveredFor('tally/');
  const agentsMs = watch.recoveredFor('lane:agent', 'tenant:');
  const missing = recoveryMs === undefined ? watch.missing() : undefined;
  work.unwatch(watch);
  await elections?.stop();
  const electedMs = elections?.last();
  const waited = Date.now() - at;
  if (waited < minDownMs) await sleep(minDownMs - waited);
  else if (kind === 'node-kill' || kind.startsWith('nats')) await sleep(500);
  const downMs = Date.now() - at;
  await restore();
  const slowest = watch.slowest();
  const f: Fault = {
    kind,
    target,
    at: at - t0,
    downMs,
    recoveryMs,
    talliesMs,
    agentsMs,
    slowest,
    ...(missing === undefined ? {} : { missing }),
    ...(elections === undefined ? {} : { elections: elections.summary(), electedMs }),
  };
  log(
    `fault at ${(f.at / 1_000).toFixed(1)} s: ${kind} ${target}, down ${downMs} ms, ` +
      (recoveryMs === undefined
        ? `not recovered in ${wait} ms (${missing?.join(', ')})`
        : `recovered in ${recoveryMs} ms (slowest ${slowest.join(', ')})`) +
      `; tallies ${talliesMs === undefined ? 'not all' : `in ${talliesMs} ms`}` +
      `; agents ${agentsMs === undefined ? 'not all' : `in ${agentsMs} ms`}`,
  );
  if (TRACE) for (const l of mesh.traced(at, Date.now())) log(`  ${l}`);
  if (elections !== undefined) {
    log(`  ${elections.summary()}`);
    log(`  after the last election: ${afterElections(watch, elections, mesh.prefix, work.tallies)}`);
  }
  return f;
}

/**
 * Troupe's part of a recovery from a server kill: each part of the mesh serving again, counted from the elections it
 * waits for (per tally: the mailbox stream's, and its own consumer's when the victim led it; per part: the last of all —
 * a tally's answer also waits for its snapshot's bucket), in ms; negative when it served before the watch saw that
 * election end (the watch polls every 100 ms, and a stream without a leader leaves its request unanswered for 400 ms).
 */
function afterElections(watch: RecoveryWatch, elections: ElectionWatch, prefix: string, tallies: readonly string[]): string {
  const names = new MeshNames(prefix);
  const seen = watch.times();
  const last = elections.last();
  if (last === undefined) return 'an election did not end within the watch';
  const mailbox = elections.streamElected(names.mailboxStream) ?? 0;
  const gaps = tallies.map((t) => {
    const own = elections.consumerElected(names.mailboxStream, names.consumer(DEFAULT_TENANT, t, false));
    const at = seen.get(t);
    return at === undefined ? `${t} -` : `${t} ${at - Math.max(mailbox, own ?? 0)}${own === undefined ? '' : '*'}`;
  });
  const rest = (p: string): string => {
    const all = watch.recoveredFor(p);
    return all === undefined ? 'not all' : `${all - last}`;
  };
  return (
    `last election +${last} ms; tallies after their mailbox/consumer election (ms, * = own consumer re-elected): ` +
    `${gaps.join(', ')}; after the last election: tallies ${rest('tally/')}, agents ${rest('tenant:')}, workflows ${rest('workflow:')}, ` +
    `lanes ${rest('lane:')}`
  );
}

/** Lines for a report: the faults with their times, then each invariant with its result. */
export function reportLines(r: MeshChaosReport): string[] {
  const out = [
    `mesh chaos: ${r.seconds} s schedule, ${r.faults.length} faults, partitions by ${r.partitioner}, nats-server ${r.natsVersion}`,
  ];
  for (const f of r.faults)
    out.push(
      `  fault +${(f.at / 1_000).toFixed(1)} s ${f.kind} ${f.target}: down ${f.downMs} ms, ` +
        (f.recoveryMs === undefined ? `NOT recovered (${(f.missing ?? []).join(', ')})` : `serving again after ${f.recoveryMs} ms`) +
        `; tallies ${f.talliesMs === undefined ? 'NOT all' : `after ${f.talliesMs} ms`}` +
        `; agents ${f.agentsMs === undefined ? 'NOT all' : `after ${f.agentsMs} ms`}` +
        (f.elections === undefined ? '' : `; last NATS election after ${f.electedMs ?? '(not seen)'} ms`),
    );
  const w = r.workflows;
  if (w !== undefined)
    out.push(
      `  workflows: ${w.started} runs started (${w.acked} acknowledged), ${w.ended} ended, ${w.stillDriven} still driven, ` +
        `${w.violations} violations`,
    );
  for (const i of r.invariants)
    out.push(
      `  ${i.violations.length === 0 ? 'OK  ' : 'FAIL'} ${i.name}: ${i.violations.length} violations of ${i.checked}; ${i.detail}` +
        (i.violations.length > 0 ? `; first: ${i.violations.slice(0, 3).join(' | ')}` : ''),
    );
  return out;
}
