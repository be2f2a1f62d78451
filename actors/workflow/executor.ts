// The step executor a durable workflow run uses (docs/workflows.md, "Durable"): every attempt is journalled as
// started before anything is asked of the mesh and as done/failed before the machine sees its result. An agent step
// is an agent run whose id is derived from (workflow run, step, visit, attempt): asked again after a restore, the
// agent answers with the existing run (admitRun), which is then followed to its end — joined, not restarted.
import { createHash } from 'node:crypto';
import { RUN_CANCEL, RUN_CREATE, TERMINAL_RUN_STATUSES, isTroupeError, scrubbedMessage, type RunEvent } from '../../protocols/index.js';
import type { ActorRef, ActorSystem } from '../../runtime/index.js';
import { runReads, waitForRun, type RunCreated, type RunReads } from '../agent/index.js';
import { TOOL_CALL, type ToolCallResult } from '../tool/index.js';
import { childWorkflowStep } from './child.js';
import { STEP_CREATE_TIMEOUT_MS, STEP_RETRY, admitStepRun, pause, stepRecheckMs, throughGate } from './step-start.js';
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

/** Why an attempt's follow of its agent run stops once the attempt is done (a reason: no DOMException built per step). */
const ATTEMPT_DONE = new Error('step attempt done');

/** An executor running agent and tool steps on the mesh, journalled per attempt. */
export function meshExecutor(o: MeshExecutorOptions): StepExecutor {
  const { journal, tenant, runId } = o;
  const timeoutMs = o.stepTimeoutMs ?? 24 * 3_600_000;
  const runs = o.runs ?? runReads(o.system.storage);
  /** The run's end: its end event, or its record once that says it ended (read after each stepRecheckMs while `stop` is not aborted). */
  const endedOrRecorded = (
    ended: Promise<{ status: string; output?: string | undefined; error?: string | undefined }>,
    id: string,
    stop: AbortSignal,
  ): Promise<{ status: string; output?: string | undefined; error?: string | undefined }> =>
    new Promise((resolve, reject) => {
      let reads = 0;
      let timer = o.system.clock.setTimer(stepRecheckMs(reads), function check() {
        reads++;
        void runs.getRun(tenant, id).then(
          (rec) => {
            if (rec !== undefined && TERMINAL_RUN_STATUSES.has(rec.status))
              resolve({ status: rec.status, output: rec.output, error: rec.error });
            else if (!stop.aborted) timer = o.system.clock.setTimer(stepRecheckMs(reads), check);
          },
          () => {
            if (!stop.aborted) timer = o.system.clock.setTimer(stepRecheckMs(reads), check);
          },
        );
      });
      stop.addEventListener('abort', () => o.system.clock.clearTimer(timer), { once: true });
      ended.then(
        (v) => {
          o.system.clock.clearTimer(timer);
          resolve(v);
        },
        (e: unknown) => {
          o.system.clock.clearTimer(timer);
          reject(e);
        },
      );
    });
  const agentStep = async (r: StepRequest, signal: AbortSignal, known: string | undefined): Promise<unknown> => {
    const started = o.system.clock.now();
    const id = known ?? agentRunId(runId, r);
    if (known === undefined) await journal.putStep(tenant, runId, r, { state: 'started', agent_run: id });
    // Followed from before the create (no event missed); stopped when the step is done with it, so no timer or
    // subscription outlives the attempt. A follow that already ended (the usual case) is not aborted: its listeners
    // would have nothing left to stop, and an abort dispatches an event to each.
    const follow = new AbortController();
    let followed = false;
    const ended = waitForRun(o.system, id, tenant, timeoutMs, (e) => o.onAgentEvent?.(r.step, e), follow.signal, runs);
    ended.then(
      () => (followed = true),
      () => (followed = true), // awaited below unless the run had already ended
    );
    let agent: ActorRef | undefined;
    // One listener on the attempt's signal: it stops the follow, and cancels the agent's run unless the actor is leaving.
    const onAbort = () => {
      follow.abort(signal.reason);
      if (agent !== undefined && !o.leaving()) void o.system.ask(agent, RUN_CANCEL, { run_id: id }).catch(() => undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      agent = await o.resolve(`agent/${r.target}`);
      // A few creates per agent in flight from this node; the rest queue in step-start.ts, not past the ask's deadline.
      const to = agent;
      const created = await admitStepRun(o.system, to, signal, started + timeoutMs, () =>
        o.system.ask<RunCreated>(
          to,
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
        const rec = await runs.getRun(tenant, id);
        [output, error] = [rec?.output, rec?.error];
      } else ({ status, output, error } = await endedOrRecorded(ended, id, follow.signal));
      if (status !== 'success') throw new Error(`agent ${r.target} run ${id} ended ${status}${error === undefined ? '' : `: ${error}`}`);
      return output ?? '';
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (!followed) follow.abort(ATTEMPT_DONE);
    }
  };
  const toolStep = async (r: StepRequest, signal: AbortSignal, entry: StepEntry | undefined): Promise<unknown> => {
    if (entry === undefined) await journal.putStep(tenant, runId, r, { state: 'started' });
    const tool = await o.resolve(`tool/${r.target}`);
    const args = r.input !== null && typeof r.input === 'object' && !Array.isArray(r.input) ? r.input : { input: r.input };
    const idempotencyKey = agentRunId(runId, r);
    // Through the node's gate for the tool, like agent creates: its pool member on this node takes one call at a time.
    const result = await throughGate(o.system, `${tool.tenant}/${tool.address}`, signal, () =>
      o.system.ask<ToolCallResult>(
        tool,
        TOOL_CALL,
        { name: r.target, arguments: args, runId, callId: r.step, idempotencyKey },
        {
          ...(signal.aborted ? { timeoutMs: 1 } : {}),
          ...(o.traceparent === undefined ? {} : { traceparent: o.traceparent }),
        },
      ),
    );
    if (result.isError === true) throw new Error(`tool ${r.target}: ${asText(toolOutput(result))}`);
    return toolOutput(result);
  };
  const once = async (r: StepRequest, signal: AbortSignal, entry: StepEntry | undefined): Promise<unknown> => {
    const known = entry?.agent_run;
    if (r.kind === 'agent') return agentStep(r, signal, known);
    if (r.kind === 'tool') return toolStep(r, signal, entry);
    const id = known ?? agentRunId(runId, r);
    if (known === undefined) await journal.putStep(tenant, runId, r, { state: 'started', agent_run: id });
    return childWorkflowStep(o, r, id, signal);
  };
  return async (r, signal) => {
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
          output = await once(r, signal, entry);
          break;
        } catch (e) {
          // The mesh is restarting or stopping (this node's shutdown, a tenant restart): not the step's failure. The
          // attempt is asked again after a pause until it answers or the run's actor stops (and a later one resumes).
          if (signal.aborted || !TRANSIENT.some((c) => isTroupeError(e, c))) throw e;
          await pause(o.system, wait, signal);
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
    await journal.putStep(tenant, runId, r, { state: 'done', output, ...(r.kind === 'tool' ? {} : { agent_run: agentRunId(runId, r) }) });
    return output;
  };
}
