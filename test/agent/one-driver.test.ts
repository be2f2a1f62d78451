/**
 * One driver per run (ADR 0007 addendum) on the memory backend: two activations of one agent on one storage, the
 * older one still driving a run when the newer one takes it over. Every write of the run is fenced by the epoch of
 * its activation: after the takeover nothing of the older one lands (no event, no record, no checkpoint), it stops
 * driving the run without ending it, and the newer one finishes it with one gap-free log.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RUN_CREATE, type RunEvent } from '../../protocols/index.js';
import { MemoryStorage, type ActorSystem, type Behavior } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import {
  RunStore,
  ThreadOwners,
  agentBehavior,
  isRunTakenOver,
  newRunRecord,
  waitForRun,
  type RunCheckpoint,
} from '../../actors/agent/index.js';
import type { ModelProvider } from '../../actors/llm/types.js';
import { TOOL_CALL, TOOL_DESCRIBE, type ToolCallRequest } from '../../actors/tool/types.js';
import { eventually } from '../transport/contract.js';
import { Counting } from './fixtures/counting.js';

const systems: ActorSystem[] = [];
afterEach(async () => {
  for (const s of systems.splice(0)) await s.shutdown();
});

/** A tool actor whose calls wait on `gate` (when given). */
function addTool(gate?: Promise<void>): Behavior<undefined> {
  return {
    async receive(msg) {
      if (msg.type === TOOL_DESCRIBE) return { name: 'add', description: 'adds', parameters: { type: 'object' } };
      if (msg.type !== TOOL_CALL) return undefined;
      if (gate !== undefined) await gate;
      const a = (msg.payload as ToolCallRequest).arguments;
      return { content: [{ type: 'text', text: String(Number(a['a']) + Number(a['b'])) }] };
    },
  };
}

/** A node (its own in-process mesh) on `storage` hosting agent `clerk`; its warnings go to `warnings`. */
async function node(storage: MemoryStorage, provider: ModelProvider, warnings: string[], gate?: Promise<void>): Promise<ActorSystem> {
  const s = await createSystem({ storage, warn: (m) => warnings.push(m) });
  systems.push(s);
  await s.spawn('tool/add', addTool(gate), { pool: true });
  await s.spawn('agent/clerk', agentBehavior({ name: 'clerk', instructions: 'You add.', provider, model: 'offline', tools: ['add'] }));
  return s;
}

describe('one driver per run', () => {
  it('the run store refuses the writes of an older epoch once a newer one claimed the run', async () => {
    const store = new RunStore(new MemoryStorage());
    const older = { agent: 'clerk', epoch: 1 };
    const newer = { agent: 'clerk', epoch: 2 };
    const event = (seq: number): RunEvent => ({
      run_id: 'r',
      thread_id: 't',
      seq,
      event: 'token',
      agent: 'clerk',
      data: { text: `${seq}` },
    });
    const cp: RunCheckpoint = {
      run_id: 'r',
      thread_id: 't',
      agent: 'clerk',
      depth: 0,
      messages: [],
      turns: 0,
      usage: {} as never,
      resumes: 0,
    };
    expect(await store.claimRun('default', 'r', older)).toBe(true);
    await store.appendEvents('default', [event(1)], older);
    await store.saveCheckpoint('default', cp, true, older);
    expect(await store.claimRun('default', 'r', newer)).toBe(true);
    // The older epoch: every kind of write refused, nothing landed.
    for (const write of [
      () => store.appendEvents('default', [event(2)], older),
      () => store.saveCheckpoint('default', { ...cp, turns: 9 }, false, older),
      () => store.putRun('default', { run_id: 'r' } as never, false, older),
    ])
      expect(isRunTakenOver(await write().catch((e: unknown) => e))).toBe(true);
    expect(await store.claimRun('default', 'r', older)).toBe(false);
    expect((await store.events('default', 'r')).map((e) => e.seq)).toEqual([1]);
    expect((await store.getCheckpoint('default', 'r'))?.turns).toBe(0);
    expect(await store.getRun('default', 'r')).toBeUndefined();
    // The newer one writes; another agent's fence (a handoff) is its own.
    await store.appendEvents('default', [event(2)], newer);
    await store.appendEvents('default', [event(3)], { agent: 'other', epoch: 1 });
    expect((await store.events('default', 'r')).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it("the thread's owner refuses a run's thread writes from an epoch below the one that claimed the run", async () => {
    const storage = new MemoryStorage();
    const s = await createSystem({ storage, warn: () => undefined });
    systems.push(s);
    const owners = new ThreadOwners(s);
    const store = new RunStore(storage);
    await owners.claim('default', newRunRecord('r', 'th', 'clerk', {}, new Date().toISOString()));
    const write = { thread_id: 'th', run_id: 'r', messages: [{ role: 'user' as const, content: 'hi' }], status: 'busy' as const };
    expect(await store.claimRun('default', 'r', { agent: 'clerk', epoch: 1 })).toBe(true);
    expect(await owners.checkpoint('default', { ...write, driver: { agent: 'clerk', epoch: 1 } })).toEqual({ applied: true });
    expect(await store.claimRun('default', 'r', { agent: 'clerk', epoch: 2 })).toBe(true);
    const old = { agent: 'clerk', epoch: 1 };
    expect(await owners.checkpoint('default', { ...write, driver: old })).toEqual({ applied: false, reason: 'taken_over' });
    expect(await owners.status('default', { ...write, status: 'interrupted', driver: old })).toEqual({
      applied: false,
      reason: 'taken_over',
    });
    expect((await store.thread('default', 'th')).checkpoints).toBe(1);
    expect(await owners.checkpoint('default', { ...write, driver: { agent: 'clerk', epoch: 2 } })).toEqual({ applied: true });
    expect((await store.thread('default', 'th')).checkpoints).toBe(2);
  });

  it('every activation of an address gets a higher epoch than the one before it', async () => {
    const seen: number[] = [];
    const probe: Behavior<undefined> = { init: (ctx) => void seen.push(ctx.epoch), receive: () => undefined };
    for (let i = 0; i < 3; i++) {
      const s = await createSystem({ storage: new MemoryStorage() });
      systems.push(s);
      await s.spawn('probe/x', probe);
    }
    expect(seen).toHaveLength(3);
    expect(seen[0]).toBeGreaterThan(0);
    expect(seen[1]).toBeGreaterThan(seen[0] as number);
    expect(seen[2]).toBeGreaterThan(seen[1] as number);
  });

  it('an older activation still driving a run after a takeover writes and publishes nothing more, and leaves the run', async () => {
    const storage = new MemoryStorage();
    const store = new RunStore(storage);
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const older = new Counting();
    const olderWarnings: string[] = [];
    const s1 = await node(storage, older, olderWarnings, gate);
    const fromOlder: RunEvent[] = [];
    s1.subscribe('run.r1', (env) => void fromOlder.push(env.payload as RunEvent));
    await s1
      .ref('agent/clerk')
      .ask(RUN_CREATE, { run_id: 'r1', input: { messages: [{ role: 'user', content: '/tool add {"a":2,"b":40}' }] } });
    // The older activation is in the middle of the tool call (a partition or a paused process, as far as it knows).
    await eventually(() => fromOlder.some((e) => e.event === 'tool_call'), 5_000, 'the older activation to call the tool');
    const before = fromOlder.length;

    // A second activation of the same agent on the same storage (epoch above the first) resumes the run and ends it.
    const newer = new Counting();
    const s2 = await node(storage, newer, []);
    const result = await waitForRun(s2, 'r1', 'default', 10_000);
    expect(result.status).toBe('success');
    expect(result.output).toContain('add: 42');
    const finalRecord = await store.run('default', 'r1');
    const logAtEnd = await store.events('default', 'r1');

    // Now the older activation's tool call returns: its next write is refused and it stops driving the run.
    release();
    await eventually(() => olderWarnings.length > 0, 5_000, 'the older activation to meet the fence');
    await new Promise((r) => setTimeout(r, 50)); // room for anything it would still write or publish
    expect(olderWarnings.filter((w) => /newer activation of agent clerk/.test(w))).toHaveLength(1);
    expect(fromOlder.length).toBe(before); // nothing more published by it
    expect(older.calls).toBe(1); // it did not go on to ask the model again
    expect(newer.calls).toBe(1);
    // Nothing of the older epoch landed: the log, the record and the checkpoint are the newer driver's.
    const log = await store.events('default', 'r1');
    expect(log).toEqual(logAtEnd);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    expect(log.filter((e) => e.event === 'status' && (e.data as { resumed?: number }).resumed === 1)).toHaveLength(1);
    expect(log.at(-1)).toMatchObject({ event: 'status', data: { status: 'success' } });
    expect(await store.run('default', 'r1')).toEqual(finalRecord);
    expect(await store.activeRuns('default', 'clerk')).toEqual([]);
    expect(await store.getCheckpoint('default', 'r1')).toBeUndefined();
  });
});
