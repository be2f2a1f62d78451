/**
 * ACP human-in-the-loop, busy threads, tenancy and bad input, with both LangGraph SDK lines:
 * an agent whose calculator calls need approval interrupts the run (`__interrupt__` in the
 * stream, thread `interrupted` with its interrupts), and `command: {resume}` approves, edits or
 * rejects the call on the same run; another tenant's ids are 404; malformed or mistyped bodies
 * are 4xx `{detail}` that the SDKs surface.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_CREATE } from '../../protocols/index.js';
import { collect, httpError, human, LINES, startAcp, type AcpFixture, type AnyClient, type Values } from './acp-fixture.js';

let fx: AcpFixture;
beforeAll(async () => {
  fx = await startAcp();
});
afterAll(async () => {
  await fx.close();
});

const CALC = (expression: string) => human(`/tool calculator ${JSON.stringify({ expression })}`);

/** Raw HTTP, for what the SDKs never send. */
async function raw(
  method: string,
  path: string,
  body?: string,
  tenant = 'default',
): Promise<{ status: number; json: { detail?: string } }> {
  const res = await fetch(`${fx.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-api-key': fx.keyOf(tenant) },
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  return { status: res.status, json: (text === '' ? {} : JSON.parse(text)) as { detail?: string } };
}

describe.each(LINES)('LangGraph SDK %s', (_line, Ctor) => {
  const client = (tenant = 'default'): AnyClient => new Ctor({ apiUrl: fx.url, apiKey: fx.keyOf(tenant) }) as AnyClient;

  /** Starts a careful run that stops at the approval; returns the thread, run and interrupt. */
  async function interrupted(c: AnyClient, expression = '2+3') {
    const t = await c.threads.create();
    const events = await collect(c.runs.stream(t.thread_id, 'careful', { input: CALC(expression), streamMode: ['values', 'updates'] }));
    const runId = (events[0]?.data as { run_id: string }).run_id;
    const last = events.filter((e) => e.event === 'values').at(-1)?.data as Values;
    return { t, runId, events, interrupt: last.__interrupt__?.[0] };
  }

  it('interrupts for approval the way LangGraph does, and shows it on the thread', async () => {
    const c = client();
    const { t, runId, events, interrupt } = await interrupted(c);
    expect(interrupt?.value).toMatchObject({ kind: 'approval', tool_call: { name: 'calculator', arguments: { expression: '2+3' } } });
    expect(events.some((e) => e.event === 'updates' && '__interrupt__' in (e.data as object))).toBe(true);
    const thread = await c.threads.get(t.thread_id);
    expect(thread.status).toBe('interrupted');
    expect(Object.values(thread.interrupts).flat()[0]).toMatchObject({ id: interrupt?.id, value: interrupt?.value });
    const state = await c.threads.getState(t.thread_id);
    expect(state.next).toEqual(['tools']);
    expect(state.tasks[0]?.interrupts[0]).toMatchObject({ id: interrupt?.id });
    expect((await c.runs.get(t.thread_id, runId)).status).toBe('interrupted');
    await httpError(c.runs.create(t.thread_id, 'careful', { input: human('something else') }), 409, 'interrupt');
    const waited = (await c.runs.join(t.thread_id, runId)) as unknown as Values;
    expect(waited.__interrupt__?.[0]?.id).toBe(interrupt?.id);
  });

  it('resumes with command.resume: approve streams the rest of the same run', async () => {
    const c = client();
    const { t, runId } = await interrupted(c, '2+3');
    const events = await collect(
      c.runs.stream(t.thread_id, 'careful', { command: { resume: true }, streamMode: ['values', 'messages-tuple'] }),
    );
    expect((events[0]?.data as { run_id: string }).run_id).toBe(runId);
    const final = events.filter((e) => e.event === 'values').at(-1)?.data as Values;
    expect(final.messages.map((m) => m.type)).toEqual(['human', 'ai', 'tool', 'ai']);
    expect(final.messages[2]?.content).toContain('"value":5');
    expect(events.some((e) => e.event === 'messages' && (e.data as [{ type: string }])[0].type === 'tool')).toBe(true);
    expect((await c.threads.get(t.thread_id)).status).toBe('idle');
    expect((await c.runs.get(t.thread_id, runId)).status).toBe('success');
    await httpError(c.runs.wait(t.thread_id, 'careful', { command: { resume: true } }), 409, 'no run waiting');
  });

  it('resumes with edited arguments, a LangChain HITL decision, or a rejection', async () => {
    const c = client();
    const edit = await interrupted(c, '1+1');
    const edited = (await c.runs.wait(edit.t.thread_id, 'careful', {
      command: { resume: { approve: true, arguments: { expression: '10*10' } } },
    })) as Values;
    expect(edited.messages[2]?.content).toContain('"value":100');
    const decision = await interrupted(c, '3*3');
    const decided = (await c.runs.wait(decision.t.thread_id, 'careful', {
      command: { resume: { decisions: [{ type: 'approve' }] } },
    })) as Values;
    expect(decided.messages[2]?.content).toContain('"value":9');
    const reject = await interrupted(c, '4*4');
    await httpError(c.runs.wait(reject.t.thread_id, 'careful', { command: { resume: 'perhaps' } }), 422, 'approve');
    const rejected = (await c.runs.wait(reject.t.thread_id, 'careful', {
      command: { resume: { approve: false, reason: 'not today' } },
    })) as Values;
    expect(rejected.messages[2]).toMatchObject({ type: 'tool', content: 'rejected by a human: not today' });
    expect(rejected.messages.at(-1)?.type).toBe('ai');
  });

  it('resumes a run started outside ACP (straight to the agent) from its checkpoint', async () => {
    const c = client();
    const warm = await interrupted(c, '0');
    await c.runs.wait(warm.t.thread_id, 'careful', { command: { resume: false } });
    const threadId = crypto.randomUUID();
    await fx.system
      .ref('agent/careful', 'default')
      .ask(RUN_CREATE, { thread_id: threadId, input: { messages: [{ role: 'user', content: '/tool calculator {"expression":"8*8"}' }] } });
    let status = '';
    for (let i = 0; i < 100 && status !== 'interrupted'; i++) {
      status = (await c.threads.get(threadId)).status;
      if (status !== 'interrupted') await new Promise((r) => setTimeout(r, 10));
    }
    expect(status).toBe('interrupted');
    const events = await collect(c.runs.stream(threadId, 'careful', { command: { resume: 'approve' }, streamMode: 'values' }));
    const final = events.filter((e) => e.event === 'values').at(-1)?.data as Values;
    expect(final.messages.map((m) => m.type)).toEqual(['human', 'ai', 'tool', 'ai']);
    expect(final.messages[2]?.content).toContain('"value":64');
    expect((await c.threads.getState<Values>(threadId)).values.messages).toEqual(final.messages);
  });

  it('a run that waits for approval answers wait() with __interrupt__', async () => {
    const c = client();
    const t = await c.threads.create();
    const out = (await c.runs.wait(t.thread_id, 'careful', { input: CALC('7-2') })) as Values;
    expect(out.__interrupt__?.[0]?.value.tool_call.name).toBe('calculator');
    expect(out.messages.map((m) => m.type)).toEqual(['human', 'ai']);
    const done = (await c.runs.wait(t.thread_id, 'careful', { command: { resume: 'approve' } })) as Values;
    expect(done.messages[2]?.content).toContain('"value":5');
  });

  it('keeps tenants apart: another tenant gets 404 for every id, and sees nothing in searches', async () => {
    const a = client('acme');
    const b = client('globex');
    const t = await a.threads.create({ metadata: { owner: 'acme' } });
    const run = await a.runs.create(t.thread_id, 'assistant', { input: human('secret') });
    await a.runs.join(t.thread_id, run.run_id);
    await httpError(b.threads.get(t.thread_id), 404);
    await httpError(b.threads.getState(t.thread_id), 404);
    await httpError(b.threads.getHistory(t.thread_id), 404);
    await httpError(b.threads.update(t.thread_id, { metadata: { owner: 'globex' } }), 404);
    await httpError(b.threads.delete(t.thread_id), 404);
    await httpError(b.runs.get(t.thread_id, run.run_id), 404);
    await httpError(b.runs.list(t.thread_id), 404);
    await httpError(b.runs.join(t.thread_id, run.run_id), 404);
    await httpError(collect(b.runs.joinStream(t.thread_id, run.run_id)), 404);
    await httpError(b.runs.cancel(t.thread_id, run.run_id), 404);
    await httpError(b.runs.wait(t.thread_id, 'assistant', { input: human('mine now') }), 404);
    expect((await b.threads.search({ metadata: { owner: 'acme' } })).length).toBe(0);
    expect((await a.threads.get(t.thread_id)).metadata).toMatchObject({ owner: 'acme' });
    expect((await a.threads.getState<Values>(t.thread_id)).values.messages.at(-1)?.content).toContain('secret');
  });

  it('answers bad input with 4xx {detail} that the SDK surfaces', async () => {
    const c = client();
    const t = await c.threads.create();
    await httpError(c.runs.wait(t.thread_id, 'ghost', { input: human('hi') }), 404, 'ghost');
    await httpError(c.runs.wait(t.thread_id, 'assistant', { input: { messages: 5 } }), 422, 'input.messages[0]');
    await httpError(c.runs.wait(t.thread_id, 'assistant', { input: { messages: [{ type: 'tool', content: 'x' }] } }), 422, 'tool messages');
    await httpError(c.runs.wait(t.thread_id, 'assistant', { input: { messages: [] } }), 422, 'empty');
    await httpError(
      c.runs.create(t.thread_id, 'assistant', { input: human('x'), multitaskStrategy: 'enqueue' }),
      422,
      'multitask_strategy',
    );
    await httpError(c.runs.wait(t.thread_id, 'assistant', { input: human('x'), interruptBefore: ['tools'] }), 422, 'interrupt_before');
    await httpError(c.runs.create(t.thread_id, 'assistant', { input: human('x'), afterSeconds: 5 }), 422, 'after_seconds');
    await httpError(c.runs.create(t.thread_id, 'assistant', { input: human('x'), webhook: 'http://127.0.0.1:9/hook' }), 422, 'webhooks');
    await httpError(c.threads.create({ ttl: 5 }), 422, 'TTL');
    await httpError(
      collect(c.runs.stream(t.thread_id, 'assistant', { input: human('x'), streamMode: 'nonsense' as never })),
      422,
      'stream_mode',
    );
    await httpError(c.runs.wait(crypto.randomUUID(), 'assistant', { input: human('x') }), 404, 'thread');
    await httpError(c.threads.get('not.an.id'), 422, 'thread_id');
    await httpError(c.assistants.create({ graphId: 'assistant' }), 405);
    await httpError((new Ctor({ apiUrl: fx.url, apiKey: 'trp_not-a-key' }) as AnyClient).threads.get(t.thread_id), 401);
    await httpError((new Ctor({ apiUrl: fx.url, apiKey: null }) as AnyClient).assistants.search(), 401);
    expect((await c.threads.get(t.thread_id)).status).toBe('idle');
  });
});

describe('raw HTTP', () => {
  it('rejects malformed JSON (400), wrong types (422), unknown paths (404) and methods (405) with {detail}', async () => {
    for (const [method, path, body, status] of [
      ['POST', '/threads', '{"metadata": ', 400],
      ['POST', '/threads', '{"metadata": 5}', 422],
      ['POST', '/threads', '{"thread_id": "a b"}', 422],
      ['POST', '/threads/search', '{"limit": "ten"}', 422],
      ['POST', '/runs/wait', '[1, 2]', 422],
      ['POST', '/runs/wait', '{"input": {"messages": "hi"}}', 422],
      ['GET', '/nowhere', undefined, 404],
      ['PUT', '/threads', '{}', 405],
      ['POST', '/threads', 'x'.repeat(2 * 1024 * 1024), 413],
    ] as const) {
      const r = await raw(method, path, body);
      expect(r.status, `${method} ${path} ${String(body).slice(0, 40)}`).toBe(status);
      expect(typeof r.json.detail).toBe('string');
    }
    expect((await raw('POST', '/runs/wait', '{"assistant_id": "assistant", "input": {"messages": "hi"}}')).status).toBe(200);
    const made = await fetch(`${fx.url}/threads`, { method: 'POST', headers: { 'x-api-key': fx.keyOf('default') } });
    const threadId = ((await made.json()) as { thread_id: string }).thread_id;
    const run = await fetch(`${fx.url}/threads/${threadId}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': fx.keyOf('default') },
      body: '{"assistant_id": "assistant", "input": {"messages": "hi"}}',
    });
    const runId = ((await run.json()) as { run_id: string }).run_id;
    expect(run.headers.get('content-location')).toBe(`/acp/threads/${threadId}/runs/${runId}`);
  });
});
