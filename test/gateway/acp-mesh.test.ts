/**
 * ACP on two gateway nodes of one mesh (shared MemoryHub and MemoryStorage), with both SDK
 * lines: runs and threads live in the mesh, so a client may use either node — state written
 * through one is read through the other, a run started on one is joined, resumed and cancelled
 * through the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryHub, MemoryStorage } from '../../runtime/index.js';
import { collect, human, LINES, startAcp, type AcpFixture, type AnyClient, type Values } from './acp-fixture.js';

let one: AcpFixture;
let two: AcpFixture;
beforeAll(async () => {
  const mesh = { hub: new MemoryHub(), storage: new MemoryStorage() };
  one = await startAcp({ mesh, node: 'node-one' });
  two = await startAcp({ mesh, node: 'node-two', keys: one.keys });
});
afterAll(async () => {
  await two.close();
  await one.close();
});

describe.each(LINES)('LangGraph SDK %s on two nodes', (_line, Ctor) => {
  const on = (fx: AcpFixture, tenant = 'acme'): AnyClient => new Ctor({ apiUrl: fx.url, apiKey: fx.keyOf(tenant) }) as AnyClient;

  it('shows on one node the thread and run written through the other', async () => {
    const [a, b] = [on(one), on(two)];
    const t = await a.threads.create({ metadata: { via: 'one' } });
    const out = (await a.runs.wait(t.thread_id, 'assistant', { input: human('hello from one') })) as Values;
    expect((await b.threads.get(t.thread_id)).metadata).toMatchObject({ via: 'one' });
    expect((await b.threads.getState<Values>(t.thread_id)).values.messages).toEqual(out.messages);
    const [run] = await b.runs.list(t.thread_id);
    expect((await b.runs.join(t.thread_id, run?.run_id as string)) as unknown as Values).toEqual(out);
    const again = (await b.runs.wait(t.thread_id, 'assistant', { input: human('and from two') })) as Values;
    expect(again.messages.slice(0, 2)).toEqual(out.messages);
    await expect(on(two, 'globex').threads.get(t.thread_id)).rejects.toMatchObject({ status: 404 });
  });

  it('joins through one node the stream of a run started on the other', async () => {
    const [a, b] = [on(one), on(two)];
    const t = await a.threads.create();
    const words = Array.from({ length: 12 }, (_, i) => `w${i}`).join(' ');
    const run = await a.runs.create(t.thread_id, 'slow', { input: human(words), streamMode: ['values', 'messages-tuple'] });
    const events = await collect(b.runs.joinStream(t.thread_id, run.run_id));
    const tokens = events.filter((e) => e.event === 'messages').map((e) => (e.data as [{ content: string }])[0].content);
    const final = events.filter((e) => e.event === 'values').at(-1)?.data as Values;
    expect(tokens.join('')).toBe(final.messages.at(-1)?.content);
    expect(final.messages.at(-1)?.content).toContain('w11');
    expect((await a.runs.get(t.thread_id, run.run_id)).status).toBe('success');
  });

  it('resumes and cancels through one node runs that wait on the other', async () => {
    const [a, b] = [on(one), on(two)];
    const t = await a.threads.create();
    const first = await collect(a.runs.stream(t.thread_id, 'careful', { input: human('/tool calculator {"expression":"6*7"}') }));
    const runId = (first[0]?.data as { run_id: string }).run_id;
    expect((first.at(-1)?.data as Values).__interrupt__).toHaveLength(1);
    const rest = await collect(b.runs.stream(t.thread_id, 'careful', { command: { resume: 'approve' } }));
    expect((rest[0]?.data as { run_id: string }).run_id).toBe(runId);
    expect((rest.at(-1)?.data as Values).messages[2]?.content).toContain('"value":42');
    await a.runs.wait(t.thread_id, 'careful', { input: human('/tool calculator {"expression":"1"}') });
    const waiting = (await b.threads.get(t.thread_id)) as { status: string; interrupts: Record<string, unknown[]> };
    expect(waiting.status).toBe('interrupted');
    const [pending] = Object.keys(waiting.interrupts);
    await b.runs.cancel(t.thread_id, pending as string, true);
    expect((await a.runs.get(t.thread_id, pending as string)).status).toBe('interrupted');
    expect((await a.threads.get(t.thread_id)).status).toBe('idle');
  });
});
