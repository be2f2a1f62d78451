/**
 * The kinds `troupe node` hosts in the partition tests: the `tally` of test/cluster/fixture-kinds.ts, traced on
 * stdout so the test reads every activation's timeline even while the node is cut from NATS (where the tally's own
 * activation records cannot be stored). One line per event, `TRACE <event> <address> <node> <lease epoch> <epoch ms> [n]`:
 * - `start`: the activation is ready (after its lease and snapshot claim);
 * - `handled`: it counted increment `<lane>:<n>`, at the time of the effect (not after its record was stored);
 * - `stop`: it is ending (its stop hook ran: fenced, drained or stopped).
 */
import type { Behavior, KindSpec } from '../../runtime/index.js';
import { kinds as fixtureKinds, type TallyActivation } from '../cluster/fixture-kinds.js';

/** One parsed trace line. */
export interface TraceEvent {
  readonly event: 'start' | 'handled' | 'stop';
  readonly address: string;
  readonly node: string;
  readonly epoch: number;
  readonly at: number;
  readonly increment?: string;
}

/** Parses the trace lines in a chunk of node output (other lines are skipped). */
export function parseTraces(text: string): TraceEvent[] {
  const out: TraceEvent[] = [];
  for (const m of text.matchAll(/^TRACE (start|handled|stop) (\S+) (\S+) (\d+) (\d+)(?: (\S+))?$/gm)) {
    const [, event, address, node, epoch, at, increment] = m as unknown as [
      string,
      TraceEvent['event'],
      string,
      string,
      string,
      string,
      string?,
    ];
    out.push({ event, address, node, epoch: Number(epoch), at: Number(at), ...(increment === undefined ? {} : { increment }) });
  }
  return out;
}

const tally = fixtureKinds.find((k) => k.kind === 'tally') as KindSpec;
const recordOf = (state: unknown): TallyActivation | undefined => (state as { record?: TallyActivation } | undefined)?.record;
const trace = (event: string, r: TallyActivation, at: number, extra = ''): void => {
  process.stdout.write(`TRACE ${event} ${r.address} ${r.node} ${r.epoch} ${at}${extra}\n`);
};

function traced(inner: Behavior<unknown>): Behavior<unknown> {
  const started = (state: unknown): unknown => {
    const r = recordOf(state);
    if (r !== undefined) trace('start', r, r.start);
    return state;
  };
  return {
    ...inner,
    init: async (ctx) => started(await inner.init?.(ctx)),
    restore: async (snap, ctx) => started(await inner.restore?.(snap, ctx)),
    async receive(msg, ctx) {
      const r = recordOf(ctx.state);
      const before = r?.handled ?? 0;
      const p = inner.receive(msg, ctx);
      // The effect and `record.last` happen synchronously in the tally's handler, before it awaits its record write.
      if (r !== undefined && r.handled > before) {
        const { lane, n } = msg.payload as { lane: string; n: number };
        trace('handled', r, r.last, ` ${lane}:${n}`);
      }
      return p;
    },
    async stop(ctx) {
      const r = recordOf(ctx.state);
      if (r !== undefined) trace('stop', r, Date.now());
      await inner.stop?.(ctx);
    },
  };
}

export const kinds: KindSpec[] = [{ ...tally, behavior: (address, tenant) => traced(tally.behavior(address, tenant)) }];
