/**
 * The checker of the mesh chaos run: after the faults and a settle time it reads the stores (tally snapshots,
 * tally activation records, run records and run logs through RunStore on JetStream KV) and the workload's
 * ledger, and reports each invariant with its counts and the first violations.
 */
import { TERMINAL_RUN_STATUSES } from '../../protocols/index.js';
import type { ActorSystem, ClusterServices, Storage } from '../../runtime/index.js';
import type { RunStore } from '../../actors/agent/index.js';
import { TALLY_ACTIVATIONS, type TallyActivation, type TallyView } from '../cluster/fixture-kinds.js';
import { eventually } from '../transport/contract.js';
import type { StartedRun, TallyLedger } from './mesh-workload.js';

/** One invariant's outcome. */
export interface Invariant {
  readonly name: string;
  readonly checked: number;
  readonly violations: readonly string[];
  /** Extra counts worth printing. */
  readonly detail: string;
}

function bitsOf(base64: string): Set<number> {
  const b = Buffer.from(base64, 'base64');
  const out = new Set<number>();
  for (let i = 0; i < b.length; i++) for (let j = 0; j < 8; j++) if (((b[i] as number) & (1 << j)) !== 0) out.add(i * 8 + j);
  return out;
}

async function tallyView(system: ActorSystem, address: string): Promise<TallyView | undefined> {
  return system
    .ref(address)
    .ask<TallyView>('tally.get', undefined, { timeoutMs: 3_000 })
    .catch(() => undefined);
}

/**
 * Every acknowledged increment counted exactly once, an unacknowledged one at most once, nothing counted that was
 * never sent, and the stored snapshot equal to what the live tally answers.
 */
export async function checkTallies(
  system: ActorSystem,
  cluster: ClusterServices,
  tallies: readonly string[],
  ledger: TallyLedger,
  settleMs: number,
): Promise<Invariant> {
  const violations: string[] = [];
  let acked = 0;
  let unackedCounted = 0;
  let unackedTotal = 0;
  let counted = 0;
  const complete = (address: string, v: TallyView): boolean => {
    for (const [lane, ns] of ledger.acked.get(address) ?? []) {
      const bits = bitsOf(v.lanes[lane] ?? '');
      for (const n of ns) if (!bits.has(n)) return false;
    }
    return true;
  };
  for (const address of tallies) {
    let view: TallyView | undefined;
    await eventually(
      async () => {
        view = (await tallyView(system, address)) ?? view;
        return view !== undefined && complete(address, view);
      },
      settleMs,
      `${address} to count every acknowledged increment`,
    ).catch(() => undefined);
    if (view === undefined) {
      violations.push(`${address}: never answered tally.get after the settle time`);
      continue;
    }
    counted += view.count;
    let bitsTotal = 0;
    const lanes = new Set([...Object.keys(view.lanes), ...(ledger.acked.get(address)?.keys() ?? [])]);
    for (const lane of lanes) {
      const bits = bitsOf(view.lanes[lane] ?? '');
      bitsTotal += bits.size;
      const ok = ledger.acked.get(address)?.get(lane) ?? new Set<number>();
      const maybe = ledger.unacked.get(address)?.get(lane) ?? new Set<number>();
      acked += ok.size;
      unackedTotal += maybe.size;
      for (const n of ok) if (!bits.has(n)) violations.push(`${address}: acknowledged ${lane}:${n} not counted`);
      for (const n of bits) {
        if (maybe.has(n)) unackedCounted++;
        else if (!ok.has(n)) violations.push(`${address}: counted ${lane}:${n}, which was never sent`);
      }
    }
    for (const d of view.dups) violations.push(`${address}: ${d} counted twice`);
    if (bitsTotal !== view.count) violations.push(`${address}: count ${view.count} but ${bitsTotal} distinct increments`);
    const stored = await cluster.state.load('default', address).catch(() => undefined);
    const storedCount = (stored?.data as { state?: TallyView } | undefined)?.state?.count;
    if (storedCount !== view.count) violations.push(`${address}: stored snapshot count ${String(storedCount)}, live ${view.count}`);
  }
  return {
    name: 'every acknowledged increment counted exactly once (tallies)',
    checked: acked,
    violations,
    detail:
      `${acked} acknowledged, ${unackedTotal} unacknowledged of which ${unackedCounted} counted (at most once each), ` +
      `${counted} counted`,
  };
}

/**
 * Says what storage holds of a run whose record is missing (its other keys, the bucket's stream), for the report;
 * `gone`: none of the run's keys is left (what a run that was never written, or a stream that lost messages, looks
 * like — not a record Troupe failed to write while writing the rest).
 */
export type RunProbe = (run: StartedRun) => Promise<{ text: string; gone: boolean }>;

/**
 * A {@link RunProbe} over the mesh's storage: which of the keys a created run writes exist (the record is written
 * first, by the thread owner; the driver fence and checkpoint after it, by the agent), and the runs bucket's stream
 * (its creation time tells a stream made again from one that lost messages).
 */
export function runProbe(storage: Storage, streamInfo: () => Promise<string>, t0: () => number): RunProbe {
  const runs = storage.bucket('runs');
  return async (r) => {
    const has = async (key: string[]): Promise<string> =>
      await runs.get(key).then(
        (v) => (v === undefined ? 'absent' : 'present'),
        (e: unknown) => `unreadable: ${(e as Error).message}`,
      );
    const byThread = await runs.list([r.tenant, 'by-thread']).then(
      (es) => (es.some((e) => e.key[3] === r.runId) ? 'present' : 'absent'),
      (e: unknown) => `unreadable: ${(e as Error).message}`,
    );
    const events = await runs.list([r.tenant, 'ev', r.runId]).then(
      (es) => String(es.length),
      () => '?',
    );
    const rel = (t: number): string => `${((t - t0()) / 1_000).toFixed(1)} s`;
    const driver = await has([r.tenant, 'driver', r.runId, 'clerk']);
    const checkpoint = await has([r.tenant, 'cp', r.runId]);
    return {
      text:
        `sent ${rel(r.sent)}, answered ${rel(r.settled)}; driver ${driver}, checkpoint ${checkpoint}, by-thread ${byThread}, ` +
        `${events} event keys; ${await streamInfo()}`,
      gone: driver === 'absent' && checkpoint === 'absent' && byThread === 'absent' && events === '0',
    };
  };
}

/** The invariant over runs' event logs (see {@link checkRuns}). */
export const LOG_INVARIANT = 'run logs without gaps or duplicate seqs';

/** The invariant over what the NATS server kept (see {@link checkRuns}). */
export const STORAGE_INVARIANT = 'every acknowledged run still in storage';

/** Runs: none lost, every one ended or still driven by a live activation, every log gap-free without duplicate seqs. */
export async function checkRuns(
  store: RunStore,
  cluster: ClusterServices,
  runs: readonly StartedRun[],
  settleMs: number,
  probe?: RunProbe,
): Promise<{ driven: Invariant; logs: Invariant; stored: Invariant }> {
  const unfinished = async (): Promise<StartedRun[]> => {
    const out: StartedRun[] = [];
    for (const r of runs) {
      const rec = await store.getRun(r.tenant, r.runId).catch(() => undefined);
      if (rec !== undefined && !TERMINAL_RUN_STATUSES.has(rec.status)) out.push(r);
    }
    return out;
  };
  await eventually(async () => (await unfinished()).length === 0, settleMs, 'every run to end').catch(() => undefined);
  const driven: string[] = [];
  const logs: string[] = [];
  const lost: string[] = [];
  let acked = 0;
  const statuses = new Map<string, number>();
  let stillDriven = 0;
  let missing = 0;
  let events = 0;
  for (const r of runs) {
    if (r.acked) acked++;
    const rec = await store.getRun(r.tenant, r.runId);
    if (rec === undefined) {
      const found = r.acked && probe !== undefined ? await probe(r) : undefined;
      const line = `${r.tenant}/${r.runId}: acknowledged but no run record${found === undefined ? '' : ` (${found.text})`}`;
      if (!r.acked) missing++;
      else if (found?.gone === true) lost.push(line);
      else driven.push(line);
      continue;
    }
    statuses.set(rec.status, (statuses.get(rec.status) ?? 0) + 1);
    if (!TERMINAL_RUN_STATUSES.has(rec.status)) {
      const lease = cluster.leases().find((l) => l.tenant === r.tenant && l.address === 'agent/clerk');
      if (lease !== undefined && cluster.membership.isLive(lease.node)) stillDriven++;
      else driven.push(`${r.tenant}/${r.runId}: ${rec.status} with agent/clerk active nowhere`);
    }
    const log = await store.events(r.tenant, r.runId);
    events += log.length;
    const seqs = log.map((e) => e.seq);
    const dup = seqs.find((s, i) => seqs.indexOf(s) !== i);
    if (dup !== undefined) logs.push(`${r.tenant}/${r.runId}: seq ${dup} twice`);
    const gap = seqs.findIndex((s, i) => s !== i + 1);
    if (gap >= 0 && dup === undefined) logs.push(`${r.tenant}/${r.runId}: seq ${seqs[gap]} at position ${gap + 1} (gap)`);
    const last = log.at(-1);
    if (TERMINAL_RUN_STATUSES.has(rec.status) && last?.event !== 'status')
      logs.push(`${r.tenant}/${r.runId}: record ${rec.status} but its log (${log.length} events) ends with ${last?.event ?? 'nothing'}`);
  }
  const byStatus = [...statuses].map(([s, n]) => `${n} ${s}`).join(', ');
  return {
    driven: {
      name: 'every run ended or still driven',
      checked: runs.length,
      violations: driven,
      detail: `${runs.length} runs started (${byStatus || 'none'}; ${stillDriven} still driven, ${missing} never created, unacknowledged)`,
    },
    logs: {
      name: LOG_INVARIANT,
      checked: runs.length - missing,
      violations: logs,
      detail: `${events} events read`,
    },
    stored: {
      name: STORAGE_INVARIANT,
      checked: acked,
      violations: lost,
      detail:
        'acknowledged runs of which no key at all is left in the runs bucket (record, driver, checkpoint, thread ' +
        'index, events): the NATS server lost them, or Troupe never wrote them',
    },
  };
}

/** Intervals of the activations of each tally: no activation handles a message after a newer one started. */
export async function checkActivations(storage: Storage): Promise<Invariant> {
  const records = (await storage.bucket(TALLY_ACTIVATIONS).list<TallyActivation>([])).map((e) => e.value);
  const byAddress = new Map<string, TallyActivation[]>();
  for (const r of records) byAddress.set(r.address, [...(byAddress.get(r.address) ?? []), r]);
  const violations: string[] = [];
  let lifetimes = 0;
  for (const [address, acts] of byAddress) {
    acts.sort((a, b) => a.start - b.start);
    for (let i = 0; i < acts.length; i++)
      for (let j = i + 1; j < acts.length; j++) {
        const a = acts[i] as TallyActivation;
        const b = acts[j] as TallyActivation;
        if (a.handled > 0 && a.last > b.start)
          violations.push(
            `${address}: ${a.node} (epoch ${a.epoch}) handled a message ${a.last - b.start} ms after ` +
              `${b.node} (epoch ${b.epoch}) started`,
          );
        else if (a.stop !== undefined && a.stop > b.start) lifetimes++;
        if (a.node !== b.node && b.epoch <= a.epoch)
          violations.push(`${address}: ${b.node} started with epoch ${b.epoch} after ${a.node} held epoch ${a.epoch}`);
      }
  }
  return {
    name: 'never two activations of one address at once',
    checked: records.length,
    violations,
    detail:
      `${records.length} activations of ${byAddress.size} tallies; ${lifetimes} old activations stopped after their successor ` +
      'started without handling anything meanwhile (not counted)',
  };
}
