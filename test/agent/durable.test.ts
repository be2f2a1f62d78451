/**
 * Durable runs in one process: a host that stops mid-run (interrupted, or in the middle of a tool
 * call) and a new host on the same storage that picks the run up from its checkpoint — no model
 * call made twice, one gap-free log — plus replay of a finished run from its log.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RUN_CREATE, RUN_RESUME, type RunEvent } from '../../protocols/index.js';
import { MemoryStorage, type ActorSystem, type Behavior } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { RunStore, agentBehavior, waitForRun, type AgentDefinition } from '../../actors/agent/index.js';
import type { ModelProvider } from '../../actors/llm/types.js';
import { TOOL_CALL, TOOL_DESCRIBE, type ToolCallRequest } from '../../actors/tool/types.js';
import { eventually } from '../transport/contract.js';
import { Counting } from './fixtures/counting.js';

const systems: ActorSystem[] = [];
afterEach(async () => {
  for (const s of systems.splice(0)) await s.shutdown();
});

/** A tool actor whose calls wait on `gate` (when given) and are counted. */
function addTool(counter: { calls: number }, gate?: Promise<void>): Behavior<undefined> {
  return {
    async receive(msg) {
      if (msg.type === TOOL_DESCRIBE) return { name: 'add', description: 'adds', parameters: { type: 'object' } };
      if (msg.type !== TOOL_CALL) return undefined;
      counter.calls++;
      if (gate !== undefined) await gate;
      const a = (msg.payload as ToolCallRequest).arguments;
      return { content: [{ type: 'text', text: String(Number(a['a']) + Number(a['b'])) }] };
    },
  };
}

async function host(
  storage: MemoryStorage,
  provider: ModelProvider,
  extra: Partial<AgentDefinition>,
  tool: Behavior<undefined>,
): Promise<ActorSystem> {
  const s = await createSystem({ storage });
  systems.push(s);
  await s.spawn('tool/add', tool, { pool: true });
  await s.spawn(
    'agent/clerk',
    agentBehavior({ name: 'clerk', instructions: 'You add.', provider, model: 'offline', tools: ['add'], ...extra }),
  );
  return s;
}

function until(s: ActorSystem, runId: string, pred: (e: RunEvent) => boolean): Promise<RunEvent> {
  return new Promise((resolve) => {
    const sub = s.subscribe(`run.${runId}`, (env) => {
      const e = env.payload as RunEvent;
      if (pred(e)) {
        sub.unsubscribe();
        resolve(e);
      }
    });
  });
}

/** A promise and the function that resolves it. */
function gateOpen(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Shuts a host down while its tool call hangs: the agent stops first (runs left to their checkpoints), then the tool is let go. */
async function stopWhileBusy(s: ActorSystem, release: () => void): Promise<void> {
  const stopping = s.shutdown();
  await new Promise((r) => setTimeout(r, 20));
  release();
  await stopping;
}

function expectGapFree(events: readonly RunEvent[]): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
}

describe('durable runs', () => {
  it('an interrupted run survives a restart of its host and resumes from its checkpoint, not from scratch', async () => {
    const storage = new MemoryStorage();
    const first = new Counting();
    const tool = { calls: 0 };
    const s1 = await host(storage, first, { approvals: ['add'] }, addTool(tool));
    const interrupted = until(s1, 'r1', (e) => e.event === 'status' && (e.data as { status: string }).status === 'interrupted');
    await s1
      .ref('agent/clerk')
      .ask(RUN_CREATE, { run_id: 'r1', input: { messages: [{ role: 'user', content: '/tool add {"a":2,"b":40}' }] } });
    await interrupted;
    await s1.shutdown();
    expect(first.calls).toBe(1);

    const second = new Counting();
    const s2 = await host(storage, second, { approvals: ['add'] }, addTool(tool));
    const store = new RunStore(storage);
    // The agent restores its runs beside new work: the thread says `interrupted` again once the restore reached it.
    const threadId = (await store.run('default', 'r1')).thread_id;
    await eventually(async () => (await store.thread('default', threadId)).status === 'interrupted', 5_000, 'the restore');
    expect((await store.run('default', 'r1')).status).toBe('interrupted');
    const done = waitForRun(s2, 'r1', 'default', 10_000);
    await s2.ref('agent/clerk').ask(RUN_RESUME, { run_id: 'r1', resume: { approve: true } });
    const result = await done;
    expect(result.status).toBe('success');
    expect(result.output).toContain('add: 42');
    expect(second.calls).toBe(1); // only the answer after the tool: the tool-calling turn is not redone
    expect(tool.calls).toBe(1);
    const log = await store.events('default', 'r1');
    expectGapFree(log);
    expect(log.filter((e) => e.event === 'interrupt')).toHaveLength(1);
    expect(log.at(-1)).toMatchObject({ event: 'status', data: { status: 'success' } });
    expect(await store.activeRuns('default', 'clerk')).toEqual([]);
  });

  const answeredTitle =
    'an answer a host acknowledged is not waited for again when that host stops before the approved call ended: ' +
    'the next host takes it from the checkpoint';
  it(answeredTitle, async () => {
    const storage = new MemoryStorage();
    const tool = { calls: 0 };
    const gate = gateOpen();
    const s1 = await host(storage, new Counting(), { approvals: ['add'] }, addTool(tool, gate.promise));
    const interrupted = until(s1, 'r7', (e) => e.event === 'status' && (e.data as { status: string }).status === 'interrupted');
    await s1
      .ref('agent/clerk')
      .ask(RUN_CREATE, { run_id: 'r7', input: { messages: [{ role: 'user', content: '/tool add {"a":40,"b":2}' }] } });
    await interrupted;
    const called = until(s1, 'r7', (e) => e.event === 'tool_call');
    // The caller hears `running` and sends nothing more; the host stops (its lease lost, its node gone) mid-call.
    expect(await s1.ref('agent/clerk').ask(RUN_RESUME, { run_id: 'r7', resume: { approve: true } })).toMatchObject({ status: 'running' });
    await called;
    await stopWhileBusy(s1, gate.resolve);

    const again = gateOpen();
    const s2 = await host(storage, new Counting(), { approvals: ['add'] }, addTool(tool, again.promise));
    const done = waitForRun(s2, 'r7', 'default', 10_000);
    await eventually(() => tool.calls === 2, 5_000, 'the approved call made again');
    // A caller that did not hear the first reply sends the same answer again: it was taken, not an error.
    expect(await s2.ref('agent/clerk').ask(RUN_RESUME, { run_id: 'r7', resume: { approve: true } })).toMatchObject({ status: 'running' });
    again.resolve();
    const result = await done;
    expect(result.status).toBe('success');
    expect(result.output).toContain('add: 42');
    const log = await new RunStore(storage).events('default', 'r7');
    expectGapFree(log);
    expect(log.filter((e) => e.event === 'interrupt')).toHaveLength(1);
    expect(log.filter((e) => e.event === 'tool_call')).toHaveLength(1);
  });

  const announcedTitle =
    'a host that announced an interrupt and stopped before its record said so: the next host restores it waiting, once';
  it(announcedTitle, async () => {
    const storage = new MemoryStorage();
    const tool = { calls: 0 };
    const s1 = await host(storage, new Counting(), { approvals: ['add'] }, addTool(tool));
    const interrupted = until(s1, 'r2', (e) => e.event === 'status' && (e.data as { status: string }).status === 'interrupted');
    await s1
      .ref('agent/clerk')
      .ask(RUN_CREATE, { run_id: 'r2', input: { messages: [{ role: 'user', content: '/tool add {"a":1,"b":2}' }] } });
    await interrupted;
    await s1.shutdown();
    // The crash window: the interrupt is logged (and was published), the record and thread were not written yet.
    const store = new RunStore(storage);
    const record = await store.run('default', 'r2');
    await store.putRun('default', { ...record, status: 'running' });
    await store.setThreadStatus('default', record.thread_id, 'busy', 'r2');

    const s2 = await host(storage, new Counting(), { approvals: ['add'] }, addTool(tool));
    await eventually(
      async () =>
        (await store.run('default', 'r2')).status === 'interrupted' &&
        (await store.thread('default', record.thread_id)).status === 'interrupted',
      5_000,
      'the restore',
    );
    expect(await store.thread('default', record.thread_id)).toMatchObject({ status: 'interrupted', run_id: 'r2' });
    const { interrupts } = await store.thread('default', record.thread_id);
    expect(interrupts).toMatchObject([{ run_id: 'r2', value: { kind: 'approval' } }]);
    const done = waitForRun(s2, 'r2', 'default', 10_000);
    await s2.ref('agent/clerk').ask(RUN_RESUME, { run_id: 'r2', resume: { approve: true } });
    expect((await done).status).toBe('success');
    const log = await store.events('default', 'r2');
    expectGapFree(log);
    expect(log.filter((e) => e.event === 'interrupt')).toHaveLength(1);
    expect(tool.calls).toBe(1);
  });

  const resumeMidToolTitle =
    'a run whose host stops in the middle of a tool call is resumed by the next host: the model is not asked again, ' +
    'the call only when its result was not logged';
  it(resumeMidToolTitle, async () => {
    const storage = new MemoryStorage();
    const first = new Counting();
    const tool = { calls: 0 };
    const gate = gateOpen();
    const s1 = await host(storage, first, {}, addTool(tool, gate.promise));
    const called = until(s1, 'r2', (e) => e.event === 'tool_call');
    await s1
      .ref('agent/clerk')
      .ask(RUN_CREATE, { run_id: 'r2', input: { messages: [{ role: 'user', content: '/tool add {"a":1,"b":1}' }] } });
    await called;
    await stopWhileBusy(s1, gate.resolve);
    // The tool answers while the host stops: its result may have been logged before the host was gone.
    const resultLogged = (await new RunStore(storage).events('default', 'r2')).some((e) => e.event === 'tool_result');

    const second = new Counting();
    const seen: RunEvent[] = [];
    const s2 = await createSystem({ storage });
    systems.push(s2);
    await s2.spawn('tool/add', addTool(tool), { pool: true });
    const done = waitForRun(s2, 'r2', 'default', 10_000, (e) => seen.push(e));
    await s2.spawn(
      'agent/clerk',
      agentBehavior({ name: 'clerk', instructions: 'You add.', provider: second, model: 'offline', tools: ['add'] }),
    );
    const result = await done;
    expect(result.status).toBe('success');
    expect(result.output).toContain('add: 2');
    expect(first.calls + second.calls).toBe(2);
    expect(second.calls).toBe(1);
    // A call whose result is in the log is not made again; one in flight when the host stopped is (by its idempotency key).
    expect(tool.calls).toBe(resultLogged ? 1 : 2);
    expect(seen[0]).toMatchObject({ event: 'status', data: { status: 'running', resumed: 1 } });
    const log = await new RunStore(storage).events('default', 'r2');
    expectGapFree(log);
    // Clients see the call and its result once.
    expect(log.filter((e) => e.event === 'tool_call')).toHaveLength(1);
    expect(log.filter((e) => e.event === 'tool_result')).toHaveLength(1);
    expect(log.map((e) => e.seq).slice(-seen.length)).toEqual(seen.map((e) => e.seq));
  });

  it('replaying the log of a finished run reproduces its events exactly', async () => {
    const storage = new MemoryStorage();
    const s = await host(storage, new Counting(), {}, addTool({ calls: 0 }));
    const done = waitForRun(s, 'r3', 'default', 10_000);
    await s
      .ref('agent/clerk')
      .ask(RUN_CREATE, { run_id: 'r3', input: { messages: [{ role: 'user', content: '/tool add {"a":3,"b":4}\nthen explain' }] } });
    const live = (await done).events;
    expect(live.length).toBeGreaterThan(5);
    expect(await new RunStore(storage).events('default', 'r3')).toEqual(live);
    expect(await new RunStore(storage).events('default', 'r3', 4)).toEqual(live.slice(4));
  });

  it('a run whose hosts keep dying is ended as failed after maxResumes, never left hanging', async () => {
    const storage = new MemoryStorage();
    const [gate1, gate2] = [gateOpen(), gateOpen()];
    const s1 = await host(storage, new Counting(), { maxResumes: 1 }, addTool({ calls: 0 }, gate1.promise));
    const called = until(s1, 'r4', (e) => e.event === 'tool_call');
    await s1
      .ref('agent/clerk')
      .ask(RUN_CREATE, { run_id: 'r4', input: { messages: [{ role: 'user', content: '/tool add {"a":1,"b":1}' }] } });
    await called;
    await stopWhileBusy(s1, gate1.resolve);
    const second = { calls: 0 };
    const s2 = await host(storage, new Counting(), { maxResumes: 1 }, addTool(second, gate2.promise)); // resume 1: hangs again
    await vi.waitFor(() => expect(second.calls).toBe(1), { timeout: 10_000, interval: 20 }); // made again, not announced again
    await stopWhileBusy(s2, gate2.resolve);
    const s3 = await createSystem({ storage });
    systems.push(s3);
    const done = waitForRun(s3, 'r4', 'default', 10_000);
    await s3.spawn(
      'agent/clerk',
      agentBehavior({ name: 'clerk', instructions: 'You add.', provider: new Counting(), model: 'offline', tools: ['add'], maxResumes: 1 }),
    );
    const result = await done;
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/abandoned: its host stopped 2 times/);
    const record = await new RunStore(storage).run('default', 'r4');
    expect(record.status).toBe('error');
  });
});

describe('run retention', () => {
  it('deletes the logs and records of runs finished longer ago than retainRunsMs, keeping the thread', async () => {
    const storage = new MemoryStorage();
    const s = await host(storage, new Counting(), { retainRunsMs: 300, pruneEveryMs: 100 }, addTool({ calls: 0 }));
    const done = waitForRun(s, 'old', 'default', 10_000);
    const created = await s
      .ref('agent/clerk')
      .ask<{ thread_id: string }>(RUN_CREATE, { run_id: 'old', input: { messages: [{ role: 'user', content: 'hello' }] } });
    await done;
    const store = new RunStore(storage);
    expect((await store.events('default', 'old')).length).toBeGreaterThan(2);
    await vi.waitFor(async () => expect(await store.getRun('default', 'old')).toBeUndefined(), { timeout: 5_000, interval: 50 });
    expect(await store.events('default', 'old')).toEqual([]);
    expect(await store.threadRuns('default', created.thread_id)).toEqual([]);
    const thread = await store.thread('default', created.thread_id);
    expect(thread.values.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('writes the finish marker of a run whose host stopped between its final record and the marker, when it restores it', async () => {
    const storage = new MemoryStorage();
    const retain = { retainRunsMs: 3_600_000 };
    const s1 = await host(storage, new Counting(), retain, addTool({ calls: 0 }));
    const done = waitForRun(s1, 'cut', 'default', 10_000);
    await s1.ref('agent/clerk').ask(RUN_CREATE, { run_id: 'cut', input: { messages: [{ role: 'user', content: 'hello' }] } });
    await done;
    await s1.shutdown();
    const store = new RunStore(storage);
    const runs = storage.bucket('runs');
    const marker = await runs.list<string>(['default', 'done', 'clerk']);
    expect(marker.map((e) => e.value)).toEqual(['cut']);
    // As if the host died after the final record: the run still marked active, no finish marker.
    await runs.deletePrefix(['default', 'done']);
    const record = await store.getRun('default', 'cut');
    await store.saveCheckpoint(
      'default',
      {
        run_id: 'cut',
        thread_id: record!.thread_id,
        agent: 'clerk',
        depth: 0,
        messages: [],
        turns: 1,
        usage: { promptTokens: 0, completionTokens: 0 },
        resumes: 0,
      },
      true,
    );
    expect(await store.isActive('default', 'clerk', 'cut')).toBe(true);
    const s2 = await host(storage, new Counting(), retain, addTool({ calls: 0 }));
    await vi.waitFor(async () => expect(await store.isActive('default', 'clerk', 'cut')).toBe(false), { timeout: 5_000, interval: 20 });
    // The same key as the finish wrote (the final record's time): one marker, not a second.
    expect(await runs.list(['default', 'done', 'clerk'])).toEqual(marker);
    expect((await store.getRun('default', 'cut'))?.status).toBe('success');
    await s2.shutdown();
  });

  it('takes new runs while a run it held is still being restored, and answers a resume of that run once it is', async () => {
    const storage = new MemoryStorage();
    const tool = { calls: 0 };
    const s1 = await host(storage, new Counting(), { approvals: ['add'] }, addTool(tool));
    const interrupted = until(s1, 'r5', (e) => e.event === 'status' && (e.data as { status: string }).status === 'interrupted');
    await s1
      .ref('agent/clerk')
      .ask(RUN_CREATE, { run_id: 'r5', input: { messages: [{ role: 'user', content: '/tool add {"a":20,"b":22}' }] } });
    await interrupted;
    await s1.shutdown();
    // The next host's storage holds back the read of r5's checkpoint (a slow store, an election) until the gate opens.
    const gate = gateOpen();
    const slow: MemoryStorage = Object.create(storage) as MemoryStorage;
    slow.bucket = (name: string) => {
      const b = storage.bucket(name);
      if (name !== 'runs') return b;
      return new Proxy(b, {
        get(target, prop) {
          const v = Reflect.get(target, prop) as unknown;
          if (prop !== 'get') return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          return async (key: string[]) => {
            if (key[1] === 'cp' && key[2] === 'r5') await gate.promise;
            return target.get(key);
          };
        },
      });
    };
    const s2 = await host(slow, new Counting(), { approvals: ['add'] }, addTool(tool));
    // A new run is admitted while r5's restore waits (before, the activation took no message until every run was restored).
    const created = await s2
      .ref('agent/clerk')
      .ask<{ run_id: string }>(
        RUN_CREATE,
        { run_id: 'r6', input: { messages: [{ role: 'user', content: 'hello' }] } },
        { timeoutMs: 5_000 },
      );
    expect(created.run_id).toBe('r6');
    // A resume of r5 waits for the restore instead of failing as "not waiting here".
    const done = waitForRun(s2, 'r5', 'default', 10_000);
    const resumed = s2.ref('agent/clerk').ask(RUN_RESUME, { run_id: 'r5', resume: { approve: true } }, { timeoutMs: 10_000 });
    gate.resolve();
    await resumed;
    expect((await done).output).toContain('add: 42');
    expect(tool.calls).toBe(1);
    expectGapFree(await new RunStore(storage).events('default', 'r5'));
  });
});
