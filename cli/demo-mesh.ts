/**
 * The embedded mesh demo behind `npm start`: a supervision tree on the in-process transport,
 * with a worker that crashes now and then so restarts, redelivery and dead letters are visible.
 */
import type { ActorSystem, Behavior } from '../runtime/index.js';
import { supervisor } from '../supervisors/index.js';

/** Counters the demo prints. */
export interface DemoStats {
  greetings: number;
  jobsDone: number;
  ticksHeard: number;
}

const greeter: Behavior<{ count: number }> = {
  init: () => ({ count: 0 }),
  receive(msg, ctx) {
    ctx.state.count++;
    return `hello, ${String(msg.payload)} (greeting #${ctx.state.count})`;
  },
};

/**
 * A worker whose every 7th job fails on its first delivery (a transient fault: the restart
 * redelivers it and it succeeds) and whose every 13th job always fails (a poison message:
 * after maxDeliveries it goes to dead letters and the asker gets poison_message).
 */
function flakyWorker(stats: DemoStats): Behavior<undefined> {
  return {
    receive(msg) {
      const n = Number(msg.payload);
      if (n % 13 === 0) throw new Error(`job ${n} is malformed`);
      if (n % 7 === 0 && msg.attempt === 1) throw new Error(`job ${n} hit a transient fault`);
      stats.jobsDone++;
      return n * n;
    },
  };
}

/** Starts the demo tree on `system` and returns its counters. */
export async function startDemo(system: ActorSystem): Promise<DemoStats> {
  const stats: DemoStats = { greetings: 0, jobsDone: 0, ticksHeard: 0 };
  await system.spawn(
    'supervisor/demo',
    supervisor({
      strategy: 'one-for-one',
      maxRestarts: 20,
      withinMs: 10_000,
      children: [
        { address: 'agent/greeter', behavior: greeter },
        { address: 'worker/flaky', behavior: flakyWorker(stats), options: { maxDeliveries: 3 } },
        {
          address: 'agent/listener',
          behavior: {
            init: (ctx) => {
              ctx.subscribe('demo.tick');
            },
            receive: () => {
              stats.ticksHeard++;
            },
          },
        },
      ],
    }),
  );
  return stats;
}

/** Drives one round of traffic: a greeting, a few jobs, a published tick. */
export async function demoRound(system: ActorSystem, round: number, stats: DemoStats): Promise<string> {
  const greeting = await system.ref('agent/greeter').ask<string>('demo.greet', `round ${round}`);
  stats.greetings++;
  const jobs = await Promise.allSettled(
    Array.from({ length: 5 }, (_, i) => system.ref('worker/flaky').ask<number>('demo.job', round * 5 + i, { timeoutMs: 2_000 })),
  );
  await system.publish('demo.tick', { round });
  return `${greeting}; jobs ${jobs.filter((j) => j.status === 'fulfilled').length}/5 answered`;
}
