/**
 * Actor kinds the cluster tests run in separate `troupe node` processes:
 * - `counter/*` (stateful): sums what it is told, snapshotting `{sum, count}`; effects are
 *   the state itself, so "handled twice" would show as a wrong sum.
 * - `worker/*` (pool): records each job once per envelope id (`results.done`, msg id derived
 *   from the envelope id, so JetStream dedup keeps one), every run per node
 *   (`results.ran.<node>`) and every redelivered run (`results.redelivered`), so tests see
 *   "every job done", who did the work, and how often a job ran more than once.
 */
import type { KindSpec } from '../../runtime/index.js';

interface CounterState {
  sum: number;
  count: number;
  node: string;
}

export const kinds: KindSpec[] = [
  {
    kind: 'counter',
    behavior: () => ({
      init: (ctx) => ({ sum: 0, count: 0, node: ctx.system.node }),
      snapshot: (s: CounterState) => ({ sum: s.sum, count: s.count }),
      restore: (snap: unknown, ctx) => ({ ...(snap as { sum: number; count: number }), node: ctx.system.node }),
      receive(msg, ctx) {
        const s = ctx.state as CounterState;
        if (msg.type === 'counter.add') {
          s.sum += Number(msg.payload);
          s.count += 1;
          return undefined;
        }
        if (msg.type === 'counter.get') return { sum: s.sum, count: s.count, node: ctx.system.node, attempt: msg.attempt };
        return undefined;
      },
    }),
  },
  {
    kind: 'worker',
    pool: true,
    behavior: () => ({
      async receive(msg, ctx) {
        if (msg.type !== 'worker.job') return undefined;
        const effect = { job: msg.payload, id: msg.id, node: ctx.system.node, attempt: msg.attempt };
        await ctx.publish('results.done', effect, { id: `done-${msg.id}` });
        await ctx.publish(`results.ran.${ctx.system.node}`, effect);
        if (msg.attempt > 1) await ctx.publish('results.redelivered', effect);
        return ctx.system.node;
      },
    }),
  },
];
