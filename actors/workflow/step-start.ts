// Starting steps under load (docs/workflows.md, "Speed"). An agent is one stateful actor per tenant that admits runs one
// `acp.run.create` at a time, and a tool's pool member on a node takes one call at a time; a thousand workflow runs
// starting their steps at once put a thousand asks in one mailbox, and those at the back waited past their ask's
// deadline and failed their step (the bench's 1,000 concurrent instances lost ~300 runs so). Two things keep that from
// failing a step:
// - backpressure: a node lets only a few step asks per agent or tool be in flight; the rest wait here, in order, where
//   no deadline runs out and a cancelled step leaves the queue;
// - an agent's create is idempotent by run id (the agent answers the run it already admitted), so one whose deadline
//   still passed (a starved process, a late reply) is asked again while the step lives, rather than failing it. A tool
//   call is not asked again: a late reply may mean the tool ran.
import { backoffDelay, isTroupeError } from '../../protocols/index.js';
import type { ActorRef, ActorSystem } from '../../runtime/index.js';

/** Asks one node may have in flight to one agent or tool (per tenant): enough to keep it busy, few enough to queue briefly. */
export const STARTS_IN_FLIGHT = 8;

interface Gate {
  busy: number;
  /** Calls waiting for a slot, in order: `go` hands one the slot of a call that ended. */
  readonly waiting: { go(): void }[];
}

const gates = new WeakMap<ActorSystem, Map<string, Gate>>();

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/**
 * Runs `f` once fewer than {@link STARTS_IN_FLIGHT} calls for the same `key` are in flight on `system`, first come
 * first served. Rejects without calling `f` when `signal` aborts while it waits.
 */
export async function throughGate<T>(system: ActorSystem, key: string, signal: AbortSignal, f: () => Promise<T>): Promise<T> {
  let byKey = gates.get(system);
  if (byKey === undefined) gates.set(system, (byKey = new Map()));
  let gate = byKey.get(key);
  if (gate === undefined) byKey.set(key, (gate = { busy: 0, waiting: [] }));
  const g = gate;
  if (g.busy >= STARTS_IN_FLIGHT) {
    if (signal.aborted) throw reasonOf(signal);
    await new Promise<void>((resolve, reject) => {
      const abort = () => {
        const i = g.waiting.indexOf(w);
        if (i >= 0) g.waiting.splice(i, 1);
        reject(reasonOf(signal));
      };
      const w = {
        go: () => {
          signal.removeEventListener('abort', abort);
          resolve();
        },
      };
      signal.addEventListener('abort', abort, { once: true });
      g.waiting.push(w);
    });
  } else g.busy++;
  try {
    return await f();
  } finally {
    const next = g.waiting.shift();
    if (next !== undefined)
      next.go(); // the slot passes on
    else if (--g.busy === 0) byKey.delete(key);
  }
}

/** Resolves after `ms` on the system's clock; rejects when `signal` aborts first. */
export function pause(system: ActorSystem, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = system.clock.setTimer(ms, () => {
      signal.removeEventListener('abort', stop);
      resolve();
    });
    const stop = () => {
      system.clock.clearTimer(t);
      reject(reasonOf(signal));
    };
    signal.addEventListener('abort', stop, { once: true });
  });
}

/**
 * Deadline of one step create (ms). Longer than the system's default ask timeout: a create waits in the agent's mailbox
 * behind the others (after a failover the agent works off a backlog), and one that expired there is asked again at the
 * back of the queue — after a NATS leader kill, steps whose creates kept expiring so were admitted 10-15 s after those
 * of clients with longer deadlines. Kept in line, the create is answered when the agent reaches it.
 */
export const STEP_CREATE_TIMEOUT_MS = 30_000;
/**
 * Deadline of one tool step's call (ms): a tool call's, as an agent's tool calls have by default. The system's default
 * ask (5 s) failed tool steps whose call waited in the tool's mailbox through a NATS stream election (4-9 s on
 * nats-server 2.9), and every step of a tool slower than 5 s.
 */
export const TOOL_STEP_TIMEOUT_MS = 30_000;
/**
 * How often, at most, an agent or child workflow step reads its run's record while it waits for the run's end event
 * (executor.ts, child.ts): an event lost on the way (a node's connection moving to another NATS server while the end is
 * published; the last event leaves no later one to show the gap) would otherwise hold the step until its timeout. The
 * reads start sooner and back off to this ({@link stepRecheckMs}): a fixed 5 s (was 30 s) still held each agent step of
 * a workflow up to 5 s after a NATS server was killed, one step after another.
 */
export const STEP_RECHECK_MS = 5_000;
/** The first record read of a waiting step, after it began waiting (ms); each next waits twice as long, up to {@link STEP_RECHECK_MS}. */
export const STEP_RECHECK_FIRST_MS = 500;

/** The pause before a waiting step's `n`-th record read (n = 0, 1, …): 0.5, 1, 2, 4, 5, 5 … s. */
export function stepRecheckMs(n: number): number {
  return backoffDelay(n + 1, { initialMs: STEP_RECHECK_FIRST_MS, maxMs: STEP_RECHECK_MS });
}
/** Pauses between creates asked again: short, the mesh is serving again when a retry is due (the ask itself waited). */
export const STEP_RETRY = { initialMs: 100, maxMs: 1_000 } as const;

/**
 * Asks `agent` to admit a step's run (`create`, idempotent by run id) through the node's gate for that agent; a create
 * whose deadline passed is asked again after a pause until `giveUpAt` (the system clock's ms) or until `signal` aborts.
 */
export async function admitStepRun<T>(
  system: ActorSystem,
  agent: ActorRef,
  signal: AbortSignal,
  giveUpAt: number,
  create: () => Promise<T>,
): Promise<T> {
  for (let wait: number = STEP_RETRY.initialMs; ; wait = Math.min(wait * 2, STEP_RETRY.maxMs)) {
    try {
      return await throughGate(system, `${agent.tenant}/${agent.address}`, signal, create);
    } catch (e) {
      if (signal.aborted || !isTroupeError(e, 'deadline_exceeded') || system.clock.now() + wait > giveUpAt) throw e;
      await pause(system, wait, signal);
    }
  }
}
