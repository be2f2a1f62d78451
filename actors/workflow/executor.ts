// The step executor a durable workflow run uses (docs/workflows.md, "Durable"): every attempt is journalled as
// started before anything is asked of the mesh and as done/failed before the machine sees its result. An agent step
// is an agent run whose id is derived from (workflow run, step, visit, attempt): asked again after a restore, the
// agent answers with the existing run (admitRun), which is then followed to its end — joined, not restarted.
import { createHash } from 'node:crypto';
import { RUN_CANCEL, RUN_CREATE, TERMINAL_RUN_STATUSES, isTroupeError, scrubbedMessage, type RunEvent } from '../../protocols/index.js';
import type { ActorRef, ActorSystem, TimerHandle } from '../../runtime/index.js';
import { runReads, waitForRun, type RunCreated, type RunReads } from '../agent/index.js';
import { TOOL_CALL, type ToolCallResult } from '../tool/index.js';
import { childWorkflowStep } from './child.js';
import { STEP_CREATE_TIMEOUT_MS, STEP_RETRY, TOOL_STEP_TIMEOUT_MS, admitStepRun, pause, stepRecheckMs, throughGate } from './step-start.js';
import type { StepEntry, WorkflowJournal } from './journal.js';
import type { StepExecutor, StepRequest } from './types.js';

/** What the executor of one workflow run needs. */
export interface MeshExecutorOptions {
  readonly system: ActorSystem;
  readonly journal: WorkflowJournal;
  readonly tenant: string;
  readonly workflow: string;
  readonly runId: string;
  /** The ref of an address in the run's tenant, activated where its kind is hosted. */
  resolve(address: string): Promise<ActorRef>;
  /** Hears each event of an agent step's run (tokens, messages) to pass on to whoever follows the workflow run. */
  onAgentEvent?(step: string, e: RunEvent): void;
  /** True while the run's actor is stopping (not cancelling): its step runs are left running, to be joined later. */
  leaving(): boolean;
  /** Longest an agent or tool step may take when the step sets no timeout (ms). */
  readonly stepTimeoutMs?: number;
  /** The run's `invoke_workflow` span context: the parent of the agent and tool runs its steps start. */
  readonly traceparent?: string;
  /** Reads of agent runs' records (one per activation serves all its runs; made from the system's storage when absent). */
  readonly runs?: RunReads;
}

/** The agent run id of one step attempt: readable when it fits ACP's 128 characters, else a digest. */
export function agentRunId(runId: string, r: Pick<StepRequest, 'step' | 'visit' | 'attempt'>): string {
  const id = `${runId}.${r.step}.${r.visit}.${r.attempt}`;
  return id.length <= 128 ? id : `wf-${createHash('sha256').update(id).digest('hex').slice(0, 40)}`;
}

/** Text an agent is given for a step input: strings as they are, anything else as JSON. */
function asText(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? 'null');
}

function toolOutput(r: ToolCallResult): unknown {
  if (r.structuredContent !== undefined) return r.structuredContent;
  return r.content.map((c) => ('text' in c && typeof c.text === 'string' ? c.text : '')).join('');
}

const TRANSIENT = ['unavailable', 'actor_stopped', 'system_stopped'] as const;

/** How an agent run ended: its status, output and error. */
type RunEnd = { status: string; output?: string | undefined; error?: string | undefined };

/** Why an attempt's follow of its agent run stops once the attempt is done (a reason: no DOMException built per step). */
const ATTEMPT_DONE = new Error('step attempt done');

/**
 * An agent step attempt's follow of its agent run: the wait for the run's end event, and reads of the run's record
 * after each {@link stepRecheckMs} while it waits (an end event lost on the way would otherwise hold the step). It is
 * the listener of the attempt's abort (`handleEvent`): one object per attempt instead of a closure for each part.
 */
class AgentFollow {
  private readonly follow = new AbortController();
  /** The wait for the run's end has ended (the usual end: nothing left to stop, and an abort dispatches an event to each listener). */
  private followed = false;
  private timer: TimerHandle | undefined;
  private reads = 0;
  private settle: ((end: RunEnd) => void) | undefined;
  /** The agent, once resolved: its run is cancelled when the attempt is aborted (unless the actor is leaving). */
  agent: ActorRef | undefined;

  constructor(
    private readonly o: MeshExecutorOptions,
    private readonly runs: RunReads,
    private readonly id: string,
    private readonly signal: AbortSignal,
  ) {}

  /** Starts following the run (before it is created: no event missed); resolves with its end as its events tell it. */
  start(step: string, timeoutMs: number): Promise<RunEnd> {
    const o = this.o;
    const hear = o.onAgentEvent === undefined ? undefined : (e: RunEvent) => o.onAgentEvent?.(step, e);
    const ended = waitForRun(o.system, this.id, o.tenant, timeoutMs, hear, this.follow.signal, this.runs);
    ended.then(
      () => (this.followed = true),
      () => (this.followed = true), // awaited by endedOrRecorded unless the run had already ended
    );
    return ended;
  }

  /** The run's end: `ended`, or its record once that says it ended (read after each stepRecheckMs until {@link stop}). */
  endedOrRecorded(ended: Promise<RunEnd>): Promise<RunEnd> {
    const { clock } = this.o.system;
    return new Promise((resolve, reject) => {
      this.settle = resolve;
      this.timer = clock.setTimer(stepRecheckMs(this.reads), () => this.recheck());
      ended.then(
        (v) => {
          this.clear();
          resolve(v);
        },
        (e: unknown) => {
          this.clear();
          reject(e);
        },
      );
    });
  }

  private recheck(): void {
    this.timer = undefined;
    this.reads++;
    const again = () => {
      if (!this.follow.signal.aborted && this.settle !== undefined)
        this.timer = this.o.system.clock.setTimer(stepRecheckMs(this.reads), () => this.recheck());
    };
    void this.runs.getRun(this.o.tenant, this.id).then((rec) => {
      if (rec !== undefined && TERMINAL_RUN_STATUSES.has(rec.status))
        this.settle?.({ status: rec.status, output: rec.output, error: rec.error });
      else again();
    }, again);
  }

  private clear(): void {
    if (this.timer !== undefined) this.o.system.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** The attempt's signal aborted: the follow stops, and the agent's run is cancelled unless the actor is leaving. */
  handleEvent(): void {
    this.clear();
    this.follow.abort(this.signal.reason);
    const { agent, o } = this;
    if (agent !== undefined && !o.leaving()) void o.system.ask(agent, RUN_CANCEL, { run_id: this.id }).catch(() => undefined);
  }

  /** The attempt is done with the run: no timer or subscription outlives it. */
  stop(): void {
    this.clear();
    this.settle = undefined;
    if (!this.followed && !this.follow.signal.aborted) this.follow.abort(ATTEMPT_DONE);
  }
}

/** An executor running agent and tool steps on the mesh, journalled per attempt. */
export function meshExecutor(o: MeshExecutorOptions): StepExecutor {
  const x = new MeshExecutor(o);
  return (r, signal) => x.execute(r, signal);
}

/**
 * The executor of one workflow run. A class, not closures made per run and per step: a run's steps are its hot path
 * (docs/workflows.md, "Speed"), and each closure made per call is an allocation (and, under tsx, a `name` defined).
 */
class MeshExecutor {
  private readonly timeoutMs: number;
  private readonly runs: RunReads;

  constructor(private readonly o: MeshExecutorOptions) {
    this.timeoutMs = o.stepTimeoutMs ?? 24 * 3_600_000;
    this.runs = o.runs ?? runReads(o.system.storage);
  }

  private async agentStep(r: StepRequest, signal: AbortSignal, known: string | undefined): Promise<unknown> {
    const o = this.o;
    const { system, journal, tenant, runId } = o;
    const started = system.clock.now();
    const id = known ?? agentRunId(runId, r);
    if (known === undefined) await journal.putStep(tenant, runId, r, { state: 'started', agent_run: id });
    const follow = new AgentFollow(o, this.runs, id, signal);
    // Followed from before the create (no event missed); stopped when the step is done with it, so no timer or
    // subscription outlives the attempt.
    const ended = follow.start(r.step, this.timeoutMs);
    // One listener on the attempt's signal (the follow itself): it stops the follow, and cancels the agent's run unless
    // the actor is leaving.
    signal.addEventListener('abort', follow, { once: true });
    try {
      const agent = await o.resolve(`agent/${r.target}`);
      follow.agent = agent;
      // A few creates per agent in flight from this node; the rest queue in step-start.ts, not past the ask's deadline.
      const created = await admitStepRun(system, agent, signal, started + this.timeoutMs, () =>
        system.ask<RunCreated>(
          agent,
          RUN_CREATE,
          {
            run_id: id,
            input: { messages: [{ role: 'user', content: asText(r.input) }] },
            metadata: { workflow: o.workflow, workflow_run: runId, step: r.step },
          },
          { timeoutMs: STEP_CREATE_TIMEOUT_MS, ...(o.traceparent === undefined ? {} : { traceparent: o.traceparent }) },
        ),
      );
      let status = created.status;
      let output: string | undefined;
      let error: string | undefined;
      if (TERMINAL_RUN_STATUSES.has(status)) {
        const rec = await this.runs.getRun(tenant, id);
        [output, error] = [rec?.output, rec?.error];
      } else ({ status, output, error } = await follow.endedOrRecorded(ended));
      if (status !== 'success') throw new Error(`agent ${r.target} run ${id} ended ${status}${error === undefined ? '' : `: ${error}`}`);
      return output ?? '';
    } finally {
      signal.removeEventListener('abort', follow);
      follow.stop();
    }
  }

  private async toolStep(r: StepRequest, signal: AbortSignal, entry: StepEntry | undefined): Promise<unknown> {
    const o = this.o;
    const { system, runId } = o;
    if (entry === undefined) await o.journal.putStep(o.tenant, runId, r, { state: 'started' });
    const tool = await o.resolve(`tool/${r.target}`);
    const args = r.input !== null && typeof r.input === 'object' && !Array.isArray(r.input) ? r.input : { input: r.input };
    const idempotencyKey = agentRunId(runId, r);
    // Through the node's gate for the tool, like agent creates: its pool member on this node takes one call at a time.
    const result = await throughGate(system, `${tool.tenant}/${tool.address}`, signal, () =>
      system.ask<ToolCallResult>(
        tool,
        TOOL_CALL,
        { name: r.target, arguments: args, runId, callId: r.step, idempotencyKey },
        {
          // The call's deadline is a tool call's, as an agent's are (30 s), not the system's default ask (5 s): a call
          // waiting out a NATS election in the tool's mailbox is answered when it is handled, instead of failing its
          // step (a tool call is not asked again: a late reply may mean the tool ran). The step's own timeout still
          // ends the step at its time.
          timeoutMs: signal.aborted ? 1 : Math.min(this.timeoutMs, TOOL_STEP_TIMEOUT_MS),
          ...(o.traceparent === undefined ? {} : { traceparent: o.traceparent }),
        },
      ),
    );
    if (result.isError === true) throw new Error(`tool ${r.target}: ${asText(toolOutput(result))}`);
    return toolOutput(result);
  }

  private once(r: StepRequest, signal: AbortSignal, entry: StepEntry | undefined): Promise<unknown> {
    const known = entry?.agent_run;
    if (r.kind === 'agent') return this.agentStep(r, signal, known);
    if (r.kind === 'tool') return this.toolStep(r, signal, entry);
    return this.childStep(r, signal, known);
  }

  private async childStep(r: StepRequest, signal: AbortSignal, known: string | undefined): Promise<unknown> {
    const { journal, tenant, runId } = this.o;
    const id = known ?? agentRunId(runId, r);
    if (known === undefined) await journal.putStep(tenant, runId, r, { state: 'started', agent_run: id });
    return childWorkflowStep(this.o, r, id, signal);
  }

  /** Runs one attempt: answered from the journal when it ended before, else run and journalled (started, then done or failed). */
  async execute(r: StepRequest, signal: AbortSignal): Promise<unknown> {
    const { system, journal, tenant, runId } = this.o;
    const seen = await journal.getStep(tenant, runId, r);
    if (seen?.state === 'done') return seen.output;
    if (seen?.state === 'failed') throw new Error(seen.error);
    let output: unknown;
    let entry: StepEntry | undefined = seen; // read again after a failed attempt (it may have journalled its start)
    try {
      // Pauses capped at 1 s (were 10 s): failures during a NATS election come fast, and a pause grown to 10 s by them
      // held the step for seconds after the mesh served again.
      for (let wait: number = STEP_RETRY.initialMs; ; wait = Math.min(wait * 2, STEP_RETRY.maxMs)) {
        try {
          output = await this.once(r, signal, entry);
          break;
        } catch (e) {
          // The mesh is restarting or stopping (this node's shutdown, a tenant restart): not the step's failure. The
          // attempt is asked again after a pause until it answers or the run's actor stops (and a later one resumes).
          if (signal.aborted || !TRANSIENT.some((c) => isTroupeError(e, c))) throw e;
          await pause(system, wait, signal);
          entry = await journal.getStep(tenant, runId, r);
        }
      }
    } catch (e) {
      if (signal.aborted) throw e;
      const error = scrubbedMessage(e);
      await journal.putStep(tenant, runId, r, {
        state: 'failed',
        error,
        ...(seen?.agent_run === undefined ? {} : { agent_run: seen.agent_run }),
      });
      throw new Error(error);
    }
    const done: StepEntry = r.kind === 'tool' ? { state: 'done', output } : { state: 'done', output, agent_run: agentRunId(runId, r) };
    await journal.putStep(tenant, runId, r, done);
    return output;
  }
}
