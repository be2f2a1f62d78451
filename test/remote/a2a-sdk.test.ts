/**
 * Remote agents against a server built with `@a2a-js/sdk` (its DefaultRequestHandler behind its
 * express adapter) with a tiny executor: the same run contract as a local agent through the real
 * catalog — artifact chunks stream as tokens, a blocking-only card falls back to SendMessage,
 * input-required is an interrupt answered on the same task, cancel and the auth header reach the
 * server, remote failures and an unreachable card end the run as `error` (scrubbed), and a run
 * whose actor restarts mid-task follows the task again.
 */
import type { IncomingMessage, Server } from 'node:http';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { AgentCard, Message, TaskState, type Task } from '@a2a-js/sdk';
import { DefaultRequestHandler, InMemoryTaskStore, AgentEvent } from '@a2a-js/sdk/server';
import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import { configSchema } from '../../config/index.js';
import { RUN_CANCEL, RUN_CREATE, RUN_RESUME, registerSecret, type RunEvent } from '../../protocols/index.js';
import { MemoryStorage, MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { RunStore, waitForRun, type RunResult } from '../../actors/agent/index.js';
import type { Catalog } from '../../actors/kinds/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { OfflineProvider } from '../../actors/llm/offline.js';

const TOKEN = 'remote-token-5f1c9e2a7b';
const cancelled = new Set<string>();
const authSeen: (string | undefined)[] = [];

const now = (): string => new Date().toISOString();
const text = (m: Message | undefined): string => (m?.parts ?? []).map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
const agentSays = (t: string): Message => Message.fromJSON({ messageId: `a-${Math.random()}`, role: 'ROLE_AGENT', parts: [{ text: t }] });
const status = (ctx: RequestContext, state: TaskState, message?: Message) => {
  const { taskId, contextId } = ctx;
  return AgentEvent.statusUpdate({ taskId, contextId, status: { state, message, timestamp: now() }, metadata: undefined });
};

/** Echoes word by word; `slow` waits between words; `ask me` needs input; `fail` fails quoting the token. */
const executor: AgentExecutor = {
  async execute(ctx: RequestContext, bus: ExecutionEventBus) {
    const said = text(ctx.userMessage);
    const submitted = { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: undefined };
    const history = [ctx.userMessage];
    const fresh: Task = { id: ctx.taskId, contextId: ctx.contextId, status: submitted, artifacts: [], history, metadata: undefined };
    const task = ctx.task ?? fresh;
    bus.publish(AgentEvent.task(task));
    bus.publish(status(ctx, TaskState.TASK_STATE_WORKING));
    if (ctx.task === undefined && said.includes('ask me')) {
      bus.publish(status(ctx, TaskState.TASK_STATE_INPUT_REQUIRED, agentSays('Which colour?')));
      bus.finished();
      return;
    }
    if (said.includes('fail')) {
      bus.publish(status(ctx, TaskState.TASK_STATE_FAILED, agentSays(`backend refused token ${TOKEN}`)));
      bus.finished();
      return;
    }
    const answer = ctx.task === undefined ? `echo: ${said}` : `you chose ${said}`;
    const words = answer.split(/(?<= )/);
    for (const [i, w] of words.entries()) {
      if (said.includes('slow')) await new Promise((r) => setTimeout(r, 150));
      if (cancelled.has(ctx.taskId)) return;
      const part = { content: { $case: 'text' as const, value: w }, metadata: undefined, filename: '', mediaType: '' };
      const artifact = { artifactId: 'out', name: 'answer', description: '', parts: [part], metadata: undefined, extensions: [] };
      const last = i === words.length - 1;
      const { taskId, contextId } = ctx;
      bus.publish(AgentEvent.artifactUpdate({ taskId, contextId, artifact, append: i > 0, lastChunk: last, metadata: undefined }));
    }
    bus.publish(status(ctx, TaskState.TASK_STATE_COMPLETED));
    bus.finished();
  },
  async cancelTask(taskId: string, bus: ExecutionEventBus) {
    cancelled.add(taskId);
    const state = { state: TaskState.TASK_STATE_CANCELED, message: undefined, timestamp: now() };
    bus.publish(AgentEvent.statusUpdate({ taskId, contextId: '', status: state, metadata: undefined }));
    bus.finished();
  },
};

/** The part of an express app this test uses (express comes with the MCP SDK, without type declarations). */
interface App {
  use(path: string | Middleware, ...handlers: unknown[]): void;
  listen(port: number, host: string, ready: () => void): Server;
}
type Middleware = (req: IncomingMessage, res: unknown, next: () => void) => void;

let server: Server;
let base = '';
beforeAll(async () => {
  const express = ((await import('express' as string)) as { default: () => App }).default;
  const app = express();
  app.use((req, _res, next) => {
    authSeen.push(req.headers.authorization);
    next();
  });
  for (const [path, streaming] of [
    ['stream', true],
    ['plain', false],
  ] as const) {
    const card = AgentCard.fromJSON({
      name: `sdk-${path}`,
      description: 'An echo agent built with the A2A SDK.',
      version: '1.0.0',
      supportedInterfaces: [{ url: `http://127.0.0.1:0/${path}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
      capabilities: { streaming, pushNotifications: false },
      defaultInputModes: ['text/plain'],
      defaultOutputModes: ['text/plain'],
      skills: [{ id: 'echo', name: 'echo', description: 'Echoes.', tags: ['echo'] }],
    });
    const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
    app.use(`/${path}/.well-known/agent-card.json`, (_req: IncomingMessage, _res: unknown, next: () => void) => {
      // The card names the address it was asked on (the port is known only now).
      card.supportedInterfaces[0]!.url = `${base}/${path}/a2a`;
      next();
    });
    app.use(`/${path}/.well-known/agent-card.json`, agentCardHandler({ agentCardProvider: handler }));
    app.use(`/${path}/a2a`, jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
  }
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

const AGENTS = () => [
  { name: 'ext', description: 'The SDK echo agent.', remote: { card: `${base}/stream/.well-known/agent-card.json`, authEnv: 'SDK_TOKEN' } },
  { name: 'blocking', remote: { card: `${base}/plain/.well-known/agent-card.json` } },
  { name: 'nowhere', remote: { card: 'http://127.0.0.1:1/.well-known/agent-card.json' } },
  { name: 'hasty', remote: { card: `${base}/stream/.well-known/agent-card.json` }, runTimeoutMs: 300 },
  { name: 'boss', instructions: 'Route.', handoffs: ['ext'], delegates: ['ext'] },
];

async function start(storage = new MemoryStorage()): Promise<{ s: ActorSystem; c: Catalog }> {
  const cfg = configSchema.parse({ agents: AGENTS() });
  system = await createSystem({ config: cfg, storage });
  const mesh = new MeshNode(system);
  const c = await composeCatalog(cfg, mesh, {
    env: { SDK_TOKEN: TOKEN },
    provider: () => ({ provider: new OfflineProvider(), model: 'offline' }),
  });
  await mesh.start();
  return { s: system, c };
}

let n = 0;
type Started = { runId: string; done: Promise<RunResult> };
async function run(s: ActorSystem, c: Catalog, agent: string, content: string, until?: (e: RunEvent) => boolean): Promise<Started> {
  const runId = `sdk-${++n}-${Math.random().toString(16).slice(2)}`;
  let hit: (e: RunEvent) => void = () => undefined;
  const reached = new Promise<RunEvent>((r) => (hit = r));
  const done = waitForRun(s, runId, 'default', 20_000, (e) => (until?.(e) === true ? hit(e) : undefined));
  done.catch(() => undefined);
  await (await c.ensure(`agent/${agent}`)).ask(RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content }] } });
  if (until !== undefined) await reached;
  return { runId, done };
}

const tokensOf = (r: RunResult): string =>
  r.events
    .filter((e) => e.event === 'token')
    .map((e) => (e.data as { text: string }).text)
    .join('');
const gapFree = (events: readonly RunEvent[]): void => expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));

describe('a remote agent behind an @a2a-js/sdk server', () => {
  it('streams the artifact chunks as tokens, completes with the answer and sends the auth header', async () => {
    const { s, c } = await start();
    const listed = c.agents().map((a) => [a.name, a.provider]);
    expect(listed).toEqual([
      ['ext', 'a2a'],
      ['blocking', 'a2a'],
      ['nowhere', 'a2a'],
      ['hasty', 'a2a'],
      ['boss', 'offline'],
    ]);
    authSeen.length = 0;
    const r = await (await run(s, c, 'ext', 'hello sdk world')).done;
    expect(r).toMatchObject({ status: 'success', output: 'echo: hello sdk world' });
    expect(r.events.filter((e) => e.event === 'token').length).toBe(4);
    expect(tokensOf(r)).toBe('echo: hello sdk world');
    expect(r.events.map((e) => e.event)).toEqual(['status', 'token', 'token', 'token', 'token', 'message', 'status']);
    gapFree(r.events);
    expect(authSeen.length).toBeGreaterThan(1);
    expect(authSeen.every((a) => a === `Bearer ${TOKEN}`)).toBe(true);
    const store = new RunStore(s.storage);
    expect(await store.events('default', r.events[0]!.run_id)).toEqual(r.events);
    const record = await store.run('default', r.events[0]!.run_id);
    expect(record).toMatchObject({ status: 'success', output: 'echo: hello sdk world', agent: 'ext' });
    const thread = await store.thread('default', record.thread_id);
    expect(thread.values.messages.at(-1)).toEqual({ role: 'assistant', content: 'echo: hello sdk world' });
    expect(await store.activeRuns('default', 'ext')).toEqual([]);
  });

  it('falls back to SendMessage when the card says no streaming', async () => {
    const { s, c } = await start();
    const r = await (await run(s, c, 'blocking', 'no stream here')).done;
    expect(r).toMatchObject({ status: 'success', output: 'echo: no stream here' });
    expect(r.events.map((e) => e.event)).toEqual(['status', 'token', 'message', 'status']);
  });

  it('input-required is an interrupt; the answer goes to the same task', async () => {
    const { s, c } = await start();
    const { runId, done } = await run(s, c, 'ext', 'please ask me', (e) => e.event === 'interrupt');
    const store = new RunStore(s.storage);
    expect((await store.run('default', runId)).status).toBe('interrupted');
    await (await c.ensure('agent/ext')).ask(RUN_RESUME, { run_id: runId, resume: { approve: false, reason: 'blue' } });
    const r = await done;
    expect(r.events.find((e) => e.event === 'interrupt')?.data).toEqual({ kind: 'input', question: 'Which colour?' });
    expect(r).toMatchObject({ status: 'success', output: 'you chose no: blue' });
    gapFree(r.events);
  });

  it('cancel cancels the remote task; failures and an unreachable card end the run as error, scrubbed', async () => {
    registerSecret(TOKEN);
    const { s, c } = await start();
    const slow = await run(s, c, 'ext', 'slow words to cancel now', (e) => e.event === 'token');
    await (await c.ensure('agent/ext')).ask(RUN_CANCEL, { run_id: slow.runId });
    expect((await slow.done).status).toBe('cancelled');
    await expect.poll(() => cancelled.size).toBe(1);

    const failed = await (await run(s, c, 'ext', 'please fail')).done;
    expect(failed.status).toBe('error');
    expect(failed.error).toContain('remote agent failed: backend refused token');
    expect(failed.error).not.toContain(TOKEN);

    const lost = await (await run(s, c, 'nowhere', 'anyone?')).done;
    expect(lost.status).toBe('error');
    expect(lost.error).toMatch(/^remote agent nowhere: /);

    const late = await (await run(s, c, 'hasty', 'slow words that take far longer than allowed')).done;
    expect(late).toMatchObject({ status: 'error', error: 'remote agent hasty: no answer within 300 ms' });
    await expect.poll(() => cancelled.size).toBe(2);
  });

  it('is a handoff target and a delegate of a local agent', async () => {
    const { s, c } = await start();
    const handed = await (await run(s, c, 'boss', '/handoff ext')).done;
    expect(handed.status).toBe('success');
    expect(handed.output).toContain('echo: This conversation was handed over to you by another agent');
    expect(handed.output).toContain('{"role":"user","content":"/handoff ext"}');
    gapFree(handed.events);
    const asked = await (await run(s, c, 'boss', '/ask ext how are you')).done;
    expect(asked).toMatchObject({ status: 'success', output: expect.stringContaining('ask_ext: echo: how are you') });
  });

  it('a run interrupted when its actor restarts waits for its answer again; one that never got a task ends as error', async () => {
    const storage = new MemoryStorage();
    const first = await start(storage);
    const { runId } = await run(first.s, first.c, 'ext', 'ask me across a restart', (e) => e.event === 'interrupt');
    await first.s.shutdown();
    system = undefined;
    const store = new RunStore(storage);
    expect((await store.run('default', runId)).status).toBe('interrupted');
    // A run whose actor stopped before the server named its task: nothing to follow.
    const lost = { ...(await store.run('default', runId)), run_id: 'lost-1', status: 'running' as const, last_seq: 1 };
    await store.putRun('default', lost, true);
    const usage = { promptTokens: 0, completionTokens: 0 };
    const cp = { run_id: 'lost-1', thread_id: lost.thread_id, agent: 'ext', depth: 0, messages: [], turns: 0, usage, resumes: 0 };
    await store.saveCheckpoint('default', cp, true);

    const second = await start(storage);
    const done = waitForRun(second.s, runId, 'default', 20_000);
    const ref = await second.c.ensure('agent/ext');
    expect(await store.run('default', 'lost-1')).toMatchObject({ status: 'error', error: expect.stringContaining('run lost') });
    expect(await store.activeRuns('default', 'ext')).toEqual([runId]);
    await ref.ask(RUN_RESUME, { run_id: runId, resume: { approve: true } });
    expect(await done).toMatchObject({ status: 'success', output: 'you chose yes' });
    const log = await store.events('default', runId);
    gapFree(log);
    expect(log.filter((e) => e.event === 'interrupt')).toHaveLength(1);
  });

  it('a run whose actor restarts mid-task follows the remote task again and completes', async () => {
    const storage = new MemoryStorage();
    const first = await start(storage);
    const { runId } = await run(first.s, first.c, 'ext', 'slow words across a restart of the actor', (e) => e.event === 'token');
    await first.s.shutdown();
    system = undefined;
    const store = new RunStore(storage);
    expect((await store.run('default', runId)).status).toBe('running');
    const second = await start(storage);
    const done = waitForRun(second.s, runId, 'default', 20_000);
    await second.c.ensure('agent/ext');
    const r = await done;
    expect(r).toMatchObject({ status: 'success', output: 'echo: slow words across a restart of the actor' });
    gapFree(await store.events('default', runId));
  });
});
