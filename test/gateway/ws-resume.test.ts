/**
 * Reconnect and resume (docs/gateway-websocket.md, “Resume after a drop”): a client drops mid-run and reconnects to another node
 * with `resume: {run_id, after_seq}`; it gets every later event in order, exactly once. Two nodes
 * share one MemoryHub (the mesh) and one MemoryStorage (the run log), each with its own gateway.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryHub, MemoryStorage } from '../../runtime/index.js';
import { startFrame, startNode, WsClient, type TestNode } from './ws-fixture.js';

const nodes: TestNode[] = [];
const clients: WsClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  for (const n of nodes.splice(0).reverse()) await n.stop();
});

async function twoNodes(): Promise<[TestNode, TestNode]> {
  const hub = new MemoryHub();
  const storage = new MemoryStorage();
  const a = await startNode({ hub, storage, node: 'node-a' });
  nodes.push(a);
  const b = await startNode({ hub, storage, node: 'node-b' });
  nodes.push(b);
  return [a, b];
}

async function connect(n: TestNode): Promise<WsClient> {
  const c = await WsClient.connect(n.url);
  clients.push(c);
  return c;
}

const seqOf = (frames: Record<string, unknown>[]): number[] => frames.map((f) => f['seq'] as number);

describe('/ws resume', () => {
  it('resumes on another node after a drop: every later event once, in order, then live to the end', async () => {
    const [a, b] = await twoNodes();
    const c1 = await connect(a);
    expect(await c1.type('welcome')).toMatchObject({ node: 'node-a' });
    c1.send(startFrame('s', 'careful', '/tool add {"a":20,"b":22}'));
    const runId = (await c1.type('run.created'))['run_id'] as string;
    const before = await c1.run(runId, true);
    expect(before.at(-1)).toMatchObject({ type: 'run.interrupted' });
    const lastSeen = 2;
    c1.ws.terminate();
    await c1.closed;

    const c2 = await connect(b);
    c2.send({ type: 'hello', resume: { run_id: runId, after_seq: lastSeen } });
    expect(await c2.type('welcome')).toMatchObject({ node: 'node-b' });
    const replayed = await c2.run(runId, true);
    expect(seqOf(replayed)).toEqual(seqOf(before).filter((s) => s > lastSeen));
    expect(replayed.at(-1)).toMatchObject({ type: 'run.interrupted' });

    // The answer goes through node b to the agent living on node a; the rest streams live to c2.
    c2.send({ type: 'run.resume', id: 'go', run_id: runId, resume: { approve: true } });
    const all = await c2.run(runId);
    const seqs = seqOf(all);
    expect(seqs).toEqual(seqs.map((_, i) => lastSeen + 1 + i));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(all.at(-1)).toMatchObject({ type: 'run.completed', output: expect.stringContaining('42') });
    expect(c2.frames.filter((f) => f['type'] === 'error')).toEqual([]);

    // A finished run replays whole from the log, on either node.
    const c3 = await connect(a);
    c3.send({ type: 'hello', resume: { run_id: runId, after_seq: 0 } });
    const whole = await c3.run(runId);
    expect(seqOf(whole)).toEqual(whole.map((_, i) => i + 1));
    expect(whole.at(-1)).toMatchObject({ type: 'run.completed' });
  });

  it('resumes a run while it is streaming, with no gap and no duplicate', async () => {
    const [a, b] = await twoNodes();
    const c1 = await connect(a);
    const long = Array.from({ length: 300 }, (_, i) => `w${i}`).join(' ');
    c1.send(startFrame('s', 'assistant', long));
    const runId = (await c1.type('run.created'))['run_id'] as string;
    const first = await c1.next((f) => f['run_id'] === runId && f['type'] === 'run.event' && (f['seq'] as number) >= 5);
    const lastSeen = first['seq'] as number;
    c1.ws.terminate();
    const c2 = await connect(b);
    c2.send({ type: 'hello', resume: { run_id: runId, after_seq: lastSeen } });
    const rest = await c2.run(runId);
    const seqs = seqOf(rest);
    expect(seqs).toEqual(seqs.map((_, i) => lastSeen + 1 + i));
    expect(rest.at(-1)).toMatchObject({ type: 'run.completed' });
  });

  it('says not_found for a run that does not exist', async () => {
    const [a] = await twoNodes();
    const c = await connect(a);
    c.send({ type: 'hello', resume: { run_id: 'no-such-run', after_seq: 0 } });
    await c.type('welcome');
    expect(await c.type('error')).toMatchObject({ code: 'not_found', message: expect.stringContaining('no-such-run') });
  });
});
