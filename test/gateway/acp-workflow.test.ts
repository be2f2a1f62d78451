/**
 * Workflows on `/acp` with the real `@langchain/langgraph-sdk` client against a real gateway and catalog (offline
 * model): the issue's example as an assistant, streamed with its human step as an interrupt answered by
 * `command: {resume}` (approve, edit, reject), `runs.wait`, `runs.get`, thread state with the steps' outputs, cancel
 * (which cancels the step run in flight) and clear 4xx for unknown workflows and input not matching the schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@langchain/langgraph-sdk';
import { Gateway, acpRoute, generateApiKey } from '../../gateway/index.js';
import { eventually } from '../transport/contract.js';
import { SUPPORT_FLOW_TO_REVIEW } from '../workflow/fixtures.js';
import { GATED_CONFIG, workflowMesh, type WorkflowMesh } from './workflow-fixture.js';
import { collect, httpError } from './acp-fixture.js';

let fx: WorkflowMesh;
let gateway: Gateway;
let client: Client;
let url: string;
let key: string;

beforeAll(async () => {
  fx = await workflowMesh(GATED_CONFIG);
  const { deps } = fx;
  const user = generateApiKey();
  key = user.key;
  gateway = await Gateway.start({
    deps,
    routes: [acpRoute(deps)],
    port: 0,
    auth: { keys: [{ id: 'u', hash: user.hash, tenant: 'acme', roles: ['user'] }] },
    warn: () => undefined,
  });
  url = `http://127.0.0.1:${gateway.port}/acp`;
  client = new Client({ apiUrl: url, apiKey: key });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await fx?.close();
});

type Steps = Record<string, { status: string; output?: unknown }>;
type WfValues = {
  input: unknown;
  steps: Steps;
  output?: { answer: string; at: unknown };
  __interrupt__?: { id: string; value: { step: string; question: string } }[];
};

describe('workflows on /acp', () => {
  it('lists and gets a workflow as an assistant', async () => {
    const all = await client.assistants.search({ limit: 100 });
    expect(all.map((a) => a.assistant_id)).toContain('support-flow');
    const a = await client.assistants.get('support-flow');
    expect(a.graph_id).toBe('support-flow');
    expect(a.metadata).toMatchObject({ kind: 'workflow' });
  });

  it('streams the example to its human step, resumes it with an approval, and shows the outputs in thread state', async () => {
    const thread = await client.threads.create();
    const first = await collect(
      client.runs.stream(thread.thread_id, 'support-flow', {
        input: { text: 'my bill is wrong' },
        streamMode: ['updates', 'values', 'custom', 'messages-tuple'],
      }),
    );
    expect(first[0]?.event).toBe('metadata');
    const custom = first.filter((e) => e.event === 'custom').map((e) => (e.data as { type: string }).type);
    expect(custom).toEqual(SUPPORT_FLOW_TO_REVIEW);
    const updates = first.filter((e) => e.event === 'updates').map((e) => Object.keys(e.data as object)[0]);
    expect(updates).toEqual(['classify', 'tech', 'billing', '__interrupt__']);
    const last = first.filter((e) => e.event === 'values').at(-1)?.data as WfValues;
    expect(last.__interrupt__?.[0]?.value).toMatchObject({ step: 'review', question: 'Send this answer?' });
    expect(String(last.steps.billing?.output)).toContain('bill');
    // The agent steps' tokens, as LangGraph message chunks whose node is the step; together they make each step's output.
    const tokens = first.filter((e) => e.event === 'messages').map((e) => e.data as [{ content: string }, { langgraph_node: string }]);
    const text = (step: string) =>
      tokens
        .filter(([, m]) => m.langgraph_node === step)
        .map(([c]) => c.content)
        .join('');
    expect(new Set(tokens.map(([, m]) => m.langgraph_node))).toEqual(new Set(['classify', 'billing']));
    expect(text('classify')).toBe(last.steps.classify?.output);
    expect(text('billing')).toBe(last.steps.billing?.output);

    const state = await client.threads.getState(thread.thread_id);
    expect(state.next).toEqual(['review']);
    expect((state.values as WfValues).steps.classify?.status).toBe('completed');
    expect(state.tasks[0]?.interrupts[0]?.value).toMatchObject({ step: 'review' });

    const second = await collect(
      client.runs.stream(thread.thread_id, 'support-flow', { command: { resume: { approve: true } }, streamMode: ['updates', 'values'] }),
    );
    const done = second.filter((e) => e.event === 'values').at(-1)?.data as WfValues;
    expect(done.output?.answer).toBe(last.steps.billing?.output);
    expect(done.output?.at).toEqual(done.steps.stamp?.output);
    expect(second.filter((e) => e.event === 'updates').map((e) => Object.keys(e.data as object)[0])).toEqual(['review', 'stamp']);

    const after = await client.threads.getState(thread.thread_id);
    expect(after.next).toEqual([]);
    expect((after.values as WfValues).output?.answer).toBe(done.output?.answer);
  });

  it('waits for a run, answers an edited value, and gets the run', async () => {
    const thread = await client.threads.create();
    const v = (await client.runs.wait(thread.thread_id, 'support-flow', { input: { text: 'the app crashes' } })) as WfValues;
    expect(v.steps.billing?.status).toBe('skipped');
    expect(v.__interrupt__?.[0]?.value.step).toBe('review');
    const edited = (await client.runs.wait(thread.thread_id, 'support-flow', {
      command: { resume: { approve: true, arguments: { answer: 'edited' } } },
    })) as WfValues;
    expect(edited.steps.review?.output).toEqual({ decision: 'edit', value: { answer: 'edited' } });
    const st = await client.threads.getState(thread.thread_id);
    const runId = (st.metadata as { run_id: string }).run_id;
    const run = await client.runs.get(thread.thread_id, runId);
    expect(run.status).toBe('success');
    expect(run.assistant_id).toBe('support-flow');
  });

  it('a rejection fails the run with its error', async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, 'support-flow', { input: { text: 'my bill' } });
    // The SDK raises the run's `__error__` as an error named by its `error` field.
    await expect(client.runs.wait(thread.thread_id, 'support-flow', { command: { resume: { approve: false } } })).rejects.toThrow(
      'WorkflowError: rejected by the reviewer',
    );
    const runId = ((await client.threads.getState(thread.thread_id)).metadata as { run_id: string }).run_id;
    expect((await client.runs.get(thread.thread_id, runId)).status).toBe('error');
  });

  it('cancelling a run cancels the agent step run it started', async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, 'slow', { input: {} });
    await eventually(() => fx.gate.calls === 1, 20_000);
    await client.runs.cancel(thread.thread_id, run.run_id);
    await eventually(() => fx.gate.aborted === 1, 20_000);
    await eventually(async () => (await client.runs.get(thread.thread_id, run.run_id)).status === 'interrupted', 20_000);
  });

  it('a stream dropped with on_disconnect cancel cancels the run and its agent step run', async () => {
    const thread = await client.threads.create();
    const abort = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const e of client.runs.stream(thread.thread_id, 'slow', {
        input: {},
        onDisconnect: 'cancel',
        streamMode: ['custom'],
        signal: abort.signal,
      }))
        seen.push(e.event);
    })().catch(() => undefined);
    await eventually(() => fx.gate.calls === 2 && seen.includes('custom'), 20_000);
    abort.abort();
    await reading;
    await eventually(() => fx.gate.aborted === 2, 20_000);
    const runId = ((await client.threads.getState(thread.thread_id)).metadata as { run_id: string }).run_id;
    await eventually(async () => (await client.runs.get(thread.thread_id, runId)).status === 'interrupted', 20_000);
  });

  it('answers unknown workflows and input that does not match the schema with a 4xx', async () => {
    const thread = await client.threads.create();
    await httpError(client.runs.wait(thread.thread_id, 'no-such-flow', { input: { text: 'x' } }), 404, 'no-such-flow');
    await httpError(client.runs.wait(thread.thread_id, 'support-flow', { input: { text: 5 } }), 400, 'input.text: expected a string');
    await httpError(client.runs.wait(thread.thread_id, 'support-flow', { input: {} }), 400, 'input.text is required');
    await httpError(client.runs.wait(thread.thread_id, 'support-flow', { command: { resume: true } }), 409, 'no workflow run waiting');
  });
});
