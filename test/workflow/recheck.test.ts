/**
 * An agent step whose run's end event is lost on the way (a NATS server failing over drops the last event, and no later
 * one shows the gap) still ends: while it waits, the step reads its run's record 0.5 s after it began waiting, then after
 * 1, 2 and 4 s, then every 5 s, on the system's clock (actors/workflow/step-start.ts, stepRecheckMs) and ends with what the
 * record says once the run ended. Simulated time: the
 * agent admits the run and answers `running`; the test then ends the run in storage without publishing its end event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RUN_CANCEL, RUN_CREATE, type RunRecord } from '../../protocols/index.js';
import { MemoryStorage, MemoryTransport, SimulatedClock, flushMicrotasks, startSystem, type ActorSystem } from '../../runtime/index.js';
import { xstateLifecycle } from '../../supervisors/index.js';
import { RunStore } from '../../actors/agent/index.js';
import { WorkflowJournal, agentRunId, meshExecutor, type StepRequest } from '../../actors/workflow/index.js';

/** The pauses before the step's record reads, in order: 0.5 s doubling up to 5 s. */
const PAUSES = [500, 1_000, 2_000, 4_000, 5_000, 5_000];
const TENANT = 'default';
const RUN = 'wf-run-1';
const REQUEST: StepRequest = {
  runId: RUN,
  step: 'classify',
  kind: 'agent',
  target: 'quiet',
  input: 'my bill is wrong',
  visit: 1,
  attempt: 1,
};
const AGENT_RUN = agentRunId(RUN, REQUEST);

const systems: ActorSystem[] = [];
afterEach(async () => {
  for (const s of systems.splice(0)) await s.shutdown();
});

/** A host on the simulated clock with `agent/quiet`, which admits each run (its record says `running`) and publishes nothing. */
async function host() {
  const clock = new SimulatedClock();
  const storage = new MemoryStorage();
  const system = await startSystem({ lifecycle: xstateLifecycle, transport: new MemoryTransport(), storage, clock, warn: () => undefined });
  systems.push(system);
  const runs = new RunStore(storage);
  const at = () => new Date(clock.now()).toISOString();
  const record = (status: RunRecord['status'], output?: string): RunRecord => ({
    run_id: AGENT_RUN,
    thread_id: 'thread-1',
    assistant_id: 'quiet',
    agent: 'quiet',
    status,
    created_at: at(),
    updated_at: at(),
    metadata: {},
    multitask_strategy: 'reject',
    last_seq: 0,
    ...(output === undefined ? {} : { output }),
  });
  const creates: string[] = [];
  const cancels: string[] = [];
  /** How long each create had left when the agent took it (ms on the simulated clock). */
  const deadlines: number[] = [];
  const agent = await system.spawn('agent/quiet', {
    init: () => undefined,
    async receive(msg) {
      if (msg.type === RUN_CANCEL) cancels.push((msg.payload as { run_id: string }).run_id);
      if (msg.type !== RUN_CREATE) return undefined;
      const { run_id } = msg.payload as { run_id: string };
      creates.push(run_id);
      deadlines.push((msg.deadline ?? Infinity) - clock.now());
      await runs.putRun(TENANT, record('running'), true);
      return { run_id, thread_id: 'thread-1', status: 'running' };
    },
  });
  // The executor's reads of agent run records, counted (the rechecks of a waiting step).
  let reads = 0;
  const counted = Object.create(runs) as RunStore;
  counted.getRun = (tenant, id) => {
    reads++;
    return runs.getRun(tenant, id);
  };
  const execute = meshExecutor({
    runs: counted,
    system,
    journal: new WorkflowJournal(storage),
    tenant: TENANT,
    workflow: 'flow',
    runId: RUN,
    resolve: () => Promise.resolve(agent),
    leaving: () => false,
  });
  /** Ends the agent's run in storage only: its end event is the one that got lost. */
  const endRun = (status: RunRecord['status'], output?: string) => runs.putRun(TENANT, record(status, output));
  return { clock, storage, execute, creates, cancels, deadlines, endRun, reads: () => reads };
}

/** Starts the step and reports how it settled (undefined while it waits). */
function start(execute: ReturnType<typeof meshExecutor>, signal = new AbortController().signal) {
  const settled: { value?: unknown; error?: string } = {};
  let done = false;
  execute(REQUEST, signal).then(
    (value) => {
      settled.value = value;
      done = true;
    },
    (e: unknown) => {
      settled.error = (e as Error).message;
      done = true;
    },
  );
  return { settled, done: () => done };
}

/** Lets the step's asks and storage reads go through (no time passes on the simulated clock). */
async function settle() {
  for (let i = 0; i < 5; i++) await flushMicrotasks();
}

describe('agent step recheck (lost end event)', () => {
  it("ends with the run's output from its record at the first check after the run ended, 0.5 s after the step began waiting", async () => {
    const h = await host();
    const baseline = h.clock.pending;
    const step = start(h.execute);
    await settle();
    expect(h.creates).toEqual([AGENT_RUN]);
    await h.endRun('success', 'billing');
    await h.clock.advance(PAUSES[0]! - 1);
    await settle();
    expect(step.done()).toBe(false); // the run ended, but nothing told the step and it has not read the record yet
    await h.clock.advance(1);
    await settle();
    expect(step.settled).toEqual({ value: 'billing' });
    expect(h.clock.pending).toBe(baseline); // no recheck timer (nor the follow's deadline) outlives the step
  });

  it("an attempt stopped while it waits cancels its agent's run and leaves no recheck armed", async () => {
    const h = await host();
    const attempt = new AbortController();
    const step = start(h.execute, attempt.signal);
    await settle();
    expect(h.creates).toEqual([AGENT_RUN]);
    attempt.abort(new Error('step left'));
    await settle();
    expect(step.settled).toEqual({ error: 'step left' });
    expect(h.cancels).toEqual([AGENT_RUN]);
    // No recheck left armed: a minute on, the step never read its run's record.
    await h.clock.advance(60_000);
    await settle();
    expect(h.reads()).toBe(0);
  });

  it("asks the create with a deadline longer than the system's default ask timeout (it keeps its place in a backlog)", async () => {
    const h = await host();
    start(h.execute);
    await settle();
    // The default is 5 s: a create that waited longer behind a failover's backlog expired and was asked again at the back.
    expect(h.deadlines).toEqual([30_000]);
  });

  it('checks again after 1, 2, 4, then every 5 s while the record says the run goes on, and fails the step if the run failed', async () => {
    const h = await host();
    const step = start(h.execute);
    await settle();
    for (const pause of PAUSES.slice(0, -1)) {
      await h.clock.advance(pause);
      await settle();
      expect(step.done()).toBe(false);
    }
    await h.endRun('error');
    // Not read again before its next pause has passed (5 s now), then read and done.
    await h.clock.advance(PAUSES.at(-1)! - 1);
    await settle();
    expect(step.done()).toBe(false);
    await h.clock.advance(1);
    await settle();
    expect(step.settled.error).toBe(`agent quiet run ${AGENT_RUN} ended error`);
    // The failure is journalled before the machine sees it.
    expect(await new WorkflowJournal(h.storage).getStep(TENANT, RUN, REQUEST)).toMatchObject({ state: 'failed' });
  });
});
