/** Shared fixtures of the supervisor tests: seeded randomness, a simulated-time system, test workers. */
import type { LifecycleEvent } from '../../protocols/index.js';
import { configSchema } from '../../config/index.js';
import {
  SimulatedClock,
  type ActorOptions,
  type ActorRef,
  type ActorSystem,
  type Behavior,
  type Escalation,
  type RestartType,
} from '../../runtime/index.js';
import { seeded } from '../../actors/index.js';
import { createSystem, supervisor, type ChildSpec, type SupervisorSpec } from '../../supervisors/index.js';

/** mulberry32, the seeded generator the experiments' bandit uses: values in [0, 1), the same for the same seed. */
export { seeded };

/** A running test node and what it observed. */
export interface Harness {
  readonly system: ActorSystem;
  readonly clock: SimulatedClock;
  /** Every lifecycle transition on the node, in order. */
  readonly events: LifecycleEvent[];
  readonly escalations: Escalation[];
  readonly warnings: string[];
  /** Events of one address (optionally of one transition input). */
  of(address: string, input?: string): LifecycleEvent[];
}

export interface HarnessOptions {
  readonly seed?: number;
  /** Root (guardian) supervision settings; generous by default so tests control escalation. */
  readonly rootMaxRestarts?: number;
  readonly rootWithinMs?: number;
  readonly maxDeliveries?: number;
  readonly handlerTimeoutMs?: number;
  /** Jitter source of the root supervisor (default: seeded from `seed`). */
  readonly random?: () => number;
}

let nodes = 0;

/** Starts a node on a SimulatedClock with a seeded PRNG and records its lifecycle events. */
export async function startHarness(o: HarnessOptions = {}): Promise<Harness> {
  const clock = new SimulatedClock();
  const events: LifecycleEvent[] = [];
  const escalations: Escalation[] = [];
  const warnings: string[] = [];
  const config = configSchema.parse({
    mailbox: { maxDeliveries: o.maxDeliveries ?? 3, handlerTimeoutMs: o.handlerTimeoutMs ?? 30_000 },
    supervision: {
      maxRestarts: o.rootMaxRestarts ?? 100,
      withinMs: o.rootWithinMs ?? 1_000,
      backoff: { initialMs: 10, maxMs: 1_000, multiplier: 2, jitter: 0 },
    },
  });
  const system = await createSystem({
    config,
    clock,
    random: o.random ?? seeded(o.seed ?? 1),
    node: `test-${process.pid}-${nodes++}`,
    warn: (m) => warnings.push(m),
    onEscalation: (e) => escalations.push(e),
  });
  system.watchLifecycle((e) => events.push(e));
  return {
    system,
    clock,
    events,
    escalations,
    warnings,
    of: (address, input) => events.filter((e) => e.address === address && (input === undefined || e.event === input)),
  };
}

/**
 * Shuts a node down while moving simulated time, so graceful stops and handler timeouts that
 * wait on the clock can finish.
 */
export async function shutdownHarness(h: Harness | undefined): Promise<void> {
  if (h === undefined) return;
  let done = false;
  const p = h.system.shutdown().finally(() => (done = true));
  for (let i = 0; i < 10_000 && !done; i++) await h.clock.advance(100);
  await p;
}

/** What a test worker remembers across incarnations (shared, outside actor state). */
export interface WorkerLog {
  /** Envelope ids of messages handled to completion, in order. */
  readonly handled: string[];
  /** Every delivery, including crashing ones. */
  readonly deliveries: { incarnation: number; id: string; attempt: number; payload: unknown }[];
  /** Ids of messages whose handler signal was aborted. */
  readonly aborted: string[];
  /** Incarnations whose init ran. */
  readonly inits: number[];
}

export function newLog(): WorkerLog {
  return { handled: [], deliveries: [], aborted: [], inits: [] };
}

/** Options of {@link worker}. */
export interface WorkerOptions {
  /** Throw in init on these incarnations. */
  readonly initFailsOn?: readonly number[];
}

/**
 * A worker that understands:
 *  - `work.ok`: handled, returns its payload;
 *  - `work.boom`: throws on every delivery;
 *  - `work.flaky`: throws on its first delivery only;
 *  - `work.exit`: handled, then the worker exits normally;
 *  - `work.hang`: never resolves.
 */
export function worker(log: WorkerLog, o: WorkerOptions = {}): Behavior<{ seen: Set<string> }> {
  const crashedOnce = new Set<string>();
  return {
    init(ctx) {
      log.inits.push(ctx.incarnation);
      if (o.initFailsOn?.includes(ctx.incarnation) === true) throw new Error(`init failed on incarnation ${ctx.incarnation}`);
      return { seen: new Set() };
    },
    receive(msg, ctx) {
      log.deliveries.push({ incarnation: ctx.incarnation, id: msg.id, attempt: msg.attempt, payload: msg.payload });
      switch (msg.type) {
        case 'work.boom':
          throw new Error(`boom ${String(msg.payload)}`);
        case 'work.flaky':
          if (!crashedOnce.has(msg.id)) {
            crashedOnce.add(msg.id);
            throw new Error(`flaky ${String(msg.payload)}`);
          }
          break;
        case 'work.exit':
          ctx.exit();
          break;
        case 'work.hang':
          ctx.signal.addEventListener('abort', () => log.aborted.push(msg.id));
          return new Promise<never>(() => undefined);
        default:
          break;
      }
      log.handled.push(msg.id);
      return msg.payload;
    },
  };
}

/** A worker of {@link spawnTree}: its restart type and per-actor options. */
export interface WorkerSpec {
  readonly restart?: RestartType;
  readonly options?: ActorOptions;
  readonly worker?: WorkerOptions;
}

/**
 * Spawns a supervisor at `address` (under the root) whose children are test workers named
 * `worker/<name>` in the given order; returns their logs and refs by name.
 */
export async function spawnTree(
  h: Harness,
  address: string,
  spec: Omit<SupervisorSpec, 'children'>,
  workers: Record<string, WorkerSpec>,
): Promise<{ logs: Record<string, WorkerLog>; refs: Record<string, ActorRef>; sup: ActorRef }> {
  const logs: Record<string, WorkerLog> = {};
  const refs: Record<string, ActorRef> = {};
  const children: ChildSpec[] = Object.entries(workers).map(([name, w]) => {
    logs[name] = newLog();
    refs[name] = h.system.ref(`worker/${name}`);
    return { address: `worker/${name}`, behavior: worker(logs[name], w.worker), restart: w.restart, options: w.options };
  });
  const sup = await h.system.spawn(address, supervisor({ ...spec, children }));
  return { logs, refs, sup };
}

/** For every FAIL (or exit STOPPED) of `address`, the simulated ms until its next START. */
export function restartGaps(h: Harness, address: string): number[] {
  const evs = h.of(address);
  const gaps: number[] = [];
  evs.forEach((e, i) => {
    if (e.event !== 'FAIL' && e.event !== 'STOPPED') return;
    const next = evs.slice(i + 1).find((x) => x.event === 'START');
    if (next !== undefined) gaps.push(next.at - e.at);
  });
  return gaps;
}
