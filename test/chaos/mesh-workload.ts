/**
 * The mixed workload of the mesh chaos run: lanes that loop on one kind of operation and record what was
 * acknowledged (for the checker) and when each operation succeeded (for the recovery measure).
 * - tally lanes: `ask('tally.add', {lane, n})` to a random tally; the reply is the acknowledgement;
 * - agent lanes: a config agent on the offline model runs a calculator tool call, on a random tenant;
 * - extra lanes: a hook (e.g. workflows once they exist): any operation that succeeds or throws.
 */
import { setMaxListeners } from 'node:events';
import { RUN_CREATE } from '../../protocols/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { waitForRun, type RunStore } from '../../actors/agent/index.js';

/** One operation of a lane; `touched` names the addresses/tenants it proved serving (for full-coverage recovery). */
export interface LaneOp {
  (signal: AbortSignal): Promise<readonly string[]>;
}

/** A workload lane other parts of the code can add (the workflow hook). */
export interface ExtraLane {
  readonly name: string;
  readonly op: LaneOp;
  /** Keys every recovery must see touched again (e.g. each workflow address). */
  readonly keys?: readonly string[];
}

/** What the tally lanes sent: per tally address, per lane, the `n`s acked and the `n`s tried without an ack. */
export interface TallyLedger {
  readonly acked: Map<string, Map<string, Set<number>>>;
  readonly unacked: Map<string, Map<string, Set<number>>>;
}

/** A run an agent lane started. */
export interface StartedRun {
  readonly tenant: string;
  readonly runId: string;
  /** The agent answered RUN_CREATE. */
  readonly acked: boolean;
  /** When the create was sent and when it was answered or failed (ms since the epoch). */
  readonly sent: number;
  readonly settled: number;
}

/** Watches, after a fault at `from`, for every key to succeed with an operation that started after it. */
export class RecoveryWatch {
  private readonly seen = new Map<string, number>();
  private resolve: ((ms: number) => void) | undefined;
  readonly done: Promise<number>;

  constructor(
    readonly from: number,
    private readonly keys: readonly string[],
  ) {
    this.done = new Promise((r) => (this.resolve = r));
  }

  ok(key: string, start: number, end: number): void {
    if (start < this.from || this.seen.has(key) || !this.keys.includes(key)) return;
    this.seen.set(key, end);
    if (this.seen.size === this.keys.length) this.resolve?.(Math.max(...this.seen.values()) - this.from);
  }

  /** The keys that took longest, with their time after the fault (ms). */
  slowest(n = 3): string[] {
    return [...this.seen]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, t]) => `${k} ${t - this.from} ms`);
  }

  /** When every key starting with one of `prefixes` had succeeded again (ms after the fault), or undefined while one has not. */
  recoveredFor(...prefixes: string[]): number | undefined {
    const keys = this.keys.filter((k) => prefixes.some((p) => k.startsWith(p)));
    if (keys.length === 0 || keys.some((k) => !this.seen.has(k))) return undefined;
    return Math.max(...keys.map((k) => this.seen.get(k) ?? 0)) - this.from;
  }

  /** When each key succeeded again (ms after the fault). */
  times(): Map<string, number> {
    return new Map([...this.seen].map(([k, t]) => [k, t - this.from]));
  }

  /** Keys still waiting (for the report when the watch times out). */
  missing(): string[] {
    return this.keys.filter((k) => !this.seen.has(k));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** How long a lane waits for a slow operation before it starts the next one beside it. */
const HEDGE_MS = 1_000;
/** Most operations one lane has out at once. */
const MAX_OUT = 3;

function bucketOf(m: Map<string, Map<string, Set<number>>>, address: string, lane: string): Set<number> {
  let byLane = m.get(address);
  if (byLane === undefined) m.set(address, (byLane = new Map()));
  let s = byLane.get(lane);
  if (s === undefined) byLane.set(lane, (s = new Set()));
  return s;
}

/** The workload: start lanes, watch recoveries, stop. */
export class Workload {
  readonly ledger: TallyLedger = { acked: new Map(), unacked: new Map() };
  readonly runs: StartedRun[] = [];
  readonly ops = new Map<string, { ok: number; failed: number }>();
  /** The first failed operations (lane, start and end time, error), for the report. */
  readonly failures: { lane: string; start: number; end: number; error: string }[] = [];
  private readonly watches = new Set<RecoveryWatch>();
  private readonly abort = new AbortController();
  private lanes: Promise<void>[] = [];
  private readonly laneNames: string[] = [];
  /** When the latest fault began (ms since the epoch), and a promise settled at the next one. */
  private faultAt = 0;
  private wakeLanes: () => void = () => undefined;
  private faulted = new Promise<void>((r) => (this.wakeLanes = r));

  constructor(
    private readonly system: ActorSystem,
    private readonly store: RunStore,
    readonly tallies: readonly string[],
    readonly tenants: readonly string[],
    private readonly options: { tallyLanes: number; agentLanes: number; paceMs: number; extra: readonly ExtraLane[] },
  ) {}

  /** Every key a recovery waits for: each lane, each tally, each tenant's agent, each extra lane's keys. */
  keys(): string[] {
    return [
      ...this.laneNames.map((l) => `lane:${l}`),
      ...this.tallies,
      ...this.tenants.map((t) => `tenant:${t}`),
      ...this.options.extra.flatMap((e) => e.keys ?? []),
    ];
  }

  start(): void {
    setMaxListeners(1_000, this.abort.signal); // one listener per run waited for
    for (let i = 0; i < this.options.tallyLanes; i++) this.spawn(`tally${i}`, this.tallyOp(`tally${i}`));
    // With a lane per tenant (or more), each lane keeps to one tenant: every tenant's agent is tried continuously, so a
    // recovery is seen one run after it happened (lanes that rotate over tenants see each tenant only every few runs).
    const own = this.options.agentLanes >= this.tenants.length;
    for (let i = 0; i < this.options.agentLanes; i++)
      this.spawn(`agent${i}`, this.agentOp(`agent${i}`, own ? this.tenants[i % this.tenants.length] : undefined));
    for (const e of this.options.extra) this.spawn(e.name, e.op);
  }

  /** Starts watching for recovery after a fault now; `fault`: `from` is a fault's time (see the lanes' loop in `spawn`). */
  watch(from = Date.now(), fault = false): RecoveryWatch {
    if (fault) {
      this.faultAt = from;
      // Lanes held by operations the fault caught send new work a hedge after it (as a slow operation makes them do).
      const wake = this.wakeLanes;
      this.faulted = new Promise((r) => (this.wakeLanes = r));
      setTimeout(wake, HEDGE_MS);
    }
    const w = new RecoveryWatch(from, this.keys());
    this.watches.add(w);
    void w.done.then(() => this.watches.delete(w));
    return w;
  }

  unwatch(w: RecoveryWatch): void {
    this.watches.delete(w);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.lanes);
  }

  private spawn(name: string, op: LaneOp): void {
    this.laneNames.push(name);
    const counts = { ok: 0, failed: 0 };
    this.ops.set(name, counts);
    const signal = this.abort.signal;
    const once = async (): Promise<void> => {
      const start = Date.now();
      try {
        const touched = await op(signal);
        const end = Date.now();
        counts.ok++;
        for (const w of this.watches) for (const k of [`lane:${name}`, ...touched]) w.ok(k, start, end);
        await sleep(this.options.paceMs);
      } catch (e) {
        counts.failed++;
        if (this.failures.length < 200) this.failures.push({ lane: name, start, end: Date.now(), error: (e as Error).message });
        await sleep(100);
      }
    };
    const loop = async (): Promise<void> => {
      const out = new Map<Promise<void>, number>();
      // Operations out that count against MAX_OUT: those started since the latest fault. Operations the fault caught in
      // flight stay out (and are checked) but do not keep the lane from sending new work after it: with three of them
      // stalled, the lane sent its first operation after a stream-leader kill only 9 s after it, and measured that.
      const counted = (): Promise<void>[] => [...out].filter(([, at]) => at >= this.faultAt).map(([p]) => p);
      while (!signal.aborted) {
        const one = once();
        out.set(one, Date.now());
        void one.finally(() => out.delete(one));
        // The next operation starts when this one ends, or after HEDGE_MS while it is still out (at most MAX_OUT at once):
        // a lane caught in an operation the fault stalled would otherwise hide when the mesh served new work again.
        await Promise.race([one, sleep(HEDGE_MS)]);
        for (let c = counted(); c.length >= MAX_OUT && !signal.aborted; c = counted()) await Promise.race([...c, this.faulted]);
      }
      await Promise.all(out.keys());
    };
    this.lanes.push(loop());
  }

  private tallyOp(lane: string): LaneOp {
    const next = new Map<string, number>();
    return async () => {
      const address = this.tallies[Math.floor(Math.random() * this.tallies.length)] as string;
      const n = next.get(address) ?? 0;
      next.set(address, n + 1);
      try {
        // A long deadline: a message waiting out a failover is answered once its actor serves again, so the
        // first success after a fault marks when the mesh served again (not when a shorter timeout ended).
        await this.system.ref(address).ask('tally.add', { lane, n }, { timeoutMs: 12_000 });
      } catch (e) {
        bucketOf(this.ledger.unacked, address, lane).add(n);
        throw e;
      }
      bucketOf(this.ledger.acked, address, lane).add(n);
      return [address];
    };
  }

  private agentOp(lane: string, home?: string): LaneOp {
    let i = 0;
    let order: string[] = [];
    return async (signal) => {
      // Random tenants, each covered once per round: a recovery sees every tenant's agent again soon.
      if (order.length === 0) order = home === undefined ? [...this.tenants].sort(() => Math.random() - 0.5) : [home];
      const tenant = order.pop() as string;
      const runId = `${lane}-${i++}-${Date.now().toString(36)}`;
      const a = 2 + Math.floor(Math.random() * 97);
      const b = 2 + Math.floor(Math.random() * 97);
      const ended = waitForRun(this.system, runId, tenant, 30_000, undefined, signal, this.store);
      ended.catch(() => undefined);
      let acked = false;
      const sent = Date.now();
      try {
        await this.system
          .ref('agent/clerk', tenant)
          .ask(
            RUN_CREATE,
            { run_id: runId, input: { messages: [{ role: 'user', content: `/tool calculator {"expression":"${a}*${b}"}` }] } },
            { timeoutMs: 15_000 },
          );
        acked = true;
      } finally {
        this.runs.push({ tenant, runId, acked, sent, settled: Date.now() });
      }
      const result: { status: string; output?: string; error?: string } = await ended.catch(async (e: unknown) => {
        // The live topic may have missed the end during a fault: the store has it.
        const r = await this.store.getRun(tenant, runId);
        if (r?.status === 'success') return { status: r.status, output: String(a * b) };
        throw e;
      });
      if (result.status !== 'success' || !(result.output ?? '').includes(String(a * b)))
        throw new Error(`run ${runId} ended ${result.status}: ${result.output ?? result.error ?? ''}`);
      return [`tenant:${tenant}`];
    };
  }
}
