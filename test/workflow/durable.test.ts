/**
 * Durable workflow runs over the real catalog (cli/kinds.ts) with the offline model: the example end to end
 * (events on the bus, the human step answered with a resume), and a host that stops mid-run — one waiting for a
 * person, one with an agent step in flight — continued by a new host on the same storage from the journal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { configSchema, type TroupeConfig } from '../../config/index.js';
import { RUN_CANCEL, RUN_CREATE, RUN_RESUME } from '../../protocols/index.js';
import { MemoryStorage, MeshNode, type ActorSystem, type KvBucket } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import { defineTool, type Catalog } from '../../actors/index.js';
import { RunStore } from '../../actors/agent/index.js';
import { WORKFLOW_STATE, WorkflowJournal, agentRunId, type StepRecord } from '../../actors/workflow/index.js';
import { eventually } from '../transport/contract.js';
import { SUPPORT_FLOW_YAML } from './fixtures.js';

const hosts: { system: ActorSystem; catalog: Catalog }[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) {
    await h.catalog.close();
    await h.system.shutdown();
  }
});

const gate = { calls: 0, release: (): void => undefined, opened: Promise.resolve() };
function closeGate(): void {
  gate.opened = new Promise<void>((r) => (gate.release = r));
}
const gateTool = defineTool({
  name: 'gate',
  description: 'waits until the test lets it go',
  input: z.object({}),
  async run(_input, ctx) {
    gate.calls++;
    const aborted = new Promise<never>((_r, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('gate call aborted'))));
    await Promise.race([gate.opened, aborted]);
    return 'through the gate';
  },
});

async function host(config: TroupeConfig, storage: MemoryStorage): Promise<{ system: ActorSystem; catalog: Catalog }> {
  const system = await createSystem({ config, storage, warn: () => undefined });
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(config, mesh, {
    provider: () => ({ provider: new OfflineProvider(), model: 'offline' }),
    tools: [gateTool as never],
  });
  await mesh.start();
  const h = { system, catalog };
  hosts.push(h);
  return h;
}

type State = { status: string; output?: unknown; error?: string; steps: Record<string, StepRecord> };
const state = async (c: Catalog, tenant: string, wf: string, runId: string) =>
  (await c.ensure(`workflow/${wf}`, tenant)).ask<State>(WORKFLOW_STATE, { run_id: runId });

async function start(c: Catalog, tenant: string, wf: string, content: string) {
  const ref = await c.ensure(`workflow/${wf}`, tenant);
  return ref.ask<{ run_id: string; thread_id: string; status: string }>(RUN_CREATE, { input: { messages: [{ role: 'user', content }] } });
}

const supportConfig = () => configSchema.parse({ workflows: [parse(SUPPORT_FLOW_YAML) as unknown] });

describe('durable workflow actor', () => {
  it('runs the issue example with real agents: events on the bus, the human step answered by a resume', async () => {
    const { system, catalog } = await host(supportConfig(), new MemoryStorage());
    const seen: string[] = [];
    system.subscribe('workflow.support-flow.>', (env) => seen.push((env.payload as { type: string }).type), { tenant: 'acme' });
    const run = await start(catalog, 'acme', 'support-flow', 'my bill is wrong');
    await eventually(async () => (await state(catalog, 'acme', 'support-flow', run.run_id)).status === 'interrupted', 20_000);
    const mid = await state(catalog, 'acme', 'support-flow', run.run_id);
    expect(Object.fromEntries(Object.entries(mid.steps).map(([k, s]) => [k, s.status]))).toEqual({
      classify: 'completed',
      billing: 'completed',
      tech: 'skipped',
      review: 'waiting',
      stamp: 'pending',
    });
    expect(String(mid.steps.billing?.output)).toContain('bill');
    await (await catalog.ensure('workflow/support-flow', 'acme')).ask(RUN_RESUME, { run_id: run.run_id, resume: { approve: true } });
    await eventually(async () => (await state(catalog, 'acme', 'support-flow', run.run_id)).status === 'success', 20_000);
    const end = await state(catalog, 'acme', 'support-flow', run.run_id);
    const out = end.output as { answer: string; at: unknown };
    expect(out.answer).toBe(mid.steps.billing?.output);
    expect(out.at).toEqual(end.steps.stamp?.output);
    await eventually(() => seen.includes('workflow.completed'), 5_000);
    expect(seen.filter((t) => t !== 'step.waiting')).toEqual([
      'workflow.started',
      'step.started',
      'step.completed',
      'step.skipped',
      'step.started',
      'step.completed',
      'step.started',
      'step.completed',
      'step.started',
      'step.completed',
      'workflow.completed',
    ]);
    const log = await new WorkflowJournal(system.storage).events('acme', run.run_id);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    expect(log.map((e) => e.type).filter((t) => t !== 'step.waiting')).toEqual(seen.filter((t) => t !== 'step.waiting'));
    expect(log.find((e) => e.type === 'step.skipped')).toMatchObject({ step: 'tech', workflow: 'support-flow', run_id: run.run_id });
  });

  it('refuses a run without its required input, and answers unknown runs with a clear error', async () => {
    const config = configSchema.parse({ workflows: [{ name: 'needs-n', input: { n: 'number' }, steps: { a: { tool: 'clock' } } }] });
    const { catalog } = await host(config, new MemoryStorage());
    await expect(start(catalog, 'acme', 'needs-n', 'hello')).rejects.toThrow(/expected an input object with n/);
    await expect(start(catalog, 'acme', 'needs-n', '{}')).rejects.toThrow(/input.n is required/);
    await expect(start(catalog, 'acme', 'needs-n', '{"n": "x"}')).rejects.toThrow(/input.n: expected a number/);
    await expect(state(catalog, 'acme', 'needs-n', 'nope')).rejects.toThrow(/not found/);
  });

  it('continues on a new host after the old one stopped: a pending human step still waits, done steps are not run again', async () => {
    const storage = new MemoryStorage();
    const a = await host(supportConfig(), storage);
    const run = await start(a.catalog, 'acme', 'support-flow', 'my bill is wrong');
    await eventually(async () => (await state(a.catalog, 'acme', 'support-flow', run.run_id)).status === 'interrupted', 20_000);
    const before = await new WorkflowJournal(storage).steps('acme', run.run_id);
    hosts.splice(0);
    await a.catalog.close();
    await a.system.shutdown();

    const b = await host(supportConfig(), storage);
    const after = await state(b.catalog, 'acme', 'support-flow', run.run_id);
    expect(after.status).toBe('interrupted');
    expect(after.steps.review?.status).toBe('waiting');
    await (await b.catalog.ensure('workflow/support-flow', 'acme')).ask(RUN_RESUME, { run_id: run.run_id, resume: { approve: false } });
    await eventually(async () => (await state(b.catalog, 'acme', 'support-flow', run.run_id)).status === 'error', 20_000);
    expect((await state(b.catalog, 'acme', 'support-flow', run.run_id)).error).toBe('rejected by the reviewer');
    const journal = await new WorkflowJournal(storage).steps('acme', run.run_id);
    expect(journal.map((e) => `${e.key.step}.${e.key.visit}.${e.key.attempt}:${e.entry.state}`)).toEqual(
      before.map((e) => `${e.key.step}.${e.key.visit}.${e.key.attempt}:${e.entry.state}`),
    );
  });

  it('a crash between the journal writes of a run: a lost active marker is found by the run id, a stray marker dropped', async () => {
    const storage = new MemoryStorage();
    const a = await host(supportConfig(), storage);
    const run = await start(a.catalog, 'acme', 'support-flow', 'my bill is wrong');
    await eventually(async () => (await state(a.catalog, 'acme', 'support-flow', run.run_id)).status === 'interrupted', 20_000);
    hosts.splice(0);
    await a.catalog.close();
    await a.system.shutdown();
    // As a process killed between two writes leaves them: the run's record without its marker; a marker of a run
    // whose record was never written.
    const active = storage.bucket('workflow-active');
    await active.delete(['acme', 'support-flow', run.run_id]);
    await active.put(['acme', 'support-flow', 'ghost'], { since: new Date().toISOString() });

    const b = await host(supportConfig(), storage);
    const ref = await b.catalog.ensure('workflow/support-flow', 'acme');
    await eventually(async () => !(await new WorkflowJournal(storage).activeRuns('acme', 'support-flow')).includes('ghost'), 20_000);
    const again = await ref.ask<{ run_id: string; status: string }>(RUN_CREATE, {
      run_id: run.run_id,
      input: { messages: [{ role: 'user', content: 'my bill is wrong' }] },
    });
    expect(again).toMatchObject({ run_id: run.run_id, status: 'interrupted' });
    await ref.ask(RUN_RESUME, { run_id: run.run_id, resume: { approve: true } });
    await eventually(async () => (await state(b.catalog, 'acme', 'support-flow', run.run_id)).status === 'success', 20_000);
    expect(await new WorkflowJournal(storage).activeRuns('acme', 'support-flow')).toEqual([]);
  }, 60_000);

  it("a new run's first write claims it: refused there, the create is a conflict and no step of it is journalled or run", async () => {
    // The run's first record write (fenced: it claims the run) finds the run held by a newer activation, once.
    let failClaim = true;
    class ClaimFails extends MemoryStorage {
      override bucket(name: string): KvBucket {
        const b = super.bucket(name);
        if (name !== 'workflows') return b;
        return new Proxy(b, {
          get(t, prop) {
            if (prop === 'putFenced' && failClaim) {
              failClaim = false;
              return () => Promise.resolve(false);
            }
            const v = Reflect.get(t, prop, t) as unknown;
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
          },
        });
      }
    }
    const storage = new ClaimFails();
    const { catalog } = await host(supportConfig(), storage);
    const ref = await catalog.ensure('workflow/support-flow', 'acme');
    const create = (id: string) =>
      ref.ask(RUN_CREATE, { run_id: id, input: { messages: [{ role: 'user', content: 'my bill is wrong' }] } });
    await expect(create('claimed-later')).rejects.toThrow(/driven elsewhere/);
    // Another run goes through to its review; the first left nothing: no record, no journal entry, no agent run.
    await create('other');
    await eventually(async () => (await state(catalog, 'acme', 'support-flow', 'other')).status === 'interrupted', 20_000);
    const journal = new WorkflowJournal(storage);
    expect(await journal.getRun('acme', 'claimed-later')).toBeUndefined();
    expect(await journal.steps('acme', 'claimed-later')).toEqual([]);
    expect(
      await new RunStore(storage).getRun('acme', agentRunId('claimed-later', { step: 'classify', visit: 1, attempt: 1 })),
    ).toBeUndefined();
    // Asked again, the same run id starts and runs once.
    await create('claimed-later');
    await eventually(async () => (await state(catalog, 'acme', 'support-flow', 'claimed-later')).status === 'interrupted', 20_000);
    expect(
      (await journal.steps('acme', 'claimed-later')).map((e) => `${e.key.step}.${e.key.visit}.${e.key.attempt}:${e.entry.state}`),
    ).toEqual(['billing.1.1:done', 'classify.1.1:done']);
  });

  it('joins an agent step that was running when its workflow actor stopped (same agent run id, no second run)', async () => {
    closeGate();
    gate.calls = 0;
    const config = configSchema.parse({
      agents: [{ name: 'worker', instructions: 'Work.', tools: ['gate'] }],
      workflows: [
        { name: 'slow', steps: { work: { agent: 'worker', input: '/tool gate {}' }, stamp: { tool: 'clock', needs: ['work'] } } },
      ],
    });
    const storage = new MemoryStorage();
    const { system, catalog } = await host(config, storage);
    const run = await start(catalog, 'acme', 'slow', 'go');
    await eventually(() => gate.calls === 1, 20_000);
    const [started] = await new WorkflowJournal(storage).steps('acme', run.run_id);
    expect(started?.entry).toMatchObject({ state: 'started' });
    const agentRun = (started?.entry as { agent_run: string }).agent_run;
    await system.stop(await catalog.ensure('workflow/slow', 'acme'));
    expect((await state(catalog, 'acme', 'slow', run.run_id)).steps.work?.status).toBe('running');
    gate.release();
    await eventually(async () => (await state(catalog, 'acme', 'slow', run.run_id)).status === 'success', 20_000);
    expect(gate.calls).toBe(1);
    const journal = await new WorkflowJournal(storage).steps('acme', run.run_id);
    expect(journal.map((e) => `${e.key.step}.${e.key.attempt}:${e.entry.state}`)).toEqual(['stamp.1:done', 'work.1:done']);
    expect((journal[1]?.entry as { agent_run: string }).agent_run).toBe(agentRun);
    expect((await new RunStore(storage).getRun('acme', agentRun))?.status).toBe('success');
  });

  it('cancelling a workflow run cancels the agent run it started', async () => {
    closeGate();
    gate.calls = 0;
    const config = configSchema.parse({
      agents: [{ name: 'worker', instructions: 'Work.', tools: ['gate'] }],
      workflows: [{ name: 'slow', steps: { work: { agent: 'worker', input: '/tool gate {}' } } }],
    });
    const storage = new MemoryStorage();
    const { catalog } = await host(config, storage);
    const run = await start(catalog, 'acme', 'slow', 'go');
    await eventually(() => gate.calls === 1, 20_000);
    const agentRun = ((await new WorkflowJournal(storage).steps('acme', run.run_id))[0]?.entry as { agent_run: string }).agent_run;
    await (await catalog.ensure('workflow/slow', 'acme')).ask(RUN_CANCEL, { run_id: run.run_id });
    expect((await state(catalog, 'acme', 'slow', run.run_id)).status).toBe('cancelled');
    await eventually(async () => (await new RunStore(storage).getRun('acme', agentRun))?.status === 'cancelled', 20_000);
    gate.release();
  });
});
