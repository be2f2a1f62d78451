/**
 * Remote agents against a second real Troupe: two `troupe start` processes (offline model). The
 * local one's config has agents whose `remote.card` is the other's agent card; runs on them from
 * /ws and from the LangGraph SDK stream the remote's tokens and end with its answer; a local
 * agent hands off and delegates to one; a remote approval is an interrupt here and resuming
 * answers it; cancelling here cancels the remote task.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Client } from '@langchain/langgraph-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, startCliGateway, type CliGateway } from '../gateway/cli-fixture.js';
import { startFrame, WsClient } from '../gateway/ws-fixture.js';

const dir = `/tmp/troupe-remote-${process.pid}`;
let far: CliGateway;
let near: CliGateway;

/** The agents `troupe start`'s opening demo talks to. */
const DEMO = [
  { name: 'assistant', instructions: 'Help.', tools: ['clock', 'calculator'] },
  { name: 'triage', instructions: 'Route.', handoffs: ['billing'] },
  { name: 'billing', instructions: 'Bill.' },
];

function start(name: string, config: { agents: unknown[] }): Promise<CliGateway> {
  mkdirSync(`${dir}/${name}`, { recursive: true });
  writeFileSync(`${dir}/${name}.json`, JSON.stringify({ agents: [...DEMO, ...config.agents] }));
  const env = cleanEnv({ TROUPE_PORT: '0', TROUPE_DATA_DIR: `${dir}/${name}` });
  return startCliGateway(['start', '--quiet', '--config', `${dir}/${name}.json`], env);
}

beforeAll(async () => {
  far = await start('far', {
    agents: [
      { name: 'echo', description: 'Echoes on the far mesh.', instructions: 'Echo.' },
      { name: 'guarded', instructions: 'Ask first.', tools: ['calculator'], approvals: ['calculator'] },
    ],
  });
  const card = `${far.url}/.well-known/agent-card.json`;
  near = await start('near', {
    agents: [
      { name: 'desk', instructions: 'Route.', handoffs: ['faraway'], delegates: ['faraway'] },
      { name: 'faraway', description: 'The echo agent of another mesh.', remote: { card, skill: 'echo' } },
      { name: 'careful', remote: { card, skill: 'guarded' } },
    ],
  });
}, 60_000);

afterAll(async () => {
  for (const g of [near, far]) {
    g.child.kill('SIGINT');
    await g.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

const ws = (): Promise<WsClient> => WsClient.connect(`${near.url.replace(/^http/, 'ws')}/ws`);
const tokens = (frames: Record<string, unknown>[]): string =>
  frames
    .filter((f) => f['type'] === 'run.event' && f['event'] === 'token')
    .map((f) => (f['data'] as { text: string }).text)
    .join('');

/** One A2A JSON-RPC call on a mesh's `/a2a`. */
async function rpc<T>(mesh: CliGateway, method: string, params: unknown): Promise<T> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  const headers = { 'content-type': 'application/json', 'a2a-version': '1.0' };
  const res = await fetch(`${mesh.url}/a2a`, { method: 'POST', headers, body });
  return ((await res.json()) as { result: T }).result;
}

/** A2A `GetTask` on the far mesh (its task id is its run id). */
const farTask = (id: string): Promise<{ status: { state: string } }> => rpc(far, 'GetTask', { id });

describe('a remote agent behind another Troupe', () => {
  it('runs from /ws: the remote tokens stream here with gap-free seqs and the run completes with its answer', async () => {
    const c = await ws();
    try {
      c.send(startFrame('1', 'faraway', 'hello from near'));
      const runId = (await c.type('run.created', 15_000))['run_id'] as string;
      const frames = await c.run(runId, false, 20_000);
      const end = frames.at(-1) as Record<string, unknown>;
      expect(end).toMatchObject({ type: 'run.completed', output: expect.stringContaining('you said: hello from near') });
      expect(String(end['output'])).toContain('[offline model]');
      expect(tokens(frames)).toBe(end['output']);
      expect(frames.filter((f) => f['event'] === 'token').length).toBeGreaterThan(3);
      const seqs = frames.map((f) => f['seq']).filter((s) => typeof s === 'number');
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    } finally {
      c.ws.terminate();
    }
  }, 30_000);

  it('is an assistant on /acp: the LangGraph SDK streams its message chunks and reads the thread', async () => {
    const c = new Client({ apiUrl: `${near.url}/acp` });
    const assistants = await c.assistants.search({ limit: 100 });
    expect(assistants.map((a) => a.assistant_id).sort()).toEqual(['assistant', 'billing', 'careful', 'desk', 'faraway', 'triage']);
    const t = await c.threads.create();
    const events: { event: string; data: unknown }[] = [];
    const input = { messages: [{ type: 'human', content: 'stream across meshes' }] };
    for await (const e of c.runs.stream(t.thread_id, 'faraway', { input, streamMode: ['values', 'messages-tuple'] })) events.push(e);
    const chunks = events.filter((e) => e.event === 'messages').map((e) => (e.data as [{ content: string }])[0].content);
    expect(chunks.length).toBeGreaterThan(3);
    const state = await c.threads.getState<{ messages: { type: string; content: string }[] }>(t.thread_id);
    const ai = state.values.messages.at(-1);
    expect(ai).toMatchObject({ type: 'ai', content: expect.stringContaining('you said: stream across meshes') });
    expect(chunks.join('')).toBe(ai?.content);
    const [run] = await c.runs.list(t.thread_id);
    expect(run?.status).toBe('success');
    // This mesh's own A2A card offers the remote agent as one of its skills.
    const card = (await (await fetch(`${near.url}/.well-known/agent-card.json`)).json()) as { skills: { id: string }[] };
    expect(card.skills.map((s) => s.id)).toContain('faraway');
    // …and runs it for an A2A client of this mesh: A2A in, A2A out, through this mesh's run contract.
    const message = { messageId: 'm-near-1', role: 'ROLE_USER', parts: [{ text: 'relayed twice' }], metadata: { skill: 'faraway' } };
    type Sent = { task: { status: { state: string }; artifacts: { parts: { text: string }[] }[] } };
    const { task } = await rpc<Sent>(near, 'SendMessage', { message });
    expect(task.status.state).toBe('TASK_STATE_COMPLETED');
    expect(task.artifacts[0]?.parts[0]?.text).toContain('you said: relayed twice');
  }, 30_000);

  it('is a handoff target and a delegate of a local agent', async () => {
    const c = await ws();
    try {
      c.send(startFrame('h', 'desk', '/handoff faraway'));
      const handed = (await c.type('run.created', 15_000))['run_id'] as string;
      const frames = await c.run(handed, false, 20_000);
      expect(frames.find((f) => f['event'] === 'handoff')).toMatchObject({ data: { from: 'desk', to: 'faraway' } });
      const end = frames.at(-1) as Record<string, unknown>;
      expect(end).toMatchObject({ type: 'run.completed', output: expect.stringContaining('handed over to you by another agent') });
      expect(String(end['output'])).toContain('{"role":"user","content":"/handoff faraway"}');
      const seqs = frames.map((f) => f['seq']).filter((s) => typeof s === 'number');
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));

      c.send(startFrame('a', 'desk', '/ask faraway what is the weather there'));
      const asked = (await c.type('run.created', 15_000))['run_id'] as string;
      const done = await c.run(asked, false, 20_000);
      const answer = { name: 'ask_faraway', is_error: false, content: expect.stringContaining('you said: what is the weather there') };
      expect(done.find((f) => f['event'] === 'tool_result')).toMatchObject({ data: answer });
      expect(done.at(-1)).toMatchObject({ type: 'run.completed', output: expect.stringContaining('ask_faraway: [offline model]') });
    } finally {
      c.ws.terminate();
    }
  }, 30_000);

  it('surfaces a remote approval as an interrupt; resuming answers it; cancelling cancels the remote task', async () => {
    const c = await ws();
    try {
      c.send(startFrame('x', 'careful', '/tool calculator {"expression":"6*7"}'));
      const runId = (await c.type('run.created', 15_000))['run_id'] as string;
      const upTo = await c.run(runId, true, 20_000);
      const approval = { kind: 'approval', tool_call: { name: 'calculator', arguments: { expression: '6*7' } } };
      expect(upTo.at(-1)).toMatchObject({ type: 'run.interrupted', interrupt: approval });
      c.send({ type: 'run.resume', id: 'r', run_id: runId, resume: { approve: true } });
      const frames = await c.run(runId, false, 20_000);
      expect(frames.at(-1)).toMatchObject({ type: 'run.completed', output: expect.stringContaining('42') });

      c.send(startFrame('y', 'careful', '/tool calculator {"expression":"1+1"}'));
      const second = (await c.type('run.created', 15_000))['run_id'] as string;
      await c.run(second, true, 20_000);
      const acp = new Client({ apiUrl: `${near.url}/acp` });
      const created = c.frames.find((f) => f['run_id'] === second && f['type'] === 'run.created') as Record<string, unknown>;
      const thread = created['thread_id'] as string;
      const remote = ((await acp.runs.get(thread, second)).metadata as { remote?: { task_id: string } }).remote;
      expect(remote?.task_id).toBeTypeOf('string');
      expect((await farTask(remote?.task_id ?? '')).status.state).toBe('TASK_STATE_INPUT_REQUIRED');
      c.send({ type: 'run.cancel', run_id: second });
      expect((await c.run(second, false, 20_000)).at(-1)).toMatchObject({ type: 'run.cancelled' });
      await expect.poll(async () => (await farTask(remote?.task_id ?? '')).status.state, { timeout: 10_000 }).toBe('TASK_STATE_CANCELED');
    } finally {
      c.ws.terminate();
    }
  }, 45_000);
});
