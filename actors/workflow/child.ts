// A `workflow` step (docs/workflows.md): a run of another workflow whose id is derived from the parent run, step,
// visit and attempt, so asking again after a restore answers the existing child run, which is then joined — not
// restarted. The child's end is heard on its events (`workflow.<name>.>`) and read from its record.
import { RUN_CANCEL, RUN_CREATE } from '../../protocols/index.js';
import type { MeshExecutorOptions } from './executor.js';
import { stepRecheckMs } from './step-start.js';
import { WORKFLOW_STATE, type StepRequest } from './types.js';

const ENDS = new Set(['workflow.completed', 'workflow.failed', 'workflow.cancelled']);

interface ChildState {
  readonly status: string;
  readonly output?: unknown;
  readonly error?: string;
}

/** Runs (or joins) the child workflow run `id` of step request `r`; resolves with its output, rejects when it did not succeed. */
export async function childWorkflowStep(o: MeshExecutorOptions, r: StepRequest, id: string, signal: AbortSignal): Promise<unknown> {
  let wake = (): void => undefined;
  const sub = o.system.subscribe(
    `workflow.${r.target}.>`,
    (env) => {
      const e = env.payload as { type?: string; run_id?: string } | undefined;
      if (e?.run_id === id && ENDS.has(e.type ?? '')) wake();
    },
    { tenant: o.tenant },
  );
  const ref = await o.resolve(`workflow/${r.target}`);
  const onAbort = () => {
    wake();
    if (!o.leaving()) void o.system.ask(ref, RUN_CANCEL, { run_id: id }).catch(() => undefined);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await o.system.ask(
      ref,
      RUN_CREATE,
      {
        run_id: id,
        input: { messages: [{ role: 'user', content: typeof r.input === 'string' ? r.input : (JSON.stringify(r.input) ?? 'null') }] },
        ...(r.input === undefined ? {} : { config: { input: r.input } }),
        metadata: { workflow: o.workflow, workflow_run: o.runId, step: r.step },
      },
      o.traceparent === undefined ? undefined : { traceparent: o.traceparent },
    );
    for (let reads = 0; ; reads++) {
      const woken = new Promise<void>((resolve) => {
        const t = o.system.clock.setTimer(stepRecheckMs(reads), resolve);
        wake = () => {
          o.system.clock.clearTimer(t);
          resolve();
        };
      });
      const st = await o.system.ask<ChildState>(ref, WORKFLOW_STATE, { run_id: id });
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      if (st.status === 'success') return st.output;
      if (st.status === 'error' || st.status === 'cancelled')
        throw new Error(`workflow ${r.target} run ${id} ended ${st.status}${st.error === undefined ? '' : `: ${st.error}`}`);
      await woken;
    }
  } finally {
    wake();
    signal.removeEventListener('abort', onAbort);
    sub.unsubscribe();
  }
}
