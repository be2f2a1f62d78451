/**
 * Threads change through their owner (ADR 0018), seen from the LangGraph SDKs: metadata patches sent while a run
 * writes its checkpoints all land and the run's messages too; `threads.copy` gives a new thread with the same
 * history and metadata; two runs started on one thread at once — one wins, the other is a 409.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, httpError, human, LINES, startAcp, type AcpFixture, type AnyClient, type Values } from './acp-fixture.js';

let fx: AcpFixture;
beforeAll(async () => {
  fx = await startAcp();
});
afterAll(async () => {
  await fx.close();
});

describe.each(LINES)('LangGraph SDK %s: one writer per thread', (_line, Ctor) => {
  const client = (tenant = 'acme'): AnyClient => new Ctor({ apiUrl: fx.url, apiKey: fx.keyOf(tenant) }) as AnyClient;

  it('metadata patched while a run checkpoints the thread: every patch and every message is kept', async () => {
    const c = client();
    const thread = await c.threads.create({ metadata: { owner: 'test' } });
    // The slow agent streams a token every 40 ms and checkpoints after each step: patches land in between.
    const run = collect(
      c.runs.stream(thread.thread_id, 'slow', { input: human('/tool calculator {"expression":"6*7"}'), streamMode: ['values'] }),
    );
    const patches = Array.from({ length: 12 }, (_, i) => i);
    for (const i of patches) {
      await c.threads.update(thread.thread_id, { metadata: { [`k${i}`]: i } });
      await new Promise((r) => setTimeout(r, 15));
    }
    await run;
    const t = await c.threads.get<Values>(thread.thread_id);
    expect(t.status).toBe('idle');
    for (const i of patches) expect(t.metadata?.[`k${i}`]).toBe(i);
    expect(t.metadata?.['owner']).toBe('test');
    const messages = t.values.messages;
    expect(messages[0]).toMatchObject({ type: 'human' });
    expect(messages.at(-1)).toMatchObject({ type: 'ai' });
    expect(messages.some((m) => m.type === 'tool' && m.content.includes('42'))).toBe(true);
  });

  it('threads.copy: a new idle thread with the same messages, history and metadata; the copy runs on its own', async () => {
    const c = client();
    const thread = await c.threads.create({ metadata: { topic: 'copy-me' } });
    await c.runs.wait(thread.thread_id, 'assistant', { input: human('/tool calculator {"expression":"2+3"}') });
    const source = await c.threads.get<Values>(thread.thread_id);
    const copy = await c.threads.copy(thread.thread_id);
    expect(copy.thread_id).not.toBe(thread.thread_id);
    expect(copy.status).toBe('idle');
    expect(copy.metadata).toMatchObject({ topic: 'copy-me' });
    const copied = await c.threads.get<Values>(copy.thread_id);
    // Message ids are derived from the thread they are in; type and content are the source's.
    const plain = (v: Values) => v.messages.map((m) => ({ type: m.type, content: m.content, tool_calls: m.tool_calls?.length ?? 0 }));
    expect(plain(copied.values)).toEqual(plain(source.values));
    expect(copied.values.messages.length).toBe(4);
    const [h1, h2] = await Promise.all([c.threads.getHistory(thread.thread_id), c.threads.getHistory(copy.thread_id)]);
    expect(h2.map((s) => s.checkpoint.checkpoint_id)).toEqual(h1.map((s) => s.checkpoint.checkpoint_id));
    await c.runs.wait(copy.thread_id, 'assistant', { input: human('and again') });
    expect((await c.threads.get<Values>(copy.thread_id)).values.messages.length).toBeGreaterThan(source.values.messages.length);
    expect((await c.threads.get<Values>(thread.thread_id)).values.messages).toEqual(source.values.messages);
    // Another tenant's thread is not found, and so cannot be copied.
    await httpError(client('globex').threads.copy(thread.thread_id), 404);
  });

  it('two runs started on one idle thread at once: exactly one runs, the other is refused with 409', async () => {
    const c = client();
    const thread = await c.threads.create();
    const both = await Promise.allSettled([
      c.runs.create(thread.thread_id, 'slow', { input: human('one') }),
      c.runs.create(thread.thread_id, 'assistant', { input: human('two') }),
    ]);
    const won = both.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const lost = both.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((lost.reason as { status?: number }).status).toBe(409);
    const run = (won[0] as PromiseFulfilledResult<{ run_id: string }>).value;
    await c.runs.join(thread.thread_id, run.run_id);
    const runs = await c.runs.list(thread.thread_id);
    expect(runs.map((r) => r.run_id)).toEqual([run.run_id]);
  });
});
