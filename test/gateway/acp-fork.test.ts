/**
 * Forks on /acp with the real LangGraph SDK clients (both lines): a run started from an older checkpoint of a thread
 * (`checkpointId`, or `checkpoint: {checkpoint_id}`) starts from the state there, its checkpoints branch from that one,
 * and the older checkpoints stay readable — through `runs.wait`, `runs.stream` and `runs.create`, on one node and on a
 * two-node mesh (the fork asked through the node that did not write the thread).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryHub, MemoryStorage } from '../../runtime/index.js';
import { collect, httpError, human, LINES, startAcp, type AcpFixture, type AnyClient, type Values } from './acp-fixture.js';

let one: AcpFixture;
let two: AcpFixture;
beforeAll(async () => {
  const mesh = { hub: new MemoryHub(), storage: new MemoryStorage() };
  one = await startAcp({ mesh, node: 'fork-one' });
  two = await startAcp({ mesh, node: 'fork-two', keys: one.keys });
});
afterAll(async () => {
  await two.close();
  await one.close();
});

interface Cp {
  checkpoint: { checkpoint_id: string };
  parent_checkpoint: { checkpoint_id: string } | null;
  values: Values;
}

const texts = (v: Values): string[] => v.messages.map((m) => m.content as string);

/** A thread with two finished runs; answers the checkpoint that ended the first one and the whole history. */
async function twoRuns(c: AnyClient): Promise<{ threadId: string; fork: Cp; before: Cp[] }> {
  const t = await c.threads.create();
  await c.runs.wait(t.thread_id, 'assistant', { input: human('first question') });
  await c.runs.wait(t.thread_id, 'assistant', { input: human('second question') });
  const before = (await c.threads.getHistory(t.thread_id, { limit: 100 })) as unknown as Cp[];
  const fork = before.find((h) => h.values.messages.length === 2);
  if (fork === undefined) throw new Error(`no checkpoint after the first run in ${JSON.stringify(before.map((h) => texts(h.values)))}`);
  return { threadId: t.thread_id, fork, before };
}

/** Checks the branch: the new head's messages, its ancestry down to the fork point, and every older checkpoint kept. */
async function expectBranch(c: AnyClient, threadId: string, fork: Cp, before: Cp[], question: string): Promise<void> {
  const state = (await c.threads.getState(threadId)) as unknown as Cp;
  expect(texts(state.values).slice(0, 3)).toEqual(['first question', texts(fork.values)[1], question]);
  expect(texts(state.values)).not.toContain('second question');
  const after = (await c.threads.getHistory(threadId, { limit: 200 })) as unknown as Cp[];
  const byId = new Map(after.map((h) => [h.checkpoint.checkpoint_id, h]));
  for (const old of before) expect(byId.get(old.checkpoint.checkpoint_id)?.values).toEqual(old.values);
  // Walk the head's parents: the first one that is not new is the fork point.
  const fresh = new Set(
    after.map((h) => h.checkpoint.checkpoint_id).filter((id) => !before.some((b) => b.checkpoint.checkpoint_id === id)),
  );
  expect(fresh.size).toBeGreaterThan(0);
  let at: Cp | undefined = state;
  while (at !== undefined && fresh.has(at.checkpoint.checkpoint_id)) at = byId.get(at.parent_checkpoint?.checkpoint_id ?? '');
  expect(at?.checkpoint.checkpoint_id).toBe(fork.checkpoint.checkpoint_id);
  // The old head is still there to read (time travel), with the second question.
  const oldHead = before[0] as Cp;
  const old = (await c.threads.getState(threadId, oldHead.checkpoint.checkpoint_id)) as unknown as Cp;
  expect(texts(old.values)).toContain('second question');
}

describe.each(LINES)('LangGraph SDK %s: runs from an older checkpoint', (_line, Ctor) => {
  const on = (fx: AcpFixture): AnyClient => new Ctor({ apiUrl: fx.url, apiKey: fx.keyOf('acme') }) as AnyClient;

  it('runs.wait with checkpointId forks the thread there', async () => {
    const c = on(one);
    const { threadId, fork, before } = await twoRuns(c);
    const out = (await c.runs.wait(threadId, 'assistant', {
      input: human('another question'),
      checkpointId: fork.checkpoint.checkpoint_id,
    })) as Values;
    expect(texts(out).slice(0, 3)).toEqual(['first question', texts(fork.values)[1], 'another question']);
    expect(out.messages).toHaveLength(4);
    await expectBranch(c, threadId, fork, before, 'another question');
  });

  it('runs.stream with checkpoint: {checkpoint_id}, through the other node of the mesh', async () => {
    const { threadId, fork, before } = await twoRuns(on(one));
    const c = on(two);
    const events = await collect(
      c.runs.stream(threadId, 'assistant', {
        input: human('streamed branch'),
        checkpoint: { checkpoint_id: fork.checkpoint.checkpoint_id, checkpoint_ns: '', checkpoint_map: null },
        streamMode: ['values'],
      }),
    );
    const last = events.filter((e) => e.event === 'values').at(-1)?.data as Values;
    expect(texts(last).slice(0, 3)).toEqual(['first question', texts(fork.values)[1], 'streamed branch']);
    await expectBranch(on(one), threadId, fork, before, 'streamed branch');
  });

  it('runs.create in the background forks too; the next plain run continues the branch', async () => {
    const c = on(two);
    const { threadId, fork, before } = await twoRuns(c);
    const run = await c.runs.create(threadId, 'assistant', {
      input: human('background branch'),
      checkpointId: fork.checkpoint.checkpoint_id,
    });
    await c.runs.join(threadId, run.run_id);
    await expectBranch(c, threadId, fork, before, 'background branch');
    const next = (await c.runs.wait(threadId, 'assistant', { input: human('on the branch') })) as Values;
    expect(texts(next).slice(0, 4)).toEqual(texts((await c.threads.getState(threadId, undefined)).values as Values).slice(0, 4));
    expect(texts(next)).toContain('background branch');
    expect(texts(next)).not.toContain('second question');
  });

  it('answers 404 for a checkpoint the thread does not have, and for another tenant', async () => {
    const c = on(one);
    const { threadId, fork } = await twoRuns(c);
    await httpError(
      c.runs.wait(threadId, 'assistant', { input: human('x'), checkpointId: 'no-such-checkpoint' }),
      404,
      'no-such-checkpoint',
    );
    const other = new Ctor({ apiUrl: one.url, apiKey: one.keyOf('globex') }) as AnyClient;
    await httpError(other.runs.wait(threadId, 'assistant', { input: human('x'), checkpointId: fork.checkpoint.checkpoint_id }), 404);
    // The thread is not held by the refused fork: a plain run still goes.
    expect(texts((await c.runs.wait(threadId, 'assistant', { input: human('still free') })) as Values)).toContain('still free');
  });
});
