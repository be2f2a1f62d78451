/** `/ws` conversations with the real `ws` client on the offline model (docs/gateway-websocket.md). */
import { describe, expect, it } from 'vitest';
import { startFrame, startNode, type TestNode, wsCleanup } from './ws-fixture.js';

let node: TestNode | undefined;
const connect = wsCleanup(
  () => node,
  () => (node = undefined),
);

function seqs(frames: Record<string, unknown>[]): number[] {
  return frames.map((f) => f['seq'] as number);
}

describe('/ws conversations', () => {
  it('welcomes, starts a run, streams gap-free events and completes with the answer', async () => {
    node = await startNode();
    const c = await connect(node);
    const welcome = await c.type('welcome');
    expect(welcome).toMatchObject({ type: 'welcome', node: node.system.node, tenant: 'default' });
    expect(typeof welcome['session']).toBe('string');
    c.send(startFrame('r1', 'assistant', 'hello there'));
    const created = await c.type('run.created');
    expect(created).toMatchObject({ id: 'r1', run_id: expect.any(String), thread_id: expect.any(String) });
    const frames = await c.run(created['run_id'] as string);
    expect(seqs(frames)).toEqual(frames.map((_, i) => i + 1));
    const end = frames.at(-1)!;
    expect(end['type']).toBe('run.completed');
    expect(end['output']).toContain('hello there');
    const tokens = frames
      .filter((f) => f['event'] === 'token')
      .map((f) => (f['data'] as { text: string }).text)
      .join('');
    expect(tokens).toBe(end['output']);
    // run.created comes before every event of the run
    const all = c.frames.filter((f) => f['run_id'] === created['run_id']);
    expect(all[0]?.['type']).toBe('run.created');
  });

  it('runs tools, hands off, and continues a thread', async () => {
    node = await startNode();
    const c = await connect(node);
    c.send(startFrame('t', 'assistant', '/tool add {"a":2,"b":40}'));
    const created = await c.type('run.created');
    const frames = await c.run(created['run_id'] as string);
    expect(frames.some((f) => f['event'] === 'tool_call')).toBe(true);
    expect(frames.find((f) => f['event'] === 'tool_result')?.['data']).toMatchObject({ name: 'add', content: '42' });
    expect(frames.at(-1)).toMatchObject({ type: 'run.completed' });
    expect(seqs(frames)).toEqual(frames.map((_, i) => i + 1));

    c.send(startFrame('h', 'triage', '/handoff billing'));
    const h = await c.type('run.created');
    const hf = await c.run(h['run_id'] as string);
    expect(hf.some((f) => f['event'] === 'handoff')).toBe(true);
    expect(hf.at(-1)).toMatchObject({ type: 'run.completed' });
    expect(seqs(hf)).toEqual(hf.map((_, i) => i + 1));

    c.send(startFrame('again', 'assistant', 'second turn', { thread_id: created['thread_id'] }));
    const again = await c.type('run.created');
    expect(again['thread_id']).toBe(created['thread_id']);
    expect((await c.run(again['run_id'] as string)).at(-1)).toMatchObject({ type: 'run.completed' });
  });

  it('interrupts for approval, resumes with run.resume, and cancels', async () => {
    node = await startNode();
    const c = await connect(node);
    c.send(startFrame('a', 'careful', '/tool add {"a":1,"b":1}'));
    const created = await c.type('run.created');
    const runId = created['run_id'] as string;
    const upTo = await c.run(runId, true);
    const interrupted = upTo.at(-1)!;
    expect(interrupted).toMatchObject({ type: 'run.interrupted', run_id: runId });
    expect(interrupted['interrupt']).toBeDefined();
    c.send({ type: 'run.resume', id: 'res', run_id: runId, resume: { approve: true } });
    const frames = await c.run(runId);
    expect(frames.at(-1)).toMatchObject({ type: 'run.completed' });
    expect(seqs(frames)).toEqual(frames.map((_, i) => i + 1));

    c.send(startFrame('b', 'careful', '/tool add {"a":1,"b":2}'));
    const second = (await c.type('run.created'))['run_id'] as string;
    await c.run(second, true);
    // The thread is held by the interrupted run: another run on it is a conflict.
    const held = (c.frames.find((f) => f['run_id'] === second && f['type'] === 'run.created') as Record<string, unknown>)['thread_id'];
    c.send(startFrame('busy', 'careful', 'again', { thread_id: held }));
    expect(await c.next((f) => f['id'] === 'busy')).toMatchObject({ type: 'error', code: 'conflict' });
    c.send({ type: 'run.cancel', run_id: second });
    const cancelled = await c.run(second);
    expect(cancelled.at(-1)).toMatchObject({ type: 'run.cancelled', run_id: second });
  });

  it('answers bad frames with error frames and keeps the connection open', async () => {
    node = await startNode();
    const c = await connect(node);
    await c.type('welcome');
    c.send('{not json');
    expect(await c.type('error')).toMatchObject({ code: 'bad_request', message: expect.stringContaining('malformed JSON') });
    c.send('[1,2]');
    expect(await c.type('error')).toMatchObject({ code: 'bad_request' });
    c.send({ type: 'nope', id: 'x' });
    expect(await c.type('error')).toMatchObject({ code: 'bad_request', id: 'x', message: expect.stringContaining('unknown frame type') });
    c.send({ type: 'run.start', id: 'w', agent: 42, input: { messages: 'hi' } });
    expect(await c.type('error')).toMatchObject({ code: 'bad_request', id: 'w', message: expect.stringContaining('agent') });
    c.send(startFrame('u', 'nobody', 'hi'));
    expect(await c.type('error')).toMatchObject({ code: 'not_found', id: 'u', message: expect.stringContaining('nobody') });
    c.send({ type: 'run.cancel', run_id: 'no-such-run' });
    expect(await c.type('error')).toMatchObject({ code: 'not_found' });
    c.send(startFrame('t', 'assistant', 'hi', { thread_id: 'no-such-thread' }));
    expect(await c.type('error')).toMatchObject({ code: 'not_found', id: 't' });
    c.send({ type: 'publish', topic: 'run.abc', payload: 1 });
    expect(await c.type('error')).toMatchObject({ code: 'forbidden' });
    c.send({ type: 'subscribe', topic: 'bad topic!' });
    expect(await c.type('error')).toMatchObject({ code: 'bad_request' });
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await c.type('error')).toMatchObject({ code: 'bad_request', message: expect.stringContaining('binary') });
    c.send({ type: 'ping', id: 'p' });
    expect(await c.type('pong')).toEqual({ type: 'pong', id: 'p' });
    expect(c.ws.readyState).toBe(c.ws.OPEN);
  });

  it('relays publish/subscribe within the tenant; unsubscribe stops delivery', async () => {
    node = await startNode();
    const a = await connect(node);
    const b = await connect(node);
    await Promise.all([a.type('welcome'), b.type('welcome')]);
    b.send({ type: 'subscribe', topic: 'chat.*' });
    b.send({ type: 'ping' });
    await b.type('pong');
    a.send({ type: 'publish', topic: 'chat.room1', payload: { text: 'hi b' } });
    const m = await b.type('message');
    expect(m).toMatchObject({ type: 'message', topic: 'chat.room1', payload: { text: 'hi b' } });
    expect(String(m['from'])).toMatch(/^client\//);
    b.send({ type: 'unsubscribe', topic: 'chat.*' });
    b.send({ type: 'ping', id: 'u' });
    await b.next((f) => f['id'] === 'u');
    a.send({ type: 'publish', topic: 'chat.room1', payload: 'after' });
    a.send({ type: 'ping', id: 'sync' });
    await a.next((f) => f['id'] === 'sync');
    await new Promise((r) => setTimeout(r, 50));
    expect(b.frames.filter((f) => f['type'] === 'message')).toHaveLength(1);
  });
});
