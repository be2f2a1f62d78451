/**
 * Workflows as A2A skills with the real `@a2a-js/sdk` client against a real gateway and catalog (offline model): the
 * card lists each workflow as a skill with its input fields, a message naming the skill starts a run (streamed as
 * status updates per step and the output as an artifact), a `human` step is input-required answered on the same task
 * (approve, an edited value, reject), GetTask shows the state, CancelTask cancels the run and its step run, bad input
 * is -32602 naming the field, and another tenant finds nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message, TaskState, type Task } from '@a2a-js/sdk';
import { ClientFactory, JsonRpcTransportFactory, type Client } from '@a2a-js/sdk/client';
import { WORKFLOW_STATE, WorkflowJournal } from '../../actors/workflow/index.js';
import { Gateway, a2aRoutes, generateApiKey } from '../../gateway/index.js';
import { MemoryHub, MemoryStorage } from '../../runtime/index.js';
import { eventually } from '../transport/contract.js';
import { SUPPORT_FLOW_TO_REVIEW } from '../workflow/fixtures.js';
import { GATED_CONFIG, workflowMesh, type WorkflowMesh } from './workflow-fixture.js';

let fx: WorkflowMesh;
let gateway: Gateway;
const keys = new Map<string, string>();

beforeAll(async () => {
  fx = await workflowMesh(GATED_CONFIG);
  const auth = ['acme', 'globex'].map((tenant) => {
    const k = generateApiKey();
    keys.set(tenant, k.key);
    return { id: `key-${tenant}`, hash: k.hash, tenant, roles: ['user'] as const };
  });
  gateway = await Gateway.start({
    deps: fx.deps,
    routes: a2aRoutes(fx.deps, { workflows: fx.config.workflows }),
    port: 0,
    auth: { keys: auth },
    limits: { ratePerSec: 10_000, burst: 10_000 },
    warn: () => undefined,
  });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await fx?.close();
});

async function client(tenant: string): Promise<Client> {
  const key = keys.get(tenant) as string;
  const fetchImpl: typeof fetch = (url, init) =>
    fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${key}` } });
  return new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl })] }).createFromUrl(gateway.url);
}

let n = 0;
function message(parts: ({ text: string } | { data: unknown })[], extra: { skill?: string; taskId?: string } = {}): Message {
  return Message.fromJSON({
    messageId: `wf-${++n}`,
    role: 'ROLE_USER',
    parts,
    ...(extra.skill === undefined ? {} : { metadata: { skill: extra.skill } }),
    ...(extra.taskId === undefined ? {} : { taskId: extra.taskId }),
  });
}

async function send(c: Client, m: Message, returnImmediately = false): Promise<Task> {
  const configuration = { acceptedOutputModes: [], returnImmediately, historyLength: undefined, taskPushNotificationConfig: undefined };
  const r = await c.sendMessage({ tenant: '', message: m, configuration, metadata: undefined });
  expect('id' in r && 'status' in r).toBe(true);
  return r as Task;
}

async function stream(c: Client, m: Message) {
  const events = [];
  for await (const e of c.sendMessageStream({ tenant: '', message: m, configuration: undefined, metadata: undefined })) events.push(e);
  return events;
}

const rpcCode = (e: unknown): number | undefined =>
  (e as { envelopeCode?: number; code?: number }).envelopeCode ?? (e as { code?: number }).code;
const dataOf = (t: Task): unknown => {
  const p = t.artifacts[0]?.parts[0]?.content;
  return p?.$case === 'data' ? p.value : p?.$case === 'text' ? p.value : undefined;
};
const stateOf = async (tenant: string, runId: string) =>
  (await fx.catalog.ensure('workflow/support-flow', tenant)).ask<{ status: string; steps: Record<string, { output?: unknown }> }>(
    WORKFLOW_STATE,
    { run_id: runId },
  );

describe('workflows as A2A skills', () => {
  it('lists each workflow as a skill with its description and input fields', async () => {
    const card = await (await client('acme')).getAgentCard();
    const skill = card.skills.find((s) => s.id === 'support-flow');
    expect(skill?.name).toBe('support-flow');
    expect(skill?.tags).toEqual(['workflow']);
    expect(skill?.description).toContain('Answers a support request.');
    expect(skill?.description).toContain('text: string');
    expect(skill?.examples).toEqual([JSON.stringify({ text: '…' })]);
    expect(skill?.inputModes).toContain('application/json');
    expect(card.skills.map((s) => s.id)).toContain('slow');
    // The agents are still skills too.
    expect(card.skills.map((s) => s.id)).toContain('triage');
  });

  it('streams a run to its human step, then a "yes" on the same task streams it to the output artifact', async () => {
    const c = await client('acme');
    const first = await stream(c, message([{ text: 'my bill is wrong' }], { skill: 'support-flow' }));
    expect(first[0]?.payload?.$case).toBe('task');
    const task = first[0]?.payload?.value as Task;
    const updates = first.flatMap((e) => (e.payload?.$case === 'statusUpdate' ? [e.payload.value] : []));
    expect(updates.map((u) => u.metadata?.['event'])).toEqual(SUPPORT_FLOW_TO_REVIEW);
    expect(updates.map((u) => u.metadata?.['step']).filter(Boolean)).toEqual([
      'classify',
      'classify',
      'tech',
      'billing',
      'billing',
      'review',
      'review',
    ]);
    const waiting = updates.at(-1);
    expect(waiting?.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(waiting?.status?.message?.parts[0]?.content).toEqual({ $case: 'text', value: expect.stringContaining('Send this answer?') });
    const billing = updates.find((u) => u.metadata?.['event'] === 'step.completed' && u.metadata?.['step'] === 'billing');
    const billed = billing?.status?.message?.parts[0]?.content;
    expect(billed?.$case).toBe('data');
    const billingOutput = (billed?.value as { output: string }).output;
    expect(billingOutput).toContain('bill');

    const got = await c.getTask({ tenant: '', id: task.id });
    expect(got.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(got.metadata).toMatchObject({ workflow: 'support-flow', steps: { classify: 'completed', tech: 'skipped', review: 'waiting' } });

    const second = await stream(c, message([{ text: 'yes, send it' }], { taskId: task.id }));
    const kinds = second.map((e) => e.payload?.$case);
    expect(kinds[0]).toBe('task');
    const artifact = second.find((e) => e.payload?.$case === 'artifactUpdate')?.payload;
    expect(artifact?.$case === 'artifactUpdate' && artifact.value.lastChunk).toBe(true);
    const out = artifact?.$case === 'artifactUpdate' ? artifact.value.artifact?.parts[0]?.content : undefined;
    expect(out?.$case).toBe('data');
    expect((out?.value as { answer: string }).answer).toBe(billingOutput);
    const last = second.at(-1)?.payload;
    expect(last?.$case === 'statusUpdate' ? last.value.status?.state : undefined).toBe(TaskState.TASK_STATE_COMPLETED);

    const done = await c.getTask({ tenant: '', id: task.id });
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect((dataOf(done) as { answer: string }).answer).toBe(billingOutput);
    expect(done.metadata).toMatchObject({ steps: { review: 'completed', stamp: 'completed' } });
    expect((await stateOf('acme', task.id)).status).toBe('success');
  });

  it('takes a data part as the input, an edited value as the answer, and a "no" rejects', async () => {
    const c = await client('acme');
    const waiting = await send(c, message([{ data: { text: 'the app crashes' } }], { skill: 'support-flow' }));
    expect(waiting.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const edited = await send(c, message([{ data: { approve: true, arguments: { answer: 'edited' } } }], { taskId: waiting.id }));
    expect(edited.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect((await stateOf('acme', waiting.id)).steps['review']?.output).toEqual({ decision: 'edit', value: { answer: 'edited' } });
    expect(String((dataOf(edited) as { answer: string }).answer)).toContain('crash');

    const again = await send(c, message([{ text: 'my bill' }], { skill: 'support-flow' }));
    expect(again.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const rejected = await send(c, message([{ text: 'no, not like this' }], { taskId: again.id }));
    expect(rejected.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(rejected.status?.message?.parts[0]?.content).toEqual({ $case: 'text', value: expect.stringContaining('rejected') });
    // A finished task takes no more answers.
    const late = await send(c, message([{ text: 'yes' }], { taskId: again.id })).catch((x: unknown) => x);
    expect(rpcCode(late)).toBe(-32004);
  });

  it('cancels a running workflow and the step run it started', async () => {
    const c = await client('acme');
    const before = { calls: fx.gate.calls, aborted: fx.gate.aborted };
    const task = await send(c, message([{ text: 'go' }], { skill: 'slow' }), true);
    await eventually(() => fx.gate.calls === before.calls + 1, 20_000, 'the step run to start');
    const cancelled = await c.cancelTask({ tenant: '', id: task.id, metadata: undefined });
    expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    await eventually(() => fx.gate.aborted === before.aborted + 1, 20_000, 'the step run to be cancelled');
    expect((await new WorkflowJournal(fx.system.storage).getRun('acme', task.id))?.status).toBe('cancelled');
    expect((await c.getTask({ tenant: '', id: task.id })).status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const e = await c.cancelTask({ tenant: '', id: task.id, metadata: undefined }).catch((x: unknown) => x);
    expect(rpcCode(e)).toBe(-32002);
  });

  it('refuses input that does not match the input fields, naming the field, and starts nothing', async () => {
    const c = await client('acme');
    const m = message([{ data: { text: 5 } }], { skill: 'support-flow' });
    const e = await send(c, m).catch((x: unknown) => x);
    expect(rpcCode(e)).toBe(-32602);
    expect(String((e as Error).message)).toContain('input.text: expected a string');
    const missing = await c.getTask({ tenant: '', id: 'a2a-none' }).catch((x: unknown) => x);
    expect(rpcCode(missing)).toBe(-32001);
  });

  it('keeps tenants apart: a workflow task of one tenant is not found for another, which runs its own', async () => {
    const acme = await client('acme');
    const globex = await client('globex');
    const task = await send(acme, message([{ text: 'my bill again' }], { skill: 'support-flow' }));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    for (const call of [
      () => globex.getTask({ tenant: '', id: task.id }),
      () => globex.cancelTask({ tenant: '', id: task.id, metadata: undefined }),
      () => send(globex, message([{ text: 'yes' }], { taskId: task.id })),
    ])
      expect(rpcCode(await call().catch((x: unknown) => x))).toBe(-32001);
    expect((await acme.getTask({ tenant: '', id: task.id })).status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(await new WorkflowJournal(fx.system.storage).getRun('globex', task.id)).toBeUndefined();
    const own = await send(globex, message([{ text: 'globex bill' }], { skill: 'support-flow' }));
    expect(own.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect((await new WorkflowJournal(fx.system.storage).getRun('globex', own.id))?.metadata).toMatchObject({ tenant: 'globex' });
  });
});

describe('a workflow task across two gateway nodes of one mesh', () => {
  it('is answered on one node and read on the other (tasks come from the workflow journal)', async () => {
    const shared = { hub: new MemoryHub(), storage: new MemoryStorage() };
    const meshes = [
      await workflowMesh(GATED_CONFIG, { ...shared, node: 'node-a' }),
      await workflowMesh(GATED_CONFIG, { ...shared, node: 'node-b' }),
    ];
    const k = generateApiKey();
    const gateways = await Promise.all(
      meshes.map((m) =>
        Gateway.start({
          deps: m.deps,
          routes: a2aRoutes(m.deps),
          port: 0,
          auth: { keys: [{ id: 'k', hash: k.hash, tenant: 'acme', roles: ['user'] as const }] },
          warn: () => undefined,
        }),
      ),
    );
    try {
      const fetchImpl: typeof fetch = (url, init) =>
        fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${k.key}` } });
      const [a, b] = await Promise.all(
        gateways.map((g) => new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl })] }).createFromUrl(g.url)),
      );
      const waiting = await send(a as Client, message([{ text: 'my bill is wrong' }], { skill: 'support-flow' }));
      expect(waiting.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
      expect((await (b as Client).getTask({ tenant: '', id: waiting.id })).status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
      const done = await send(b as Client, message([{ text: 'yes' }], { taskId: waiting.id }));
      expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      const seen = await (a as Client).getTask({ tenant: '', id: waiting.id });
      expect(seen.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(dataOf(seen)).toEqual(dataOf(done));
      expect(seen.history[0]?.parts[0]?.content).toEqual({ $case: 'text', value: 'my bill is wrong' });
    } finally {
      for (const g of gateways) await g.close();
      for (const m of meshes.reverse()) await m.close();
    }
  });
});
