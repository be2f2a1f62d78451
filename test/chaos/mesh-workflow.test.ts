/**
 * The workflow checker of the mesh chaos run (test/chaos/mesh-workflow.ts) over a journal written as the workflow actor
 * writes it (WorkflowJournal on memory storage): a clean run passes, and each kind of violation the chaos run looks for
 * — a step completed twice, an agent run finished twice, a log with a gap, an error without its reason, an
 * acknowledged run with no record — is reported against its run and no other.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type ClusterServices } from '../../runtime/index.js';
import { WorkflowJournal, type WorkflowRunRecord } from '../../actors/workflow/index.js';
import { CHAOS_WORKFLOW, checkWorkflows } from './mesh-workflow.js';

const storage = new MemoryStorage();
const journal = new WorkflowJournal(storage);
const runs = storage.bucket('runs');

/** Writes an ended run: its record, its steps (each done once unless `twice`), its agent runs and its log. */
async function ended(
  id: string,
  o: { status?: WorkflowRunRecord['status']; error?: string; seqs?: number[]; twice?: 'add'; finishedTwice?: 'multiply' } = {},
): Promise<void> {
  const seqs = o.seqs ?? [1, 2, 3, 4, 5, 6, 7];
  const at = new Date().toISOString();
  for (const step of ['multiply', 'add', 'subtract']) {
    const agentRun = step === 'subtract' ? undefined : `${id}.${step}.1.1`;
    const attempts = step === o.twice ? [1, 2] : [1];
    for (const attempt of attempts)
      await journal.putStep(
        't',
        id,
        { step, visit: 1, attempt },
        { state: 'done', output: '6', ...(agentRun ? { agent_run: agentRun } : {}) },
      );
    if (agentRun === undefined) continue;
    await runs.put(['t', 'run', agentRun], { run_id: agentRun, status: 'success' });
    await runs.put(['t', 'done', 'clerk', at, agentRun], agentRun);
    if (step === o.finishedTwice) await runs.put(['t', 'done', 'clerk', `${at}z`, agentRun], agentRun);
  }
  await journal.putEvents(
    't',
    id,
    seqs.map((seq, i) => ({ seq, type: i === seqs.length - 1 ? 'workflow.completed' : 'step.started' })),
  );
  await journal.putRun('t', {
    run_id: id,
    thread_id: `th-${id}`,
    workflow: CHAOS_WORKFLOW,
    status: o.status ?? 'success',
    created_at: at,
    updated_at: at,
    input: { a: '2', b: '3' },
    metadata: {},
    snapshot: undefined,
    epoch: 1,
    last_seq: seqs.at(-1) as number,
    ...(o.error === undefined ? {} : { error: o.error }),
  });
}

describe('the mesh chaos workflow checker', () => {
  it('passes a clean run and names each violation against its run', async () => {
    await ended('good');
    await ended('failed', { status: 'error', error: 'agent clerk run failed' });
    await ended('twice', { twice: 'add' });
    await ended('again', { finishedTwice: 'multiply' });
    await ended('gap', { seqs: [1, 2, 4] });
    await ended('mute', { status: 'error' });
    const started = ['good', 'failed', 'twice', 'again', 'gap', 'mute', 'lost'].map((runId) => ({ tenant: 't', runId, acked: true }));
    // Every run here has ended: the checker must not need the cluster (it throws if asked).
    const r = await checkWorkflows(storage, undefined as unknown as ClusterServices, started, 1_000);
    expect(r.ended.violations).toEqual(['t/mute: ended error without a reason']);
    expect(r.once.violations).toEqual([
      't/twice: step add completed 2 times (1.1, 1.2)',
      "t/again: step multiply's agent run again.multiply.1.1 finished 2 times",
    ]);
    expect(r.logs.violations).toEqual(['t/gap: seq 4 at position 3 (gap)']);
    expect(r.stored.violations).toEqual(['t/lost: acknowledged, and no key of it is left in the journal']);
    expect(r.figures).toEqual({ started: 7, acked: 7, ended: 6, stillDriven: 0, violations: 5 });
  });
});
