// The workflow journal (docs/workflows.md, "Durable"): per tenant and workflow run, its record with the persisted XState
// snapshot, and one entry per step attempt (started with the agent run id it started, then its result), written
// before the step is acted on. Active runs are also listed under their workflow so an activation finds them.
import { seqKey, type KvBucket, type Storage, type StorageEntry } from '../../runtime/index.js';

/** A workflow run as stored: what it was started with, where it stands, and the machine's persisted snapshot. */
export interface WorkflowRunRecord {
  readonly run_id: string;
  readonly thread_id: string;
  readonly workflow: string;
  status: 'running' | 'interrupted' | 'success' | 'error' | 'cancelled';
  readonly created_at: string;
  updated_at: string;
  readonly input: unknown;
  readonly metadata: Record<string, unknown>;
  /** XState's persisted snapshot after the last transition. */
  snapshot: unknown;
  output?: unknown;
  error?: string;
  /** The writing activation's fencing epoch (a newer activation's writes win). */
  epoch: number;
  /** Highest event seq logged. */
  last_seq?: number;
  /** The W3C traceparent of the request that started the run: its `invoke_workflow` span continues under it. */
  readonly traceparent?: string;
}

/** One event of a workflow run's log: what the machine emitted, numbered 1, 2, 3… per run. */
export type WorkflowLogEvent = { readonly seq: number; readonly type: string } & Record<string, unknown>;

/** One step attempt: started (with the agent run it started, if any), then done or failed. */
export type StepEntry =
  | { readonly state: 'started'; readonly agent_run?: string }
  | { readonly state: 'done'; readonly output: unknown; readonly agent_run?: string }
  | { readonly state: 'failed'; readonly error: string; readonly agent_run?: string };

/** Key segments of one step attempt. */
export interface StepKey {
  readonly step: string;
  readonly visit: number;
  readonly attempt: number;
}

/** Reads and writes the journal of workflow runs (bucket `workflows`; active markers in `workflow-active`). */
export class WorkflowJournal {
  private readonly runs: KvBucket;
  private readonly active: KvBucket;
  /** Markers this journal wrote and has not deleted: a run's record is written several times while it runs, its marker once. */
  private readonly marked = new Set<string>();

  constructor(storage: Storage) {
    this.runs = storage.bucket('workflows');
    this.active = storage.bucket('workflow-active');
  }

  /** The run's record, or undefined. */
  getRun(tenant: string, runId: string): Promise<WorkflowRunRecord | undefined> {
    return this.runs.get<WorkflowRunRecord>([tenant, runId, 'run']);
  }

  /**
   * Writes the run's record, after `events` (appended to its log, keyed by their seq) in the same fenced write, unless a
   * newer activation wrote it (false then: nothing is written); keeps the active marker in step with its status (an
   * ended run leaves the active list). The marker of a run that has not ended is written before its record and that of
   * an ended run deleted after it, so a crash between the two never leaves a record saying "running" that no activation
   * finds (a marker without a record, or of an ended run, is dropped by the next).
   */
  async putRun(tenant: string, r: WorkflowRunRecord, events: readonly WorkflowLogEvent[] = []): Promise<boolean> {
    const key = [tenant, runId(r), 'run'];
    const marker = [tenant, r.workflow, r.run_id];
    const mark = markOf(tenant, r.workflow, r.run_id);
    const active = r.status === 'running' || r.status === 'interrupted';
    if (active && !this.marked.has(mark)) {
      await this.active.put(marker, { since: r.created_at });
      this.marked.add(mark);
    }
    const entries: StorageEntry[] = [];
    for (const e of events) entries.push(eventEntry(tenant, r.run_id, e));
    entries.push({ key, value: r });
    const ok = await this.runs.putFenced(key, r.epoch, entries);
    if (!ok) return false;
    if (!active) {
      await this.active.delete(marker);
      this.marked.delete(mark);
    }
    return true;
  }

  /** Drops the active marker of a run that has no record (its process died between the two writes of its start). */
  async dropMarker(tenant: string, workflow: string, runId: string): Promise<void> {
    await this.active.delete([tenant, workflow, runId]);
    this.marked.delete(markOf(tenant, workflow, runId));
  }

  /** Run ids of `workflow`'s runs in `tenant` that have not ended. */
  async activeRuns(tenant: string, workflow: string): Promise<string[]> {
    return (await this.active.list([tenant, workflow])).map((e) => e.key[2] ?? '').filter((id) => id !== '');
  }

  /** Every tenant and workflow with a run that has not ended (for re-activation after a restart). */
  async activeWorkflows(): Promise<{ tenant: string; workflow: string }[]> {
    const seen = new Map<string, { tenant: string; workflow: string }>();
    for (const e of await this.active.list([])) {
      const [tenant, workflow] = e.key;
      if (tenant !== undefined && workflow !== undefined) seen.set(`${tenant}/${workflow}`, { tenant, workflow });
    }
    return [...seen.values()];
  }

  /** The journal entry of one step attempt. */
  getStep(tenant: string, id: string, k: StepKey): Promise<StepEntry | undefined> {
    return this.runs.get<StepEntry>(stepKey(tenant, id, k));
  }

  /** Writes the journal entry of one step attempt. */
  putStep(tenant: string, id: string, k: StepKey, entry: StepEntry): Promise<void> {
    return this.runs.put(stepKey(tenant, id, k), entry);
  }

  /** Appends events to the run's log (keyed by their seq). */
  putEvents(tenant: string, id: string, events: readonly WorkflowLogEvent[]): Promise<void> {
    return this.runs.putMany(events.map((e) => eventEntry(tenant, id, e)));
  }

  /** The run's event log in order, after `afterSeq`. */
  async events(tenant: string, id: string, afterSeq = 0): Promise<WorkflowLogEvent[]> {
    return (await this.runs.list<WorkflowLogEvent>([tenant, id, 'ev'])).map((e) => e.value).filter((e) => e.seq > afterSeq);
  }

  /** Every step entry of a run, in key order (for thread state and tests). */
  async steps(tenant: string, id: string): Promise<{ key: StepKey; entry: StepEntry }[]> {
    return (await this.runs.list<StepEntry>([tenant, id, 'step'])).map((e) => ({
      key: { step: e.key[3] ?? '', visit: Number(e.key[4]), attempt: Number(e.key[5]) },
      entry: e.value,
    }));
  }
}

/** The key of a run's active marker in {@link WorkflowJournal}'s set of markers written. */
function markOf(tenant: string, workflow: string, runId: string): string {
  return `${tenant}\u0000${workflow}\u0000${runId}`;
}

function runId(r: WorkflowRunRecord): string {
  return r.run_id;
}

function eventEntry(tenant: string, id: string, e: WorkflowLogEvent): { key: string[]; value: WorkflowLogEvent } {
  return { key: [tenant, id, 'ev', seqKey(e.seq)], value: e };
}

function stepKey(tenant: string, id: string, k: StepKey): string[] {
  return [tenant, id, 'step', k.step, String(k.visit), String(k.attempt)];
}
