/**
 * Actor kinds the cluster tests run in separate `troupe node` processes:
 * - `counter/*` (stateful): sums what it is told, snapshotting `{sum, count}`; effects are
 *   the state itself, so "handled twice" would show as a wrong sum.
 * - `worker/*` (pool): records each job once per envelope id in a results stream
 *   (msg id = envelope id), and counts in a second stream every time it ran a job, so the
 *   tests can see both "every job done" and how often a job ran more than once.
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
        if (msg.type === 'counter.get') return { sum: s.sum, count: s.count, node: ctx.system.node };
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
        await ctx.publish('results.ran', effect);
        return ctx.system.node;
      },
    }),
  },
];
