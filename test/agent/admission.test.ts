/**
 * The agent admits run creates side by side (ADR 0042): a create whose thread claim waits (its thread owner's shard
 * re-electing, here a gate in front of it) no longer holds the creates behind it; past `maxConcurrentCreates` they
 * wait; creates of one thread keep their order (the second is refused busy, never started ahead of the first) and a
 * create sent twice with one run id starts one run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RUN_CREATE, isTroupeError, threadOwnerAddress } from '../../protocols/index.js';
import { type ActorRef, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { RunStore, TERMINAL_RUN_STATUSES, agentBehavior, threadOwnerBehavior } from '../../actors/agent/index.js';
import { OfflineProvider } from '../../actors/llm/offline.js';

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

const T = 'default';

/** Two thread ids whose owners are different shards. */
function threadsOnTwoShards(): [string, string] {
  const a = 'th-held';
  for (let i = 0; ; i++) if (threadOwnerAddress(`th-free-${i}`) !== threadOwnerAddress(a)) return [a, `th-free-${i}`];
}

/** An agent whose thread owner for `held` is reached only once `open()` is called (a shard electing a leader). */
async function setup(
  maxConcurrentCreates?: number,
): Promise<{ s: ActorSystem; agent: ActorRef; open: () => void; held: string; free: string }> {
  const s = (system = await createSystem());
  const [held, free] = threadsOnTwoShards();
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const owners = new Map<string, Promise<ActorRef>>();
  const resolve = async (address: string, tenant: string): Promise<ActorRef> => {
    if (!address.startsWith('thread/')) return s.ref(address, tenant);
    if (address === threadOwnerAddress(held)) await gate;
    let p = owners.get(address);
    if (p === undefined) owners.set(address, (p = s.spawn(address, threadOwnerBehavior(), { tenant })));
    return p;
  };
  const agent = await s.spawn(
    'agent/clerk',
    agentBehavior({
      name: 'clerk',
      instructions: 'You help.',
      provider: new OfflineProvider(),
      model: 'offline',
      resolve,
      ...(maxConcurrentCreates === undefined ? {} : { maxConcurrentCreates }),
    }),
  );
  return { s, agent, open, held, free };
}

function create(agent: ActorRef, runId: string, threadId: string): Promise<{ ok: unknown } | { error: unknown }> {
  return agent
    .ask(RUN_CREATE, { run_id: runId, thread_id: threadId, input: { messages: [{ role: 'user', content: 'hi' }] } }, { timeoutMs: 20_000 })
    .then(
      (ok) => ({ ok }),
      (error: unknown) => ({ error }),
    );
}

/** The status a run ended with (its record, read until it is final; 10 s at most). */
async function ended(s: ActorSystem, runId: string): Promise<string | undefined> {
  const store = new RunStore(s.storage);
  for (let i = 0; i < 200; i++) {
    const status = (await store.getRun(T, runId))?.status;
    if (status !== undefined && TERMINAL_RUN_STATUSES.has(status)) return status;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

/** Which of `ps` settled by now (after letting the agent work for `ms`). */
async function settledAfter(ps: readonly Promise<unknown>[], ms: number): Promise<boolean[]> {
  const done = ps.map(() => false);
  ps.forEach((p, i) => void p.then(() => (done[i] = true)));
  await new Promise((r) => setTimeout(r, ms));
  return done;
}

describe('agent admission', () => {
  it('a create waiting on its thread claim does not hold a create on another thread', async () => {
    const { s, agent, open, held, free } = await setup();
    const first = create(agent, 'r-held', held);
    const second = create(agent, 'r-free', free);
    expect(await second).toMatchObject({ ok: { run_id: 'r-free', thread_id: free } });
    expect(await settledAfter([first], 50)).toEqual([false]);
    open();
    expect(await first).toMatchObject({ ok: { run_id: 'r-held', thread_id: held } });
    for (const id of ['r-held', 'r-free']) expect(await ended(s, id)).toBe('success');
  });

  it('past maxConcurrentCreates a create waits for a slot', async () => {
    const { agent, open, held, free } = await setup(1);
    const first = create(agent, 'r-held', held);
    const second = create(agent, 'r-free', free);
    expect(await settledAfter([first, second], 300)).toEqual([false, false]);
    open();
    expect(await first).toMatchObject({ ok: { run_id: 'r-held' } });
    expect(await second).toMatchObject({ ok: { run_id: 'r-free' } });
  });

  it('creates on one thread keep their order: the second is refused busy; a create sent twice starts one run', async () => {
    const { s, agent, open, held } = await setup();
    const first = create(agent, 'r-1', held);
    const again = create(agent, 'r-1', held);
    const second = create(agent, 'r-2', held);
    await new Promise((r) => setTimeout(r, 50));
    open();
    expect(await first).toMatchObject({ ok: { run_id: 'r-1', thread_id: held } });
    expect(await again).toMatchObject({ ok: { run_id: 'r-1', thread_id: held } });
    const refused = await second;
    expect(isTroupeError((refused as { error?: unknown }).error, 'conflict')).toBe(true);
    expect(await ended(s, 'r-1')).toBe('success');
    expect(await new RunStore(s.storage).getRun(T, 'r-2')).toBeUndefined();
  });
});
