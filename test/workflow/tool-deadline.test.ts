/**
 * A tool step's call has a tool call's deadline (30 s, as an agent's tool calls), not the system's default ask (5 s):
 * a call that waits in the tool's mailbox through a NATS stream election (4-9 s on nats-server 2.9) is answered when
 * the tool handles it, and the step completes — the chaos run's workflows ended `error` with "no reply from
 * tool/calculator within 5000 ms". On the simulated clock: the tool answers 8 s after it is asked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage, MemoryTransport, SimulatedClock, flushMicrotasks, startSystem, type ActorSystem } from '../../runtime/index.js';
import { xstateLifecycle } from '../../supervisors/index.js';
import { TOOL_CALL } from '../../actors/tool/index.js';
import { WorkflowJournal, meshExecutor, type StepRequest } from '../../actors/workflow/index.js';

const systems: ActorSystem[] = [];
afterEach(async () => {
  for (const s of systems.splice(0)) await s.shutdown();
});

const REQUEST: StepRequest = { runId: 'wf-1', step: 'stamp', kind: 'tool', target: 'slow', input: {}, visit: 1, attempt: 1 };

/** A host whose `tool/slow` answers each call `afterMs` after it took it, and the step's executor. */
async function host(afterMs: number) {
  const clock = new SimulatedClock();
  const storage = new MemoryStorage();
  const system = await startSystem({ lifecycle: xstateLifecycle, transport: new MemoryTransport(), storage, clock, warn: () => undefined });
  systems.push(system);
  const calls: { deadlineIn: number }[] = [];
  const tool = await system.spawn('tool/slow', {
    init: () => undefined,
    async receive(msg) {
      if (msg.type !== TOOL_CALL) return undefined;
      calls.push({ deadlineIn: (msg.deadline ?? Infinity) - clock.now() });
      await new Promise<void>((r) => clock.setTimer(afterMs, r));
      return { content: [{ type: 'text', text: 'stamped' }] };
    },
  });
  const execute = meshExecutor({
    system,
    journal: new WorkflowJournal(storage),
    tenant: 'default',
    workflow: 'flow',
    runId: 'wf-1',
    resolve: () => Promise.resolve(tool),
    leaving: () => false,
  });
  return { clock, execute, calls };
}

/** Starts the step; what it settled with is filled in when it does (empty while it waits). */
function start(execute: ReturnType<typeof meshExecutor>): { value?: unknown; error?: string } {
  const settled: { value?: unknown; error?: string } = {};
  execute(REQUEST, new AbortController().signal).then(
    (value) => (settled.value = value),
    (e: unknown) => (settled.error = (e as Error).message),
  );
  return settled;
}

async function settle() {
  for (let i = 0; i < 5; i++) await flushMicrotasks();
}

describe('tool step deadline', () => {
  it('a call answered 8 s after it was asked completes its step (the default ask would have given up at 5 s)', async () => {
    const h = await host(8_000);
    const settled = start(h.execute);
    await settle();
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0]?.deadlineIn).toBe(30_000);
    await h.clock.advance(7_999);
    await settle();
    expect(settled).toEqual({});
    await h.clock.advance(1);
    await settle();
    expect(settled).toEqual({ value: 'stamped' });
  });

  it('a call not answered within 30 s fails its step with the reason', async () => {
    const h = await host(40_000);
    const settled = start(h.execute);
    await settle();
    await h.clock.advance(29_999);
    await settle();
    expect(settled).toEqual({});
    await h.clock.advance(1);
    await settle();
    expect(settled.error).toMatch(/no reply from tool\/slow .*within 30000 ms/);
  });
});
