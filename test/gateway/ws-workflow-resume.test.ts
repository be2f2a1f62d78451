/**
 * `/ws` resume of workflow runs (docs/workflows.md, "Clients"): a client drops mid-run and reconnects to another node
 * of the mesh with `hello.resume {run_id, after_seq}`; it gets every later workflow event in order, exactly once, then
 * the rest live — also while the run is still moving. Another tenant's run is not found. Two nodes share one
 * MemoryHub (the mesh) and one MemoryStorage (the journal), each with its own gateway and real `ws` clients.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_AGENTS } from '../../config/index.js';
import { MemoryHub, MemoryStorage } from '../../runtime/index.js';
import { Gateway, generateApiKey } from '../../gateway/index.js';
import { SUPPORT_FLOW_YAML } from '../workflow/fixtures.js';
import { WsClient, startFrame } from './ws-fixture.js';
import { CHAIN, workflowMesh } from './workflow-fixture.js';

const config = { agents: DEFAULT_AGENTS, workflows: [parse(SUPPORT_FLOW_YAML) as unknown, CHAIN] };
const acme = generateApiKey();
const globex = generateApiKey();
const auth = {
  keys: [
    { id: 'a', hash: acme.hash, tenant: 'acme', roles: ['user'] as const },
    { id: 'g', hash: globex.hash, tenant: 'globex', roles: ['user'] as const },
  ],
};

const stops: (() => Promise<void>)[] = [];
const clients: WsClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  for (const s of stops.splice(0).reverse()) await s();
});

async function node(hub: MemoryHub, storage: MemoryStorage, name: string): Promise<string> {
  const fx = await workflowMesh(config, { hub, storage, node: name });
  const gateway = await Gateway.start({ deps: fx.deps, port: 0, auth, warn: () => undefined });
  stops.push(async () => {
    await gateway.close();
    await fx.close();
  });
  return gateway.url.replace(/^http/, 'ws') + '/ws';
}

async function twoNodes(): Promise<[string, string]> {
  const [hub, storage] = [new MemoryHub(), new MemoryStorage()];
  return [await node(hub, storage, 'node-a'), await node(hub, storage, 'node-b')];
}

async function connect(url: string, key = acme.key): Promise<WsClient> {
  const c = await WsClient.connect(url, { authorization: `Bearer ${key}` });
  clients.push(c);
  await c.type('welcome');
  return c;
}

/** The numbered frames of a run (tokens carry no seq). */
const numbered = (frames: Record<string, unknown>[]) => frames.filter((f) => typeof f['seq'] === 'number');
const seqOf = (frames: Record<string, unknown>[]): number[] => numbered(frames).map((f) => f['seq'] as number);
const upTo = (last: number, from = 1) => Array.from({ length: last - from + 1 }, (_, i) => from + i);

describe('/ws resume of a workflow run', () => {
  it('resumes on another node after a drop: the events after after_seq once, in order, then live to the end', async () => {
    const [a, b] = await twoNodes();
    const c1 = await connect(a);
    c1.send(startFrame('s', 'support-flow', 'my bill is wrong'));
    const runId = (await c1.type('run.created', 20_000))['run_id'] as string;
    const before = numbered(await c1.run(runId, true, 20_000));
    expect(before.at(-1)).toMatchObject({ type: 'run.interrupted', interrupt: { step: 'review' } });
    expect(seqOf(before)).toEqual(upTo(before.length));
    const lastSeen = 3;
    c1.ws.terminate();
    await c1.closed;

    const c2 = await WsClient.connect(b);
    clients.push(c2);
    c2.send({ type: 'hello', token: acme.key, resume: { run_id: runId, after_seq: lastSeen } });
    await c2.type('welcome');
    const replayed = numbered(await c2.run(runId, true, 20_000));
    expect(seqOf(replayed)).toEqual(seqOf(before).filter((s) => s > lastSeen));
    expect(replayed).toEqual(before.filter((f) => (f['seq'] as number) > lastSeen));

    // The answer goes through node b; the rest streams live to c2, continuing the numbering with no gap.
    c2.send({ type: 'run.resume', id: 'go', run_id: runId, resume: { approve: true } });
    const all = numbered(await c2.run(runId, false, 20_000));
    expect(seqOf(all)).toEqual(upTo(all.length + lastSeen, lastSeen + 1));
    expect(all.at(-1)).toMatchObject({ type: 'run.completed', output: { answer: expect.stringContaining('bill') } });
    expect(c2.frames.filter((f) => f['type'] === 'error')).toEqual([]);

    // A finished run replays whole from the journal, on either node.
    const c3 = await WsClient.connect(a);
    clients.push(c3);
    c3.send({ type: 'hello', token: acme.key, resume: { run_id: runId, after_seq: 0 } });
    const whole = numbered(await c3.run(runId, false, 20_000));
    expect(seqOf(whole)).toEqual(upTo(whole.length));
    expect(whole.slice(lastSeen)).toEqual(all);
  });

  it('resumes a run while it is moving, with no gap and no duplicate', async () => {
    const [a, b] = await twoNodes();
    const c1 = await connect(a);
    c1.send(startFrame('s', 'chain', 'go'));
    const runId = (await c1.type('run.created', 20_000))['run_id'] as string;
    const first = await c1.next((f) => f['run_id'] === runId && typeof f['seq'] === 'number' && (f['seq'] as number) >= 5, 20_000);
    const lastSeen = first['seq'] as number;
    c1.ws.terminate();

    const c2 = await WsClient.connect(b);
    clients.push(c2);
    c2.send({ type: 'hello', token: acme.key, resume: { run_id: runId, after_seq: lastSeen } });
    const rest = numbered(await c2.run(runId, false, 30_000));
    const seqs = seqOf(rest);
    expect(seqs).toEqual(upTo(lastSeen + seqs.length, lastSeen + 1));
    expect(rest.at(-1)).toMatchObject({ type: 'run.completed' });
    expect(rest.filter((f) => f['event'] === 'step.completed')).toHaveLength(
      25 -
        numbered(c1.frames.filter((f) => f['run_id'] === runId && (f['seq'] as number) <= lastSeen)).filter(
          (f) => f['event'] === 'step.completed',
        ).length,
    );
    expect(c2.frames.filter((f) => f['type'] === 'error')).toEqual([]);
  });

  it("another tenant's workflow run is not found", async () => {
    const [a] = await twoNodes();
    const c1 = await connect(a);
    c1.send(startFrame('s', 'support-flow', 'the app crashes'));
    const runId = (await c1.type('run.created', 20_000))['run_id'] as string;
    await c1.run(runId, true, 20_000);
    const other = await WsClient.connect(a);
    clients.push(other);
    other.send({ type: 'hello', token: globex.key, resume: { run_id: runId, after_seq: 0 } });
    expect(await other.type('error', 20_000)).toMatchObject({ code: 'not_found' });
    expect(other.frames.filter((f) => f['run_id'] === runId)).toEqual([]);
  });
});
