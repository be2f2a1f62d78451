/**
 * Guardrail reviews (the policy's `review` action) as human-in-the-loop interrupts of a real agent run: of the input
 * before the model sees it and of the held end of a streamed reply — answered at once, and answered after the host
 * stopped while it waited (the review is in the checkpoint: the next host waits for the same answer, checks nothing
 * again, asks the model nothing again and announces the interrupt once).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RUN_CREATE, RUN_RESUME, type RunEvent } from '../../protocols/index.js';
import { MemoryStorage, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { GuardEngine, GuardPolicy, customDetectors, runGuard } from '../../actors/index.js';
import { RunStore, agentBehavior, waitForRun } from '../../actors/agent/index.js';
import { configSchema } from '../../config/index.js';
import { Counting } from '../agent/fixtures/counting.js';
import { KEY_DETECTOR } from './fixtures/guard-config.js';

const KEY = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123';
const systems: ActorSystem[] = [];
afterEach(async () => {
  for (const s of systems.splice(0)) await s.shutdown();
});

/** A node hosting agent `clerk`, guarded by a policy that sends `sk-` keys at `stage` to review. */
async function host(storage: MemoryStorage, provider: Counting, stage: 'input' | 'output'): Promise<ActorSystem> {
  const g = configSchema.parse({
    guardrails: { custom: [KEY_DETECTOR], rules: [{ name: 'review-keys', detector: 'secret', action: 'review', stages: [stage] }] },
  }).guardrails;
  const engine = new GuardEngine(await customDetectors(g.custom), new GuardPolicy(g));
  const s = await createSystem({ storage });
  systems.push(s);
  await s.spawn(
    'agent/clerk',
    agentBehavior({
      name: 'clerk',
      instructions: 'You repeat.',
      provider,
      model: 'offline',
      hooks: { guard: (info) => runGuard({ engine, stream: { holdBackChars: 16, maxHoldChars: 4096 } }, info) },
    }),
  );
  return s;
}

function interruptedOn(s: ActorSystem, runId: string): Promise<RunEvent> {
  return new Promise((resolve) => {
    const sub = s.subscribe(`run.${runId}`, (env) => {
      const e = env.payload as RunEvent;
      if (e.event === 'interrupt') {
        sub.unsubscribe();
        resolve(e);
      }
    });
  });
}

async function start(s: ActorSystem, runId: string, text: string): Promise<RunEvent> {
  const interrupted = interruptedOn(s, runId);
  await s.ref('agent/clerk').ask(RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content: text }] } });
  return interrupted;
}

const tokens = (log: readonly RunEvent[]): string =>
  log
    .filter((e) => e.event === 'token')
    .map((e) => (e.data as { text: string }).text)
    .join('');

function expectOneInterrupt(log: readonly RunEvent[]): void {
  expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
  expect(log.filter((e) => e.event === 'interrupt')).toHaveLength(1);
}

describe('guardrail reviews as interrupts', () => {
  it('an input held for review reaches the model only once a reviewer approves it, also after its host stopped', async () => {
    const storage = new MemoryStorage();
    const first = new Counting();
    const s1 = await host(storage, first, 'input');
    const asked = await start(s1, 'in-1', `store ${KEY} please`);
    expect(asked.data).toEqual({ kind: 'review', stage: 'input', types: ['OPENAI_KEY'] });
    await s1.shutdown();
    expect(first.calls).toBe(0);

    const second = new Counting();
    const s2 = await host(storage, second, 'input');
    const store = new RunStore(storage);
    expect((await store.run('default', 'in-1')).status).toBe('interrupted');
    const done = waitForRun(s2, 'in-1', 'default', 10_000);
    await s2.ref('agent/clerk').ask(RUN_RESUME, { run_id: 'in-1', resume: { approve: true } });
    const result = await done;
    expect(result.status).toBe('success');
    expect(result.output).toContain('you said: store');
    expect(second.calls).toBe(1);
    expectOneInterrupt(await store.events('default', 'in-1'));
    expect(await store.activeRuns('default', 'clerk')).toEqual([]);
  });

  it('an input a reviewer rejects after a restart ends the run without a model call', async () => {
    const storage = new MemoryStorage();
    const s1 = await host(storage, new Counting(), 'input');
    await start(s1, 'in-2', `store ${KEY} please`);
    await s1.shutdown();
    const second = new Counting();
    const s2 = await host(storage, second, 'input');
    const done = waitForRun(s2, 'in-2', 'default', 10_000);
    await s2.ref('agent/clerk').ask(RUN_RESUME, { run_id: 'in-2', resume: { approve: false } });
    expect(await done).toMatchObject({ status: 'error', error: 'the input was rejected by a reviewer' });
    expect(second.calls).toBe(0);
    expectOneInterrupt(await new RunStore(storage).events('default', 'in-2'));
  });

  it('the held end of a reply is released once a reviewer approves it, without asking the model again after a restart', async () => {
    const storage = new MemoryStorage();
    const first = new Counting();
    const s1 = await host(storage, first, 'output');
    const asked = await start(s1, 'out-1', `repeat ${KEY} back`);
    expect(asked.data).toEqual({ kind: 'review', stage: 'output', types: ['OPENAI_KEY'] });
    const store = new RunStore(storage);
    const before = tokens(await store.events('default', 'out-1'));
    expect(before).toContain('you said: repeat ');
    expect(before).not.toContain(KEY);
    await s1.shutdown();
    expect(first.calls).toBe(1);

    const second = new Counting();
    const s2 = await host(storage, second, 'output');
    const done = waitForRun(s2, 'out-1', 'default', 10_000);
    await s2.ref('agent/clerk').ask(RUN_RESUME, { run_id: 'out-1', resume: { approve: true } });
    const result = await done;
    expect(result.status).toBe('success');
    expect(second.calls).toBe(0);
    const log = await store.events('default', 'out-1');
    expectOneInterrupt(log);
    // Every token once, in order: what clients saw before the restart, then the approved rest.
    expect(tokens(log)).toBe(result.output);
    expect(result.output).toContain(`you said: repeat ${KEY} back`);
  });

  it('a reply a reviewer rejects after a restart is taken back from its first token', async () => {
    const storage = new MemoryStorage();
    const s1 = await host(storage, new Counting(), 'output');
    await start(s1, 'out-2', `repeat ${KEY} back`);
    const store = new RunStore(storage);
    const firstToken = (await store.events('default', 'out-2')).find((e) => e.event === 'token');
    expect(firstToken).toBeDefined();
    await s1.shutdown();
    const second = new Counting();
    const s2 = await host(storage, second, 'output');
    const done = waitForRun(s2, 'out-2', 'default', 10_000);
    await s2.ref('agent/clerk').ask(RUN_RESUME, { run_id: 'out-2', resume: { approve: false } });
    expect(await done).toMatchObject({ status: 'error', error: 'the reply was rejected by a reviewer' });
    expect(second.calls).toBe(0);
    const log = await store.events('default', 'out-2');
    expectOneInterrupt(log);
    expect(log.find((e) => e.event === 'rewind')?.data).toEqual({ from_seq: firstToken?.seq });
    expect(tokens(log)).not.toContain(KEY);
  });

  it('a review answered while the host runs goes on in place', async () => {
    const storage = new MemoryStorage();
    const model = new Counting();
    const s = await host(storage, model, 'output');
    await start(s, 'out-3', `repeat ${KEY} back`);
    const done = waitForRun(s, 'out-3', 'default', 10_000);
    await s.ref('agent/clerk').ask(RUN_RESUME, { run_id: 'out-3', resume: { approve: true } });
    const result = await done;
    expect(result.status).toBe('success');
    expect(model.calls).toBe(1);
    const log = await new RunStore(storage).events('default', 'out-3');
    expectOneInterrupt(log);
    expect(tokens(log)).toBe(result.output);
  });
});
