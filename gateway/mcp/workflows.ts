/**
 * Workflows as MCP tools (docs/workflows.md, "Clients"): `workflow.<name>` starts a run with `input` and answers when
 * it ends or waits for a person — `{run_id, status, output?, error?, steps, waiting?}`; the same tool with `run_id` and
 * `resume` (`{approve: true}`, `{approve: true, arguments}`, `{approve: false}`) answers the waiting step and waits
 * again. A cancelled call cancels the run (and the agent runs its steps started).
 */
import { randomUUID } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { WORKFLOW_STATE, WorkflowJournal, type StepRecord } from '../../actors/index.js';
import { RUN_CANCEL, RUN_CREATE, RUN_RESUME, ValidationError } from '../../protocols/index.js';
import { assertVisible } from '../auth/index.js';
import { withRunUser } from '../profiles/identity.js';
import type { GatewayDeps, Principal } from '../types.js';
import type { McpBuiltinTool } from './server.js';

/** Events after which a run waits for someone (or is over). */
const STOPS = new Set(['step.waiting', 'workflow.completed', 'workflow.failed', 'workflow.cancelled']);

interface State {
  run_id: string;
  status: string;
  output?: unknown;
  error?: string;
  steps: Record<string, StepRecord>;
}

/** One MCP tool per workflow `deps` serves. */
export function workflowMcpTools(deps: GatewayDeps): McpBuiltinTool[] {
  return (deps.workflows?.() ?? []).map((name) => ({
    tool: {
      name: `workflow.${name}`,
      description:
        `Run the workflow ${name}: answers when it ends or waits for a person (status "interrupted", with the waiting step); ` +
        'call again with run_id and resume to answer that step.',
      inputSchema: {
        type: 'object',
        properties: {
          input: { type: 'object', description: "The run's input (the workflow's input fields)." },
          run_id: { type: 'string', description: 'A run waiting for a person (with resume).' },
          resume: { type: 'object', description: '{approve: true}, {approve: true, arguments: {...}} (an edit) or {approve: false}.' },
        },
      },
    },
    call: (args, principal, extra) => callWorkflow(deps, name, args, principal, extra.signal),
  }));
}

async function callWorkflow(
  deps: GatewayDeps,
  workflow: string,
  args: Record<string, unknown>,
  principal: Principal,
  signal: AbortSignal,
): Promise<CallToolResult> {
  const tenant = principal.tenant;
  const ref = await deps.ensure(`workflow/${workflow}`, tenant);
  const resuming = args['run_id'] !== undefined || args['resume'] !== undefined;
  let runId: string;
  if (resuming) {
    if (typeof args['run_id'] !== 'string' || typeof args['resume'] !== 'object' || args['resume'] === null)
      throw new ValidationError('a resume needs run_id (a string) and resume (an object)');
    runId = args['run_id'];
    const r = await new WorkflowJournal(deps.system.storage).getRun(tenant, runId);
    if (r === undefined || r.workflow !== workflow) throw new ValidationError(`workflow run ${runId} not found`);
    assertVisible(principal, r, 'user', `run ${runId}`);
  } else runId = randomUUID();
  let stopped: () => void = () => undefined;
  const stop = new Promise<void>((resolve) => (stopped = resolve));
  const sub = deps.system.subscribe(
    `workflow.${workflow}.>`,
    (env) => {
      const e = env.payload as { run_id?: string; type?: string };
      if (e.run_id === runId && STOPS.has(e.type ?? '')) stopped();
    },
    { tenant },
  );
  const cancel = () => {
    ref
      .ask(RUN_CANCEL, { run_id: runId })
      .catch((e: unknown) => deps.system.warn(`mcp: cancel of workflow run ${runId} failed: ${String(e)}`));
  };
  try {
    if (resuming) await ref.ask(RUN_RESUME, { run_id: runId, resume: args['resume'] });
    else {
      await deps.admit?.(tenant);
      const input = args['input'] ?? {};
      await ref.ask(RUN_CREATE, {
        run_id: runId,
        input: { messages: [{ role: 'user', content: '' }] },
        config: { input },
        metadata: { ...withRunUser(undefined, principal), via: 'mcp' },
      });
    }
    signal.addEventListener('abort', cancel);
    // A run that stopped before the subscription heard it: its state says so.
    // A resumed run always stops again later (a new wait or its end), and the subscription predates the resume.
    if (resuming || (await ref.ask<State>(WORKFLOW_STATE, { run_id: runId })).status === 'running') await stop;
    const s = await ref.ask<State>(WORKFLOW_STATE, { run_id: runId });
    const waiting = Object.entries(s.steps)
      .filter(([, st]) => st.status === 'waiting')
      .map(([id]) => id);
    const result = {
      run_id: runId,
      status: s.status,
      ...(s.output === undefined ? {} : { output: s.output }),
      ...(s.error === undefined ? {} : { error: s.error }),
      steps: Object.fromEntries(Object.entries(s.steps).map(([id, st]) => [id, { status: st.status, output: st.output }])),
      ...(waiting.length === 0 ? {} : { waiting }),
    };
    return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result, isError: s.status === 'error' };
  } finally {
    signal.removeEventListener('abort', cancel);
    sub.unsubscribe();
  }
}
