/**
 * ACP with the real LangGraph SDK clients, both lines (2.x `@langchain/langgraph-sdk` and 1.x
 * `langgraph-sdk-v1`), unmodified, against the route on a real HTTP server and agents on the
 * offline model: assistants, threads, state and history, runs (wait, stream, join, cancel,
 * stateless), handoff, human-in-the-loop resume, busy threads, tenancy and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, httpError, human, LINES, startAcp, type AcpFixture, type AnyClient, type Msg, type Values } from './acp-fixture.js';

let fx: AcpFixture;
beforeAll(async () => {
  fx = await startAcp();
});
afterAll(async () => {
  await fx.close();
});

describe.each(LINES)('LangGraph SDK %s', (_line, Ctor) => {
  const client = (tenant = 'default'): AnyClient => new Ctor({ apiUrl: fx.url, apiKey: fx.keyOf(tenant) }) as AnyClient;

  it('lists, filters and gets assistants (the agents); an unknown one is 404', async () => {
    const c = client();
    const all = await c.assistants.search({ limit: 100 });
    expect(all.map((a) => a.assistant_id).sort()).toEqual(['assistant', 'billing', 'brief', 'careful', 'slow', 'triage']);
    for (const a of all) {
      expect(a.graph_id).toBe(a.assistant_id);
      expect(a.name).toBe(a.assistant_id);
      expect(typeof a.created_at).toBe('string');
      expect(typeof a.updated_at).toBe('string');
      expect(a.config).toBeTypeOf('object');
      expect(a.metadata).toBeTypeOf('object');
    }
    expect((await c.assistants.search({ graphId: 'careful' })).map((a) => a.assistant_id)).toEqual(['careful']);
    expect(await c.assistants.search({ limit: 2, offset: 1 })).toHaveLength(2);
    const one = await c.assistants.get('assistant');
    expect(one).toMatchObject({ assistant_id: 'assistant', graph_id: 'assistant', metadata: { tools: ['calculator', 'clock'] } });
    const graph = await c.assistants.getGraph('assistant');
    expect(graph.nodes.map((n) => n.id)).toContain('agent');
    expect((await c.assistants.getSchemas('assistant')).graph_id).toBe('assistant');
    await httpError(c.assistants.get('nobody'), 404, 'nobody');
  });

  it('creates, reads, updates, searches and deletes threads', async () => {
    const c = client();
    const tag = `t${Math.random().toString(16).slice(2)}`;
    const a = await c.threads.create({ metadata: { tag, n: 1 } });
    expect(a).toMatchObject({ status: 'idle', metadata: { tag, n: 1 }, values: { messages: [] }, interrupts: {} });
    const id = crypto.randomUUID();
    const b = await c.threads.create({ threadId: id, metadata: { tag } });
    expect(b.thread_id).toBe(id);
    await httpError(c.threads.create({ threadId: id }), 409);
    expect((await c.threads.create({ threadId: id, ifExists: 'do_nothing' })).thread_id).toBe(id);
    expect((await c.threads.get(a.thread_id)).metadata).toMatchObject({ tag, n: 1 });
    expect((await c.threads.update(a.thread_id, { metadata: { n: 2, extra: 'x' } })).metadata).toMatchObject({ tag, n: 2, extra: 'x' });
    const found = await c.threads.search({ metadata: { tag } });
    expect(found.map((t) => t.thread_id).sort()).toEqual([a.thread_id, id].sort());
    expect((await c.threads.search({ metadata: { tag, n: 2 } })).map((t) => t.thread_id)).toEqual([a.thread_id]);
    expect(await c.threads.search({ metadata: { tag }, limit: 1 })).toHaveLength(1);
    expect(await c.threads.count({ metadata: { tag } })).toBe(2);
    expect(await c.assistants.count({ graphId: 'careful' })).toBe(1);
    await c.threads.delete(id);
    await httpError(c.threads.get(id), 404);
    await httpError(c.threads.delete(id), 404);
  });

  it('waits for a run, then shows the thread state, history and runs', async () => {
    const c = client();
    const t = await c.threads.create();
    const out = (await c.runs.wait(t.thread_id, 'assistant', { input: human('hello there') })) as Values;
    expect(out.messages.map((m) => m.type)).toEqual(['human', 'ai']);
    expect(out.messages[1]?.content).toContain('you said: hello there');
    const state = await c.threads.getState<Values>(t.thread_id);
    expect(state.values.messages.map((m) => m.id)).toEqual(out.messages.map((m) => m.id));
    expect(state.next).toEqual([]);
    expect(state.checkpoint.thread_id).toBe(t.thread_id);
    expect(typeof state.checkpoint.checkpoint_id).toBe('string');
    const again = (await c.runs.wait(t.thread_id, 'assistant', { input: { messages: [{ role: 'user', content: 'second' }] } })) as Values;
    expect(again.messages.map((m) => m.type)).toEqual(['human', 'ai', 'human', 'ai']);
    expect(again.messages[0]?.id).toBe(out.messages[0]?.id);
    const history = await c.threads.getHistory<Values>(t.thread_id, { limit: 100 });
    expect(history.length).toBeGreaterThanOrEqual(2);
    expect(history[0]?.values.messages).toHaveLength(4);
    expect(history.at(-1)?.values.messages.length).toBeLessThan(4);
    const older = await c.threads.getHistory<Values>(t.thread_id, {
      before: { configurable: { checkpoint_id: history[0]?.checkpoint.checkpoint_id } } as never,
    });
    expect(older[0]?.checkpoint.checkpoint_id).toBe(history[1]?.checkpoint.checkpoint_id);
    expect((await c.threads.getState<Values>(t.thread_id, history[1]?.checkpoint.checkpoint_id as string)).checkpoint.checkpoint_id).toBe(
      history[1]?.checkpoint.checkpoint_id,
    );
    const runs = await c.runs.list(t.thread_id);
    expect(runs).toHaveLength(2);
    expect(runs.every((r) => r.status === 'success' && r.assistant_id === 'assistant' && r.thread_id === t.thread_id)).toBe(true);
    expect((await c.runs.get(t.thread_id, runs[0]?.run_id as string)).run_id).toBe(runs[0]?.run_id);
    expect((await c.threads.get(t.thread_id)).status).toBe('idle');
  });

  it('streams tokens as messages-tuple chunks and the state as values, metadata first', async () => {
    const c = client();
    const t = await c.threads.create();
    let created: { run_id: string; thread_id?: string } | undefined;
    const events = await collect(
      c.runs.stream(t.thread_id, 'assistant', {
        input: human('stream me please'),
        streamMode: ['values', 'messages-tuple'],
        onRunCreated: (m) => (created = m),
      }),
    );
    expect(events[0]?.event).toBe('metadata');
    const runId = (events[0]?.data as { run_id: string }).run_id;
    expect(created).toEqual({ run_id: runId, thread_id: t.thread_id });
    const chunks = events.filter((e) => e.event === 'messages').map((e) => e.data as [Msg, Record<string, unknown>]);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.every(([m, meta]) => m.type === 'AIMessageChunk' && meta['langgraph_node'] === 'agent' && meta['run_id'] === runId)).toBe(
      true,
    );
    const last = events.filter((e) => e.event === 'values').at(-1)?.data as Values;
    const ai = last.messages.at(-1) as Msg;
    expect(ai.type).toBe('ai');
    expect(chunks.map(([m]) => m.content).join('')).toBe(ai.content);
    expect(new Set(chunks.map(([m]) => m.id))).toEqual(new Set([ai.id]));
    expect(events.findIndex((e) => e.event === 'messages')).toBeGreaterThan(events.findIndex((e) => e.event === 'values'));
    expect((await c.runs.get(t.thread_id, runId)).status).toBe('success');
  });

  it('streams tool calls and results (values, updates, messages) and honours a single stream mode', async () => {
    const c = client();
    const t = await c.threads.create();
    const events = await collect(
      c.runs.stream(t.thread_id, 'assistant', {
        input: human('/tool calculator {"expression":"6*7"}'),
        streamMode: ['updates', 'messages-tuple', 'values', 'custom'],
      }),
    );
    const updates = events.filter((e) => e.event === 'updates').map((e) => e.data as Record<string, { messages: Msg[] }>);
    expect(updates.map((u) => Object.keys(u)[0])).toEqual(['agent', 'tools', 'agent']);
    const call = updates[0]?.['agent']?.messages[0]?.tool_calls?.[0];
    expect(call).toMatchObject({ name: 'calculator', args: { expression: '6*7' } });
    expect(updates[1]?.['tools']?.messages[0]).toMatchObject({
      type: 'tool',
      tool_call_id: call?.id,
      content: expect.stringContaining('42') as unknown,
    });
    const final = events.filter((e) => e.event === 'values').at(-1)?.data as Values;
    expect(final.messages.map((m) => m.type)).toEqual(['human', 'ai', 'tool', 'ai']);
    expect(events.filter((e) => e.event === 'custom').map((e) => (e.data as { event: string }).event)).toEqual(
      expect.arrayContaining(['tool_call', 'tool_result', 'status']),
    );
    const onlyValues = await collect(c.runs.stream(t.thread_id, 'assistant', { input: human('plain'), streamMode: 'values' }));
    expect(new Set(onlyValues.map((e) => e.event))).toEqual(new Set(['metadata', 'values']));
    const legacy = await collect(c.runs.stream(t.thread_id, 'assistant', { input: human('partial please'), streamMode: 'messages' }));
    expect(legacy.map((e) => e.event)).toEqual(expect.arrayContaining(['messages/metadata', 'messages/partial', 'messages/complete']));
  });

  it('creates a run in the background, joins it, and joins its stream again later', async () => {
    const c = client();
    const t = await c.threads.create();
    const run = await c.runs.create(t.thread_id, 'assistant', { input: human('in the background'), metadata: { origin: 'test' } });
    expect(run).toMatchObject({ thread_id: t.thread_id, assistant_id: 'assistant', multitask_strategy: 'reject' });
    const joined = (await c.runs.join(t.thread_id, run.run_id)) as unknown as Values;
    expect(joined.messages.at(-1)?.content).toContain('in the background');
    const got = await c.runs.get(t.thread_id, run.run_id);
    expect(got.status).toBe('success');
    expect(got.metadata).toMatchObject({ origin: 'test' });
    const replay = await collect(c.runs.joinStream(t.thread_id, run.run_id, { streamMode: ['values', 'messages-tuple'] }));
    expect(replay[0]?.event).toBe('metadata');
    expect((replay.filter((e) => e.event === 'values').at(-1)?.data as Values).messages).toEqual(joined.messages);
    const fromStart = await collect(
      c.runs.joinStream(t.thread_id, run.run_id, { lastEventId: '-1', streamMode: ['values', 'messages-tuple'] }),
    );
    expect(fromStart).toEqual(replay);
    const lastId = replay.filter((e) => e.id !== undefined).at(-3)?.id as string;
    const tail = await collect(
      c.runs.joinStream(t.thread_id, run.run_id, { lastEventId: lastId, streamMode: ['values', 'messages-tuple'] }),
    );
    expect(tail).toEqual(replay.slice(replay.findIndex((e) => e.id === lastId) + 1));
    expect(tail.some((e) => e.event === 'metadata')).toBe(false);
  });

  it('cancels a running run (202), which then shows as interrupted and frees the thread', async () => {
    const c = client();
    const t = await c.threads.create();
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const run = await c.runs.create(t.thread_id, 'slow', { input: human(words) });
    await httpError(c.runs.create(t.thread_id, 'assistant', { input: human('me too') }), 409, 'busy');
    await c.runs.cancel(t.thread_id, run.run_id);
    await c.runs.join(t.thread_id, run.run_id);
    expect((await c.runs.get(t.thread_id, run.run_id)).status).toBe('interrupted');
    expect((await c.threads.get(t.thread_id)).status).toBe('idle');
    await httpError(c.runs.cancel(t.thread_id, run.run_id), 409);
    const after = (await c.runs.wait(t.thread_id, 'assistant', { input: human('now me') })) as Values;
    expect(after.messages.at(-1)?.content).toContain('now me');
  });

  it('runs stateless: wait and stream without a thread, whose thread is gone afterwards', async () => {
    const c = client();
    const out = (await c.runs.wait(null, 'assistant', { input: human('no thread') })) as Values;
    expect(out.messages.map((m) => m.type)).toEqual(['human', 'ai']);
    let created: { run_id: string; thread_id?: string } | undefined;
    const events = await collect(
      c.runs.stream(null, 'assistant', { input: human('stateless stream'), streamMode: 'values', onRunCreated: (m) => (created = m) }),
    );
    expect(created?.run_id).toBe((events[0]?.data as { run_id: string }).run_id);
    const threadId = (events[0]?.data as { thread_id: string }).thread_id;
    expect((events.at(-1)?.data as Values).messages.at(-1)?.content).toContain('stateless stream');
    await httpError(c.threads.get(threadId), 404);
  });

  it('hands off: the specialist answers on the same run and thread', async () => {
    const c = client();
    const t = await c.threads.create();
    const out = (await c.runs.wait(t.thread_id, 'triage', { input: human('/handoff billing') })) as Values;
    expect(out.messages.map((m) => m.type)).toEqual(['human', 'ai', 'tool', 'ai']);
    expect(out.messages[2]?.content).toBe('transferred to billing');
    expect((await c.threads.getState<Values>(t.thread_id)).values.messages).toEqual(out.messages);
  });

  it('reports a failed run: wait throws its error, the stream ends with an error event, run and thread show error', async () => {
    const c = client();
    const t = await c.threads.create();
    const failed = await c.runs.wait(t.thread_id, 'brief', { input: human('/tool calculator {"expression":"1+1"}') }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(failed?.message).toContain('max turns exceeded');
    const raw = (await c.runs.wait(t.thread_id, 'brief', {
      input: human('/tool calculator {"expression":"2+2"}'),
      raiseError: false,
    })) as unknown as { __error__: { error: string; message: string } };
    expect(raw.__error__.message).toContain('max turns exceeded');
    expect((await c.threads.get(t.thread_id)).status).toBe('error');
    const events = await collect(c.runs.stream(t.thread_id, 'brief', { input: human('/tool calculator {"expression":"3+3"}') }));
    const error = events.at(-1);
    expect(error?.event).toBe('error');
    expect(error?.data).toMatchObject({ error: 'AgentError', message: expect.stringContaining('max turns') as unknown });
    const runs = await c.runs.list(t.thread_id, { status: 'error' });
    expect(runs).toHaveLength(3);
  });

  it('cancel with wait answers once the run stopped; a stream dropped with on_disconnect cancel cancels its run', async () => {
    const c = client();
    const t = await c.threads.create();
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const run = await c.runs.create(t.thread_id, 'slow', { input: human(words) });
    await c.runs.cancel(t.thread_id, run.run_id, true);
    expect((await c.runs.get(t.thread_id, run.run_id)).status).toBe('interrupted');
    const abort = new AbortController();
    let runId = '';
    const seen: string[] = [];
    await (async () => {
      for await (const e of c.runs.stream(t.thread_id, 'slow', {
        input: human(words),
        streamMode: 'messages-tuple',
        onDisconnect: 'cancel',
        signal: abort.signal,
      })) {
        if (e.event === 'metadata') runId = (e.data as { run_id: string }).run_id;
        seen.push(e.event);
        if (e.event === 'messages') abort.abort();
      }
    })().catch(() => undefined);
    expect(seen).toContain('messages');
    let status = '';
    for (let i = 0; i < 100 && status !== 'interrupted'; i++) {
      status = (await c.runs.get(t.thread_id, runId)).status;
      if (status !== 'interrupted') await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe('interrupted');
  });

  it('runs stateless in the background; its stream is joined by run id and its thread goes when it ends', async () => {
    const c = client();
    const run = await c.runs.create(null, 'assistant', { input: human('background, no thread') });
    const events = await collect(c.runs.joinStream(null, run.run_id, { streamMode: 'values' }));
    expect((events.at(-1)?.data as Values).messages.at(-1)?.content).toContain('background, no thread');
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      gone = await c.threads.get(run.thread_id).then(
        () => false,
        () => true,
      );
      if (!gone) await new Promise((r) => setTimeout(r, 20));
    }
    expect(gone).toBe(true);
  });

  const checkpointTitle =
    'accepts the thread head as the checkpoint to continue from (as useStream sends it), an older one forks (acp-fork.test.ts); ' +
    'if_not_exists creates the thread';
  it(checkpointTitle, async () => {
    const c = client();
    const t = await c.threads.create();
    await c.runs.wait(t.thread_id, 'assistant', { input: human('first') });
    const oldest = (await c.threads.getHistory(t.thread_id, { limit: 100 })).at(-1)?.checkpoint.checkpoint_id as string;
    const { thread_id: _drop, ...head } = (await c.threads.getState(t.thread_id)).checkpoint;
    const out = (await c.runs.wait(t.thread_id, 'assistant', { input: human('second'), checkpoint: head })) as Values;
    expect(out.messages).toHaveLength(4);
    const forked = (await c.runs.wait(t.thread_id, 'assistant', { input: human('third'), checkpointId: oldest })) as Values;
    expect(forked.messages.map((m) => m.content)).not.toContain('second');
    const fresh = crypto.randomUUID();
    await httpError(c.runs.wait(fresh, 'assistant', { input: human('nobody home') }), 404, fresh);
    const made = (await c.runs.wait(fresh, 'assistant', { input: human('make it'), ifNotExists: 'create' })) as Values;
    expect(made.messages).toHaveLength(2);
    expect((await c.threads.get(fresh)).thread_id).toBe(fresh);
  });

  it('answers a wait longer than a second (headers first, whitespace keep-alive, then the values)', async () => {
    const c = client();
    const t = await c.threads.create();
    const words = Array.from({ length: 16 }, (_, i) => `v${i}`).join(' ');
    const started = Date.now();
    const out = (await c.runs.wait(t.thread_id, 'slow', { input: human(words) })) as Values;
    expect(Date.now() - started).toBeGreaterThan(1_000);
    expect(out.messages.at(-1)?.content).toContain('v15');
  });

  it('deletes a thread a run still holds: the run is cancelled first and the thread stays gone', async () => {
    const c = client();
    const busy = await c.threads.create();
    const words = Array.from({ length: 40 }, (_, i) => `x${i}`).join(' ');
    const run = await c.runs.create(busy.thread_id, 'slow', { input: human(words) });
    const waiting = await c.threads.create();
    expect(
      ((await c.runs.wait(waiting.thread_id, 'careful', { input: human('/tool calculator {"expression":"1"}') })) as Values).__interrupt__,
    ).toHaveLength(1);
    await c.threads.delete(busy.thread_id);
    await c.threads.delete(waiting.thread_id);
    await new Promise((r) => setTimeout(r, 200));
    await httpError(c.threads.get(busy.thread_id), 404);
    await httpError(c.threads.get(waiting.thread_id), 404);
    expect((await c.runs.get(busy.thread_id, run.run_id)).status).toBe('interrupted');
  });
});
