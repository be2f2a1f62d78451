/**
 * `troupe start` after a crash (ADR 0007, recovery at start-up): a run killed (SIGKILL) in the middle of a model
 * call that streams slowly from a local OpenAI-compatible server is resumed by the next `troupe start` on the same
 * data dir with no traffic at all — the model is asked again, the run ends, its thread is idle and a `join` started
 * after the restart returns. When the config no longer names the run's agent, the run ends `error` naming it and its
 * thread takes a new run (not 409 busy). A client that saw part of the reply before the crash and resumes (over /ws
 * with `after_seq`, over /acp with `Last-Event-ID`) sees every token once: the new reply's repeat of what it has is
 * held back, a different reply starts with one `rewind`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LmdbStorage } from '../../runtime/lmdb/index.js';
import { RunStore } from '../../actors/agent/index.js';
import { cleanEnv, http, startCliGateway, until, type CliGateway } from '../gateway/cli-fixture.js';
import { oaiText, sse, startServer, type FakeServer } from '../llm/fake-servers.js';
import { WsClient } from '../gateway/ws-fixture.js';

const dirs: string[] = [];
const children: CliGateway[] = [];
let model: FakeServer;
beforeAll(async () => {
  model = await startServer();
});
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await c.exited;
  }
  model.reset();
});
afterAll(async () => {
  await model.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const agent = (name: string) => ({
  name,
  instructions: `Write as ${name}.`,
  provider: 'openai',
  baseUrl: `${model.url}/v1`,
  apiKeyEnv: 'FAKE_KEY',
});

/** A config file naming `agents`, and the env of a `troupe start` on data dir `data`. */
function setup(data: string, agents: string[]): { args: string[]; env: NodeJS.ProcessEnv } {
  const file = join(data, `config-${agents.join('-')}.json`);
  writeFileSync(file, JSON.stringify({ agents: agents.map(agent) }));
  return {
    args: ['start', '--quiet', '--config', file],
    env: cleanEnv({ TROUPE_PORT: '0', TROUPE_DATA_DIR: join(data, 'data'), FAKE_KEY: 'sk-local' }),
  };
}

async function start(data: string, agents: string[]): Promise<CliGateway> {
  const { args, env } = setup(data, agents);
  const c = await startCliGateway(args, env, { compiled: true });
  children.push(c);
  return c;
}

/** Starts a run of `assistant` on a new thread over /acp; resolves once the model server is streaming its answer. */
async function runMidStream(c: CliGateway, assistant: string): Promise<{ threadId: string; runId: string }> {
  const thread = await http('POST', `${c.url}/acp/threads`, {});
  const threadId = thread.json['thread_id'] as string;
  const run = await http('POST', `${c.url}/acp/threads/${threadId}/runs`, {
    assistant_id: assistant,
    input: { messages: [{ role: 'user', content: 'write me a long story' }] },
  });
  expect(run.status).toBe(200);
  await until('the model call', async () => (model.requests.length >= 1 ? true : undefined));
  await new Promise((r) => setTimeout(r, 600)); // a few tokens streamed and logged
  return { threadId, runId: run.json['run_id'] as string };
}

/** Kills `c` with SIGKILL (no clean shutdown: the run is left in flight). */
async function kill(c: CliGateway): Promise<void> {
  c.child.kill('SIGKILL');
  expect(await c.exited).toBe(null);
}

/** Stops `c` cleanly, then reads what storage says of run `runId`. */
async function stored(c: CliGateway, data: string, runId: string) {
  c.child.kill('SIGINT');
  expect(await c.exited).toBe(0);
  const storage = new LmdbStorage(join(data, 'data'));
  try {
    const store = new RunStore(storage);
    return { record: await store.run('default', runId), log: await store.events('default', runId), index: await store.indexedRuns() };
  } finally {
    await storage.close();
  }
}

describe('troupe start resumes the runs a crash left in flight', () => {
  it('with no traffic: the run ends, its thread is idle, a join started after the restart returns', async () => {
    const data = mkdtempSync(join(tmpdir(), 'troupe-recovery-'));
    dirs.push(data);
    // The first answer streams slowly (killed mid-stream); the resumed call gets a slow, complete one.
    model.script(
      sse(oaiText(Array.from({ length: 60 }, (_, i) => `word${i} `)), { gapMs: 150 }),
      sse(oaiText(['The ', 'whole ', 'story ', 'again.']), { gapMs: 300 }),
    );
    const first = await start(data, ['writer']);
    const { threadId, runId } = await runMidStream(first, 'writer');
    await kill(first);
    expect(model.requests).toHaveLength(1);

    const second = await start(data, ['writer']);
    // Nothing is sent to the node: the model being asked again is the recovery's doing.
    await until('the resumed model call', async () => (model.requests.length >= 2 ? true : undefined), 10_000);
    const joined = await http('GET', `${second.url}/acp/threads/${threadId}/runs/${runId}/join`);
    expect(joined.status).toBe(200);
    expect(JSON.stringify(joined.json)).toContain('The whole story again.');
    const run = await http('GET', `${second.url}/acp/threads/${threadId}/runs/${runId}`);
    expect(run.json['status']).toBe('success');
    expect((await http('GET', `${second.url}/acp/threads/${threadId}`)).json['status']).toBe('idle');

    const { record, log, index } = await stored(second, data, runId);
    expect(record.status).toBe('success');
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    expect(log.some((e) => e.event === 'status' && (e.data as { resumed?: number }).resumed === 1)).toBe(true);
    expect(index).toEqual([]);
  }, 120_000);

  it('ends as error a run whose agent the config no longer names, and frees its thread', async () => {
    const data = mkdtempSync(join(tmpdir(), 'troupe-recovery-'));
    dirs.push(data);
    model.script(sse(oaiText(Array.from({ length: 60 }, (_, i) => `word${i} `)), { gapMs: 150 }), sse(oaiText(['Fresh ', 'answer.'])));
    const first = await start(data, ['writer', 'editor']);
    const { threadId, runId } = await runMidStream(first, 'writer');
    await kill(first);

    const second = await start(data, ['editor']);
    const status = await until('the run to end', async () => {
      const s = (await http('GET', `${second.url}/acp/threads/${threadId}/runs/${runId}`)).json['status'] as string;
      return s === 'running' || s === 'pending' ? undefined : s;
    });
    expect(status).toBe('error');
    // The run's record is written before its thread's (actors/agent/recovery.ts abandonRun): wait for the thread too.
    const threadStatus = await until('the thread to leave busy', async () => {
      const s = (await http('GET', `${second.url}/acp/threads/${threadId}`)).json['status'] as string;
      return s === 'busy' ? undefined : s;
    });
    expect(threadStatus).toBe('error');
    const joined = await http('GET', `${second.url}/acp/threads/${threadId}/runs/${runId}/join`);
    expect(joined.status).toBe(200);
    expect(model.requests).toHaveLength(1); // the gone agent's model is not asked again
    // The thread is free: a new run on it is admitted and answers.
    const again = await http('POST', `${second.url}/acp/threads/${threadId}/runs/wait`, {
      assistant_id: 'editor',
      input: { messages: [{ role: 'user', content: 'and now?' }] },
    });
    expect(again.status).toBe(200);
    expect(JSON.stringify(again.json)).toContain('Fresh answer.');

    const { record, log, index } = await stored(second, data, runId);
    expect(record).toMatchObject({ status: 'error', error: expect.stringContaining('agent writer is no longer configured') });
    expect(log.at(-1)).toMatchObject({ event: 'status', data: { status: 'error' } });
    expect(record.last_seq).toBe(log.length);
    expect(index).toEqual([]);
  }, 120_000);
});

type Frame = Record<string, unknown>;

/** The text a client shows from run events in order: tokens appended, a `rewind` drops the tokens from its `from_seq`. */
function visible(events: readonly Frame[]): string {
  let shown: { seq: number; text: string }[] = [];
  for (const e of events) {
    const data = e['data'] as { text?: string; from_seq?: number } | undefined;
    if (e['event'] === 'token') shown.push({ seq: e['seq'] as number, text: data?.text ?? '' });
    if (e['event'] === 'rewind') shown = shown.filter((t) => t.seq < (data?.from_seq ?? 0));
  }
  return shown.map((t) => t.text).join('');
}

/** The SSE events of a whole response (the stream closes when the run ends). */
async function sseEvents(url: string, headers: Record<string, string>): Promise<{ id: string; event: string; data: unknown }[]> {
  const res = await fetch(url, { headers });
  expect(res.status).toBe(200);
  const out: { id: string; event: string; data: unknown }[] = [];
  for (const block of (await res.text()).split('\n\n')) {
    const field = (name: string) =>
      block
        .split('\n')
        .find((l) => l.startsWith(`${name}: `))
        ?.slice(name.length + 2);
    const event = field('event');
    if (event === undefined) continue;
    out.push({ id: field('id') ?? '', event, data: JSON.parse(field('data') ?? 'null') });
  }
  return out;
}

describe('a client resuming across the crash sees each token once', () => {
  const FIRST = Array.from({ length: 60 }, (_, i) => `word${i} `);
  /** The two cases, run in one crash: each on its own agent and thread, answered from its own script. */
  const cases = [
    { agent: 'rewriter', name: 'the new reply differs: one rewind, then the new reply', again: ['A ', 'new ', 'reply.'], rewinds: 1 },
    { agent: 'repeater', name: 'the new reply repeats what was streamed: held back, no rewind', again: FIRST.slice(0, 20), rewinds: 0 },
  ];
  it('for a new reply that differs (one rewind) and one that repeats what was streamed (held back), two runs in one crash', async () => {
    const data = mkdtempSync(join(tmpdir(), 'troupe-recovery-'));
    dirs.push(data);
    // Each agent's first call streams slowly (killed mid-stream), its resumed call gets the case's new reply.
    const scripts = new Map(cases.map((c) => [c.agent, [sse(oaiText(FIRST), { gapMs: 150 }), sse(oaiText(c.again), { gapMs: 50 })]]));
    model.script((res, req) => {
      // The server records a request before it asks for its handler: the last one recorded is this one.
      const body = JSON.stringify(model.requests.at(-1)?.body ?? {});
      const handler = cases.flatMap((c) => (body.includes(`Write as ${c.agent}.`) ? [scripts.get(c.agent)?.shift()] : []))[0];
      if (handler === undefined) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"no script"}}');
      else return handler(res, req);
    });
    const agents = cases.map((c) => c.agent);
    const first = await start(data, agents);
    // Each started over /acp (so its LangGraph stream can be joined later), watched over /ws from its first event.
    const runs = [];
    for (const c of cases) {
      const threadId = (await http('POST', `${first.url}/acp/threads`, {})).json['thread_id'] as string;
      const run = await http('POST', `${first.url}/acp/threads/${threadId}/runs`, {
        assistant_id: c.agent,
        input: { messages: [{ role: 'user', content: 'write me a long story' }] },
        stream_mode: ['messages-tuple', 'custom'],
      });
      expect(run.status, c.name).toBe(200);
      const runId = run.json['run_id'] as string;
      const before = await WsClient.connect(`${first.url.replace(/^http/, 'ws')}/ws`);
      before.send({ type: 'hello', resume: { run_id: runId, after_seq: 0 } });
      runs.push({ c, threadId, runId, before });
    }
    for (const { before } of runs)
      for (let i = 0; i < 4; i++) await before.next((f) => f['type'] === 'run.event' && f['event'] === 'token', 20_000);
    await kill(first);

    const second = await start(data, agents);
    for (const { c, threadId, runId, before } of runs) {
      const { again, rewinds, name } = c;
      const seen = before.frames.filter((f) => f['type'] === 'run.event');
      const lastSeq = Math.max(...seen.map((f) => f['seq'] as number));
      const after = await WsClient.connect(`${second.url.replace(/^http/, 'ws')}/ws`);
      after.send({ type: 'hello', resume: { run_id: runId, after_seq: lastSeq } });
      const done = await after.next((f) => f['type'] === 'run.completed' || f['type'] === 'run.failed', 30_000);
      expect(done['type'], name).toBe('run.completed');
      const resumed = after.frames.filter((f) => f['type'] === 'run.event' || f['type'] === 'run.completed');
      // One sequence across both connections: 1..n, no gap, no repeat.
      const seqs = [...seen, ...resumed].map((f) => f['seq'] as number);
      expect(seqs, name).toEqual(seqs.map((_, i) => i + 1));
      const finalText = again.join('');
      expect(done['output'], name).toBe(finalText);
      expect(
        resumed.filter((f) => f['event'] === 'rewind'),
        name,
      ).toHaveLength(rewinds);
      expect(visible([...seen, ...resumed]), name).toBe(finalText);
      // Without a rewind, what the client had is not sent again: the resumed tokens are exactly the rest of the reply.
      if (rewinds === 0) expect(visible(seen) + visible(resumed), name).toBe(finalText);

      // /acp: a LangGraph client that read up to the same event reconnects with Last-Event-ID.
      const events = await sseEvents(`${second.url}/acp/threads/${threadId}/runs/${runId}/stream`, { 'last-event-id': String(lastSeq) });
      const ids = events.filter((e) => e.id !== '').map((e) => Number(e.id.split('.')[0]));
      expect(ids.length, name).toBeGreaterThan(0);
      expect(
        ids.every((id) => id > lastSeq),
        name,
      ).toBe(true);
      const custom = events.filter((e) => e.event === 'custom').map((e) => e.data as Frame);
      expect(
        custom.filter((e) => e['event'] === 'rewind'),
        name,
      ).toHaveLength(rewinds);
      // Message chunks after the reconnect: the whole new reply after a rewind, else only what the client lacked.
      const chunks = events.filter((e) => e.event === 'messages').map((e) => (e.data as [{ content?: string }])[0].content ?? '');
      expect(chunks.join(''), name).toBe(rewinds === 0 ? visible(resumed) : finalText);
      const full = await sseEvents(`${second.url}/acp/threads/${threadId}/runs/${runId}/stream?stream_mode=values`, {});
      const values = full.filter((e) => e.event === 'values').at(-1)?.data as { messages: { content: unknown }[] };
      expect(values.messages.at(-1)?.content, name).toBe(finalText);
    }
    second.child.kill('SIGINT');
  }, 120_000);
});
