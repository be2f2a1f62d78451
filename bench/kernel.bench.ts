/**
 * The kernel suite: in-process `tell` throughput and `ask` latency of the ActorSystem made by
 * `createSystem()` (memory transport, embedded defaults), each beside baselines run in the
 * same process: XState v5 `actor.send` and bare microtask hand-offs with the same awaiting.
 */
import { assign, createActor, setup } from 'xstate';
import { createLogger, type ActorRef, type ActorSystem, type Behavior } from '../runtime/index.js';
import { createSystem } from '../supervisors/index.js';
import { elapsedNs, latency, throughput, type BenchOptions, type Figure, type Goal, type Suite, type SuiteResult } from './harness.js';

const RESOLVED: Promise<void> = Promise.resolve();

/** Goals of the kernel issue. */
export const GOALS = { tellsPerSec: 1_000_000, tellVsXState: 3 } as const;

interface Sizes {
  readonly tells: number;
  readonly asks: number;
  readonly warmup: number;
  readonly runs: number;
}

function sizes(options: BenchOptions): Sizes {
  const s = options.quick ? { tells: 20_000, asks: 5_000, warmup: 1, runs: 1 } : { tells: 2_000_000, asks: 200_000, warmup: 2, runs: 3 };
  return { ...s, runs: options.runs ?? s.runs };
}

// ---- troupe ---------------------------------------------------------------------------------

let pairSeq = 0;

/**
 * One timed run: producer A gets one `go`, then tells B `n` times awaiting each tell
 * (backpressure-correct); B counts and resolves when it has `n`. Spawn and stop are untimed.
 * `dedupWindow` overrides B's (diagnostic: what the per-message dedup bookkeeping costs).
 */
async function troupeTellRun(system: ActorSystem, n: number, dedupWindow?: number): Promise<number> {
  const id = ++pairSeq;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let count = 0;
  const consumer: Behavior = {
    receive() {
      if (++count === n) finish();
    },
  };
  const b = await system.spawn(`bench/consumer-${id}`, consumer, dedupWindow === undefined ? {} : { dedupWindow });
  const producer: Behavior = {
    async receive(_msg, ctx) {
      for (let i = 0; i < n; i++) await ctx.tell(b, 'msg', i);
    },
  };
  // The producer's one handler runs the whole burst: lift the handler timeout out of the way.
  const a = await system.spawn(`bench/producer-${id}`, producer, { handlerTimeoutMs: 3_600_000 });
  const start = process.hrtime.bigint();
  await a.tell('go');
  await done;
  const ns = elapsedNs(start);
  if (count !== n) throw new Error(`consumer counted ${count} of ${n}`);
  await a.stop();
  await b.stop();
  return ns;
}

async function troupeAskLatency(system: ActorSystem, s: Sizes): Promise<Awaited<ReturnType<typeof latency>>> {
  const echo: ActorRef = await system.spawn('bench/echo', { receive: (msg) => msg.payload });
  const result = await latency({ count: s.asks, warmup: Math.min(s.asks, 20_000), op: (i) => echo.ask('echo', i) });
  await echo.stop();
  return result;
}

// ---- baselines -----------------------------------------------------------------------------

const counterMachine = setup({
  types: { context: {} as { count: number }, events: {} as { type: 'msg'; i: number } },
  actions: { count: assign({ count: ({ context }) => context.count + 1 }) },
}).createMachine({
  context: { count: 0 },
  initial: 'running',
  states: { running: { on: { msg: { actions: 'count' } } } },
});

/** XState v5: one state, an `assign` counting events, `send` in a loop. */
function xstateSendRun(n: number): Promise<number> {
  const actor = createActor(counterMachine);
  actor.start();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) actor.send({ type: 'msg', i });
  const ns = elapsedNs(start);
  const count = actor.getSnapshot().context.count;
  actor.stop();
  if (count !== n) throw new Error(`xstate counted ${count} of ${n}`);
  return Promise.resolve(ns);
}

/** A bare mailbox: a queue drained by a microtask loop, as small as an async hand-off gets. */
class BareMailbox<T> {
  private readonly items: T[] = [];
  private head = 0;
  private draining = false;
  constructor(private readonly handle: (item: T) => void) {}

  offer(item: T): Promise<void> {
    this.items.push(item);
    if (!this.draining) {
      this.draining = true;
      queueMicrotask(this.drain);
    }
    return RESOLVED;
  }

  private readonly drain = (): void => {
    while (this.head < this.items.length) this.handle(this.items[this.head++] as T);
    this.items.length = 0;
    this.head = 0;
    this.draining = false;
  };
}

/** Bare hand-off: the sender awaits a resolved promise per message, as the actor version does. */
async function bareTellRun(n: number): Promise<number> {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let count = 0;
  const box = new BareMailbox<number>(() => {
    if (++count === n) finish();
  });
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await box.offer(i);
  await done;
  return elapsedNs(start);
}

/** Bare request/response: a Map of pending resolvers, the reply made in a microtask. */
function bareAsker(): (payload: unknown) => Promise<unknown> {
  const pending = new Map<number, (v: unknown) => void>();
  let nextId = 0;
  const server = new BareMailbox<{ id: number; payload: unknown }>((req) => {
    const resolve = pending.get(req.id);
    pending.delete(req.id);
    resolve?.(req.payload);
  });
  return (payload) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      void server.offer({ id, payload });
    });
}

// ---- the suite ------------------------------------------------------------------------------

async function run(options: BenchOptions): Promise<SuiteResult> {
  const s = sizes(options);
  const timed = { ops: s.tells, warmupOps: Math.ceil(s.tells / 4), warmup: s.warmup, runs: s.runs };
  const system = await createSystem();
  // The same kernel logging at info as `troupe start` does (JSON through the log thread, ADR 0034) — issue 17's bound.
  const logged = await createSystem({ log: createLogger({ level: 'info', thread: { dest: '/dev/null' } }) });
  try {
    options.log(
      `kernel: tell x${s.tells.toLocaleString('en-US')}: troupe, troupe without dedup, xstate.send, bare hand-off ` +
        `(interleaved, ${s.warmup} warmup + best of ${s.runs})`,
    );
    const t = await throughput(timed, [
      { name: 'tell', once: (n) => troupeTellRun(system, n) },
      { name: 'noDedup', once: (n) => troupeTellRun(system, n, 0) },
      { name: 'logged', once: (n) => troupeTellRun(logged, n) },
      { name: 'xstate', once: xstateSendRun },
      { name: 'bare', once: bareTellRun },
    ]);
    const { tell, noDedup, logged: tellLogged, xstate: xs, bare } = t;
    options.log(`kernel: troupe ask x${s.asks.toLocaleString('en-US')} (sequential)`);
    const ask = await troupeAskLatency(system, s);
    options.log('kernel: baseline bare request/response');
    const bareAsk = await latency({ count: s.asks, warmup: Math.min(s.asks, 20_000), op: bareAsker() });

    const figures: Figure[] = [
      {
        name: 'troupe tell',
        value: tell.best,
        unit: 'msg/s',
        higherIsBetter: true,
        baselines: [
          { name: 'xstate.send', value: xs.best, unit: 'msg/s' },
          { name: 'bare hand-off', value: bare.best, unit: 'msg/s' },
        ],
      },
      {
        name: 'troupe tell, no dedup',
        value: noDedup.best,
        unit: 'msg/s',
        higherIsBetter: true,
        baselines: [{ name: 'troupe tell (defaults)', value: tell.best, unit: 'msg/s' }],
      },
      {
        name: 'troupe tell, logs at info',
        value: tellLogged.best,
        unit: 'msg/s',
        higherIsBetter: true,
        baselines: [{ name: 'troupe tell (silent logs)', value: tell.best, unit: 'msg/s' }],
      },
      {
        name: 'troupe ask',
        value: ask.opsPerSec,
        unit: 'ask/s',
        higherIsBetter: true,
        baselines: [{ name: 'bare req/resp', value: bareAsk.opsPerSec, unit: 'req/s' }],
      },
      {
        name: 'troupe ask p50',
        value: ask.p50Us,
        unit: 'µs',
        higherIsBetter: false,
        baselines: [{ name: 'bare p50', value: bareAsk.p50Us, unit: 'µs' }],
      },
      {
        name: 'troupe ask p99',
        value: ask.p99Us,
        unit: 'µs',
        higherIsBetter: false,
        baselines: [{ name: 'bare p99', value: bareAsk.p99Us, unit: 'µs' }],
      },
    ];
    const vsX = tell.best / xs.best;
    const goals: Goal[] = [
      {
        name: `tell >= ${GOALS.tellsPerSec.toLocaleString('en-US')} msg/s`,
        met: tell.best >= GOALS.tellsPerSec,
        detail: `${Math.round(tell.best).toLocaleString('en-US')} msg/s`,
      },
      { name: `tell >= ${GOALS.tellVsXState}x xstate.send`, met: vsX >= GOALS.tellVsXState, detail: `${vsX.toFixed(2)}x` },
      {
        name: 'tell with logs at info within 5 % of silent logs',
        met: tellLogged.best >= tell.best * 0.95,
        detail: `${((1 - tellLogged.best / tell.best) * 100).toFixed(1)} % slower`,
      },
    ];
    const runs = (t: { runs: readonly number[] }): string => t.runs.map((r) => Math.round(r).toLocaleString('en-US')).join(' / ');
    const notes = [
      `tell runs (msg/s): troupe ${runs(tell)}; no dedup ${runs(noDedup)}; logs at info ${runs(tellLogged)}; ` +
        `xstate ${runs(xs)}; bare ${runs(bare)}`,
      'the kernel makes no spans (agents, tools and the gateway do): the tracing cost per span is in the agents suite',
      'no dedup = consumer spawned with dedupWindow 0: diagnostic only, the goals use the defaults',
      `ask mean ${ask.meanUs.toFixed(2)} µs, bare mean ${bareAsk.meanUs.toFixed(2)} µs`,
    ];
    if (options.quick) notes.push('--quick: smoke-test sizes, the figures are not measurements');
    return { suite: 'kernel', figures, goals, notes };
  } finally {
    await system.shutdown();
    await logged.shutdown();
  }
}

/** The kernel suite (registered in bench/run.ts). */
export const kernelSuite: Suite = {
  name: 'kernel',
  description: 'in-process tell throughput and ask latency vs XState and bare microtask baselines',
  run,
};
