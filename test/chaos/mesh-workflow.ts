/**
 * The workflow lanes of the mesh chaos run (issue 12, "workflows once they exist"): a small workflow in the mesh's config
 * (two agent steps on the offline model, each calling the calculator, then a calculator tool step — no human step, so
 * every run ends by itself), a lane per tenant that starts runs of it through the mesh as clients do (`acp.run.create`
 * to `workflow/chaosflow`) and follows each to its end in the journal, and the checker that reads the journal and the run
 * records afterwards (test/chaos/mesh-check.ts does the same for agent runs).
 */
import { RUN_CREATE } from '../../protocols/index.js';
import type { ActorSystem, ClusterServices, Storage } from '../../runtime/index.js';
import { WorkflowJournal, type WorkflowRunRecord } from '../../actors/workflow/index.js';
import { eventually } from '../transport/contract.js';
import type { Invariant } from './mesh-check.js';
import type { ExtraLane } from './mesh-workload.js';

/** The workflow's name (its actor is `workflow/chaosflow` in each tenant). */
export const CHAOS_WORKFLOW = 'chaosflow';
/** The agent its steps run (the mesh config's calculator agent). */
const AGENT = 'clerk';
const STEPS = ['multiply', 'add', 'subtract'] as const;

/** The workflow as the mesh config declares it (docs/workflows.md, DAG form). */
export const chaosWorkflow = {
  name: CHAOS_WORKFLOW,
  input: { a: 'string', b: 'string' },
  steps: {
    multiply: { agent: AGENT, input: '/tool calculator {"expression":"${input.a}*${input.b}"}' },
    add: { agent: AGENT, needs: ['multiply'], input: '/tool calculator {"expression":"${input.a}+${input.b}"}' },
    subtract: { tool: 'calculator', needs: ['add'], input: { expression: '${input.a}-${input.b}' } },
  },
  output: { product: '${steps.multiply.output}', sum: '${steps.add.output}', difference: '${steps.subtract.output}' },
};

/** A workflow run the lane started. */
export interface StartedWorkflowRun {
  readonly tenant: string;
  readonly runId: string;
  /** The workflow actor answered the create (its record was written: the start is acknowledged). */
  readonly acked: boolean;
  /** When the create was sent, answered (or failed), and when the lane saw the run end (ms since the epoch). */
  readonly sent?: number;
  readonly settled?: number;
  ended?: number;
}

/** The lanes (one per tenant) and what they started (for the checker). */
export interface WorkflowLane {
  readonly lanes: readonly ExtraLane[];
  readonly runs: StartedWorkflowRun[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ENDED: ReadonlySet<WorkflowRunRecord['status']> = new Set(['success', 'error', 'cancelled']);

/** Polls the journal for the run's record until it has ended (or `ms` pass, or the lane stops). */
async function ended(journal: WorkflowJournal, tenant: string, runId: string, ms: number, signal: AbortSignal): Promise<WorkflowRunRecord> {
  const end = Date.now() + ms;
  let last: WorkflowRunRecord | undefined;
  while (Date.now() < end && !signal.aborted) {
    last = (await journal.getRun(tenant, runId).catch(() => undefined)) ?? last;
    if (last !== undefined && ENDED.has(last.status)) return last;
    await sleep(250);
  }
  throw new Error(
    `workflow run ${runId} ${signal.aborted ? 'left at the stop' : `not ended in ${ms} ms`} (${last?.status ?? 'no record'})`,
  );
}

/**
 * The lanes: one per tenant (as the agent lanes), each one run at a time (the workload hedges slow ones), with its input
 * checked in the output (product, sum and difference of two random numbers). Its recovery key is `workflow:<tenant>`:
 * after each fault every tenant's workflow actor must complete a run started after the fault. (One lane rotating over
 * the tenants measured itself: its three hedged slots held runs stalled by the fault, so the tenants' first runs after
 * it started 15-17 s late.)
 */
export function workflowLane(system: ActorSystem, storage: Storage, tenants: readonly string[]): WorkflowLane {
  const journal = new WorkflowJournal(storage);
  const runs: StartedWorkflowRun[] = [];
  let i = 0;
  const lane = (tenant: string): ExtraLane => ({
    name: `workflow-${tenant}`,
    keys: [`workflow:${tenant}`],
    async op(signal) {
      const runId = `wf-${i++}-${Date.now().toString(36)}`;
      const [a, b] = [2 + Math.floor(Math.random() * 97), 2 + Math.floor(Math.random() * 97)];
      let acked = false;
      const sent = Date.now();
      let started: StartedWorkflowRun | undefined;
      try {
        await system
          .ref(`workflow/${CHAOS_WORKFLOW}`, tenant)
          .ask(
            RUN_CREATE,
            { run_id: runId, input: { messages: [{ role: 'user', content: 'go' }] }, config: { input: { a: String(a), b: String(b) } } },
            { timeoutMs: 15_000 },
          );
        acked = true;
      } finally {
        runs.push((started = { tenant, runId, acked, sent, settled: Date.now() }));
      }
      const r = await ended(journal, tenant, runId, 30_000, signal);
      started.ended = Date.now();
      const out = JSON.stringify(r.output ?? '');
      if (r.status !== 'success' || ![a * b, a + b, a - b].every((n) => out.includes(String(n))))
        throw new Error(`workflow run ${runId} ended ${r.status}: ${r.error ?? out}`);
      return [`workflow:${tenant}`];
    },
  });
  return { lanes: tenants.map(lane), runs };
}

/** The first workflow runs sent after `from` (ms since the epoch): when each create was answered and the run ended. */
export function runsAfter(runs: readonly StartedWorkflowRun[], from: number, n = 3): string {
  const s = (t: number | undefined): string => (t === undefined ? '-' : `+${((t - from) / 1_000).toFixed(1)} s`);
  return runs
    .filter((r) => (r.sent ?? 0) >= from)
    .sort((a, b) => (a.sent ?? 0) - (b.sent ?? 0))
    .slice(0, n)
    .map((r) => `${r.tenant} sent ${s(r.sent)}, ${r.acked ? 'answered' : 'failed'} ${s(r.settled)}, ended ${s(r.ended)}`)
    .join('; ');
}

/** The workflow figures of a run, for the report. */
export interface WorkflowFigures {
  readonly started: number;
  readonly acked: number;
  readonly ended: number;
  readonly stillDriven: number;
  readonly violations: number;
}

/**
 * Whether none of the keys an agent run writes is left in the runs bucket (record, driver fence, checkpoint, events):
 * what a stream that lost messages leaves (test/chaos/mesh.test.ts), not a record Troupe failed to write beside the rest.
 */
async function noKeyLeft(storage: Storage, tenant: string, runId: string): Promise<boolean> {
  const runs = storage.bucket('runs');
  const [drivers, checkpoint, events] = await Promise.all([
    runs.list([tenant, 'driver', runId]),
    runs.get([tenant, 'cp', runId]),
    runs.list([tenant, 'ev', runId]),
  ]);
  return drivers.length === 0 && checkpoint === undefined && events.length === 0;
}

/** The invariant over workflow runs' event logs (see {@link checkWorkflows}). */
export const WORKFLOW_LOG_INVARIANT = 'workflow run logs without gaps or duplicate seqs';

/** The invariant over what the NATS server kept of workflow runs (see {@link checkWorkflows}). */
export const WORKFLOW_STORAGE_INVARIANT = 'every acknowledged workflow run still in storage';

/**
 * Workflow runs, from storage, for every run whose start was acknowledged: it ended (`success`, `cancelled`, or `error`
 * with its reason) or is still driven (its workflow actor active on a live node); no step completed twice (one done
 * attempt per step in the journal, one `step.completed` per step in the log, each agent step's run finished once by
 * its agent); the run's event log numbered 1..n without gap or duplicate, its record's `last_seq` its last event, and
 * an ended run's log ending with the workflow's end. Runs started but not acknowledged are checked the same way when
 * they have a record.
 */
export async function checkWorkflows(
  storage: Storage,
  cluster: ClusterServices,
  runs: readonly StartedWorkflowRun[],
  settleMs: number,
): Promise<{ ended: Invariant; once: Invariant; logs: Invariant; stored: Invariant; figures: WorkflowFigures }> {
  const journal = new WorkflowJournal(storage);
  const unfinished = async (): Promise<number> => {
    let n = 0;
    for (const r of runs) {
      const rec = await journal.getRun(r.tenant, r.runId).catch(() => undefined);
      if (rec !== undefined && !ENDED.has(rec.status)) n++;
    }
    return n;
  };
  await eventually(async () => (await unfinished()) === 0, settleMs, 'every workflow run to end').catch(() => undefined);

  // How often each agent run was finished by its agent (a `done` marker per finish, keyed by time).
  const finishes = new Map<string, number>();
  for (const tenant of new Set(runs.map((r) => r.tenant)))
    for (const e of await storage.bucket('runs').list<string>([tenant, 'done', AGENT]))
      finishes.set(`${tenant}/${e.value}`, (finishes.get(`${tenant}/${e.value}`) ?? 0) + 1);

  const notEnded: string[] = [];
  const twice: string[] = [];
  const logs: string[] = [];
  const lost: string[] = [];
  /** Completed agent steps whose agent run storage lost entirely (counted with {@link WORKFLOW_STORAGE_INVARIANT}). */
  const lostSteps: string[] = [];
  const statuses = new Map<string, number>();
  let acked = 0;
  let stillDriven = 0;
  let never = 0;
  let events = 0;
  let steps = 0;
  for (const r of runs) {
    const name = `${r.tenant}/${r.runId}`;
    if (r.acked) acked++;
    const rec = await journal.getRun(r.tenant, r.runId);
    const entries = await journal.steps(r.tenant, r.runId);
    const log = await journal.events(r.tenant, r.runId);
    if (rec === undefined) {
      if (!r.acked) never++;
      else if (entries.length === 0 && log.length === 0) lost.push(`${name}: acknowledged, and no key of it is left in the journal`);
      else notEnded.push(`${name}: acknowledged but no run record (${entries.length} step entries, ${log.length} events)`);
      continue;
    }
    statuses.set(rec.status, (statuses.get(rec.status) ?? 0) + 1);
    if (!ENDED.has(rec.status)) {
      const lease = cluster.leases().find((l) => l.tenant === r.tenant && l.address === `workflow/${CHAOS_WORKFLOW}`);
      if (lease !== undefined && cluster.membership.isLive(lease.node)) stillDriven++;
      else notEnded.push(`${name}: ${rec.status} with workflow/${CHAOS_WORKFLOW} active nowhere`);
    } else if (rec.status === 'error' && (rec.error ?? '') === '') notEnded.push(`${name}: ended error without a reason`);

    // One completed attempt per step; an agent step's run finished once, and successfully.
    steps += entries.length;
    for (const step of STEPS) {
      const done = entries.filter((e) => e.key.step === step && e.entry.state === 'done');
      if (done.length > 1)
        twice.push(
          `${name}: step ${step} completed ${done.length} times (${done.map((e) => `${e.key.visit}.${e.key.attempt}`).join(', ')})`,
        );
      if (rec.status === 'success' && done.length === 0) twice.push(`${name}: ended success without a completed ${step} step`);
      for (const d of done) {
        const agentRun = d.entry.agent_run;
        if (agentRun === undefined) continue;
        const n = finishes.get(`${r.tenant}/${agentRun}`) ?? 0;
        if (n > 1) twice.push(`${name}: step ${step}'s agent run ${agentRun} finished ${n} times`);
        const ar = await storage.bucket('runs').get<{ status: string }>([r.tenant, 'run', agentRun]);
        if (ar === undefined && (await noKeyLeft(storage, r.tenant, agentRun)))
          lostSteps.push(`${name}: step ${step} done, and no key of its agent run ${agentRun} is left in the runs bucket`);
        else if (ar?.status !== 'success')
          twice.push(`${name}: step ${step} done but its agent run ${agentRun} is ${ar?.status ?? 'missing its record'}`);
      }
    }
    const completed = new Map<string, number>();
    for (const e of log) if (e.type === 'step.completed') completed.set(String(e['step']), (completed.get(String(e['step'])) ?? 0) + 1);
    for (const [step, n] of completed) if (n > 1) twice.push(`${name}: step.completed of ${step} logged ${n} times`);

    // The event log: 1..n, no duplicate, the record's last_seq its end; an ended run's log ends with the run's end.
    events += log.length;
    const seqs = log.map((e) => e.seq);
    const dup = seqs.find((s, i) => seqs.indexOf(s) !== i);
    if (dup !== undefined) logs.push(`${name}: seq ${dup} twice`);
    const gap = seqs.findIndex((s, i) => s !== i + 1);
    if (gap >= 0 && dup === undefined) logs.push(`${name}: seq ${seqs[gap]} at position ${gap + 1} (gap)`);
    if ((rec.last_seq ?? 0) !== (seqs.at(-1) ?? 0))
      logs.push(`${name}: record last_seq ${rec.last_seq ?? 0}, log ends at ${seqs.at(-1) ?? 0}`);
    const last = log.at(-1)?.type;
    if (ENDED.has(rec.status) && !(last ?? '').startsWith('workflow.'))
      logs.push(`${name}: record ${rec.status} but its log (${log.length} events) ends with ${last ?? 'nothing'}`);
  }
  const byStatus = [...statuses].map(([s, n]) => `${n} ${s}`).join(', ');
  const withRecord = runs.length - never - lost.length;
  const endedCount = [...statuses].filter(([s]) => ENDED.has(s as WorkflowRunRecord['status'])).reduce((n, [, c]) => n + c, 0);
  return {
    figures: {
      started: runs.length,
      acked,
      ended: endedCount,
      stillDriven,
      violations: notEnded.length + twice.length + logs.length + lost.length + lostSteps.length,
    },
    ended: {
      name: 'every workflow run ended or still driven',
      checked: runs.length,
      violations: notEnded,
      detail:
        `${runs.length} workflow runs started, ${acked} acknowledged (${byStatus || 'none'}; ${stillDriven} still driven, ` +
        `${never} never created, unacknowledged)`,
    },
    once: {
      name: 'no workflow step completed twice',
      checked: withRecord,
      violations: twice,
      detail: `${steps} step attempts journalled; ${finishes.size} agent runs' finish markers read from the runs bucket`,
    },
    logs: {
      name: WORKFLOW_LOG_INVARIANT,
      checked: withRecord,
      violations: logs,
      detail: `${events} events read`,
    },
    stored: {
      name: WORKFLOW_STORAGE_INVARIANT,
      checked: acked,
      violations: [...lost, ...lostSteps],
      detail:
        'acknowledged workflow runs of which no key at all (record, step entries, events) is left in the journal, and ' +
        'completed agent steps of which no key of the agent run is left in the runs bucket',
    },
  };
}
