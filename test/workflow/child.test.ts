/**
 * `workflow` steps (docs/workflows.md): a step runs another workflow as a child run whose id is derived from the
 * parent run and step; its output is the step's output. A parent whose host stopped while the child waited for a
 * person joins the same child run on the next host (one child run, not two), a failing child fails the step, and a
 * cancelled parent cancels its child.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { RUN_CANCEL, RUN_CREATE, RUN_RESUME } from '../../protocols/index.js';
import { MemoryStorage, MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import type { Catalog } from '../../actors/index.js';
import { WORKFLOW_STATE, agentRunId, type StepRecord, type WorkflowRunRecord } from '../../actors/workflow/index.js';
import { eventually } from '../transport/contract.js';

const hosts: { system: ActorSystem; catalog: Catalog }[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) {
    await h.catalog.close();
    await h.system.shutdown();
  }
});

const config = configSchema.parse({
  workflows: [
    {
      name: 'inner',
      input: { text: 'string' },
      steps: { a: { tool: 'clock' }, ok: { human: 'go on?', needs: ['a'] } },
      output: { said: '${input.text}', at: '${steps.a.output}' },
    },
    { name: 'outer', input: { text: 'string' }, steps: { sub: { workflow: 'inner', input: { text: "${input.text + '!'}" } } } },
    { name: 'broken', input: { n: 'number' }, steps: { a: { tool: 'clock' } } },
    { name: 'outer-bad', steps: { sub: { workflow: 'broken', input: { n: 'not a number' } } } },
  ],
});

async function host(storage: MemoryStorage) {
  const system = await createSystem({ config, storage, warn: () => undefined });
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(config, mesh, { provider: () => ({ provider: new OfflineProvider(), model: 'offline' }) });
  await mesh.start();
  await catalog.start();
  const h = { system, catalog };
  hosts.push(h);
  return h;
}

type State = { status: string; output?: unknown; error?: string; steps: Record<string, StepRecord> };
const state = async (c: Catalog, wf: string, runId: string) =>
  (await c.ensure(`workflow/${wf}`, 'acme')).ask<State>(WORKFLOW_STATE, { run_id: runId });
const start = async (c: Catalog, wf: string, input: unknown) =>
  (await c.ensure(`workflow/${wf}`, 'acme')).ask<{ run_id: string }>(RUN_CREATE, {
    input: { messages: [{ role: 'user', content: 'go' }] },
    config: { input },
  });

describe('workflow steps', () => {
  it('run a child workflow, joined by the parent on a new host after the old one stopped', async () => {
    const storage = new MemoryStorage();
    const a = await host(storage);
    const parent = await start(a.catalog, 'outer', { text: 'hello' });
    const child = agentRunId(parent.run_id, { step: 'sub', visit: 1, attempt: 1 });
    await eventually(async () => (await state(a.catalog, 'inner', child).catch(() => undefined))?.status === 'interrupted', 20_000);
    expect((await state(a.catalog, 'outer', parent.run_id)).steps.sub?.status).toBe('running');
    hosts.splice(0);
    await a.catalog.close();
    await a.system.shutdown();

    const b = await host(storage);
    expect((await state(b.catalog, 'outer', parent.run_id)).status).toBe('running');
    await (await b.catalog.ensure('workflow/inner', 'acme')).ask(RUN_RESUME, { run_id: child, resume: { approve: true } });
    await eventually(async () => (await state(b.catalog, 'outer', parent.run_id)).status === 'success', 20_000, 'the parent to end');
    const end = await state(b.catalog, 'outer', parent.run_id);
    const childEnd = await state(b.catalog, 'inner', child);
    expect(childEnd.output).toMatchObject({ said: 'hello!' });
    expect(end.steps.sub?.output).toEqual(childEnd.output);
    expect(end.output).toEqual(childEnd.output);
    const inners = (await storage.bucket('workflows').list<WorkflowRunRecord>(['acme']))
      .filter((e) => e.key[2] === 'run' && e.value.workflow === 'inner')
      .map((e) => e.value.run_id);
    expect(inners).toEqual([child]);
  });

  it('fail the step when the child run is refused or fails', async () => {
    const { catalog } = await host(new MemoryStorage());
    const run = await start(catalog, 'outer-bad', {});
    await eventually(async () => (await state(catalog, 'outer-bad', run.run_id)).status === 'error', 20_000);
    const end = await state(catalog, 'outer-bad', run.run_id);
    expect(end.steps.sub?.status).toBe('failed');
    expect(end.error).toMatch(/input.n: expected a number/);
  });

  it('cancel the child run when the parent run is cancelled', async () => {
    const { catalog } = await host(new MemoryStorage());
    const parent = await start(catalog, 'outer', { text: 'hi' });
    const child = agentRunId(parent.run_id, { step: 'sub', visit: 1, attempt: 1 });
    await eventually(async () => (await state(catalog, 'inner', child).catch(() => undefined))?.status === 'interrupted', 20_000);
    await (await catalog.ensure('workflow/outer', 'acme')).ask(RUN_CANCEL, { run_id: parent.run_id });
    await eventually(async () => (await state(catalog, 'inner', child)).status === 'cancelled', 20_000, 'the child cancelled');
    expect((await state(catalog, 'outer', parent.run_id)).status).toBe('cancelled');
  });
});
