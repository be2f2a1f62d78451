/**
 * Actor kinds the cluster tests run in separate `troupe node` processes:
 * - `counter/*` (stateful): sums what it is told, snapshotting `{sum, count}`; effects are
 *   the state itself, so "handled twice" would show as a wrong sum.
 * - `worker/*` (pool): records each job once per envelope id (`results.done`, msg id derived
 *   from the envelope id, so JetStream dedup keeps one), every run per node
 *   (`results.ran.<node>`) and every redelivered run (`results.redelivered`), so tests see
 *   "every job done", who did the work, and how often a job ran more than once.
 * - `tally/*` (stateful, for the mesh chaos run, test/chaos/mesh.ts): counts increments `{lane, n}`
 *   in one bitmap per lane (so a duplicate effect is seen, not just a wrong sum) and records each
 *   activation (node, lease epoch, start, last handled message, stop) in the storage bucket
 *   {@link TALLY_ACTIVATIONS}, so a checker can look for two activations of one address at once.
 */
import { randomUUID } from 'node:crypto';
import type { ActorContext, KindSpec } from '../../runtime/index.js';

interface CounterState {
  sum: number;
  count: number;
  node: string;
}

/** Storage bucket of the tally's activation records: key `[tenant, address, activation id]`. */
export const TALLY_ACTIVATIONS = 'chaosact';

/** One activation of a tally as it records itself. */
export interface TallyActivation {
  readonly address: string;
  readonly node: string;
  readonly epoch: number;
  /** Epoch ms when the activation started (after its lease and snapshot claim). */
  readonly start: number;
  /** Epoch ms of the last message it handled (`start` before any). */
  last: number;
  handled: number;
  /** Epoch ms of a clean stop (absent when the process died or the activation was abandoned). */
  stop?: number;
}

/** What `tally.get` answers (and the tally snapshots): the count, a base64 bitmap of `n` per lane, duplicate effects. */
export interface TallyView {
  readonly count: number;
  readonly lanes: Record<string, string>;
  readonly dups: readonly string[];
}

interface TallyState {
  count: number;
  lanes: Map<string, Buffer>;
  dups: string[];
  id: string;
  record: TallyActivation;
}

function tallyView(s: TallyState): TallyView {
  return { count: s.count, lanes: Object.fromEntries([...s.lanes].map(([k, v]) => [k, v.toString('base64')])), dups: s.dups };
}

/**
 * Records the activation's start under its lease epoch (`ctx.epoch`; not read back from the state store, whose
 * replicated reads may lag behind the claim this activation just wrote).
 */
async function tallyStart(ctx: ActorContext, view: TallyView | undefined): Promise<TallyState> {
  const { tenant, address } = ctx.self;
  const record: TallyActivation = { address, node: ctx.system.node, epoch: ctx.epoch, start: Date.now(), last: 0, handled: 0 };
  record.last = record.start;
  const s: TallyState = {
    count: view?.count ?? 0,
    lanes: new Map(Object.entries(view?.lanes ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    dups: [...(view?.dups ?? [])],
    id: `${ctx.system.node}-${record.epoch}-${randomUUID().slice(0, 8)}`,
    record,
  };
  await ctx.system.storage.bucket(TALLY_ACTIVATIONS).put([tenant, address, s.id], record);
  return s;
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
  {
    kind: 'tally',
    behavior: () => ({
      init: (ctx) => tallyStart(ctx, undefined),
      restore: (snap: unknown, ctx) => tallyStart(ctx, snap as TallyView),
      snapshot: (s: TallyState) => tallyView(s),
      async receive(msg, ctx) {
        const s = ctx.state as TallyState;
        if (msg.type === 'tally.get') return tallyView(s);
        if (msg.type !== 'tally.add') return undefined;
        const { lane, n } = msg.payload as { lane: string; n: number };
        let bits = s.lanes.get(lane) ?? Buffer.alloc(0);
        if (bits.length <= n >> 3) {
          const grown = Buffer.alloc(Math.max((n >> 3) + 1, bits.length * 2));
          bits.copy(grown);
          bits = grown;
          s.lanes.set(lane, bits);
        }
        const mask = 1 << (n & 7);
        if (((bits[n >> 3] as number) & mask) !== 0) s.dups.push(`${lane}:${n}`);
        else {
          bits[n >> 3] = (bits[n >> 3] as number) | mask;
          s.count += 1;
        }
        s.record.last = Date.now();
        s.record.handled += 1;
        // Best effort: a record lost in an outage only makes this interval look shorter (the next write catches up).
        await ctx.system.storage
          .bucket(TALLY_ACTIVATIONS)
          .put([ctx.self.tenant, ctx.self.address, s.id], s.record)
          .catch(() => undefined);
        return s.count;
      },
      async stop(ctx) {
        const s = ctx.state as TallyState | undefined;
        if (s?.record === undefined) return;
        s.record.stop = Date.now();
        await ctx.system.storage.bucket(TALLY_ACTIVATIONS).put([ctx.self.tenant, ctx.self.address, s.id], s.record);
      },
    }),
  },
];
