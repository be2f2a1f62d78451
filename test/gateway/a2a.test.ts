/** A2A with the real `@a2a-js/sdk` client (ClientFactory over the agent card) against agents on the offline model. */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message, Role, TaskState, type Task } from '@a2a-js/sdk';
import { ClientFactory, JsonRpcTransportFactory, type Client } from '@a2a-js/sdk/client';
import { a2aRoutes } from '../../gateway/a2a/index.js';
import { MemoryHub, MemoryStorage } from '../../runtime/index.js';
import { RunStore } from '../../actors/agent/index.js';
import { startTestGateway, type TestGateway } from './mcp-fixture.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway((deps) => a2aRoutes(deps));
});
afterAll(async () => {
  await gw.close();
});

/** A client made the way the SDK documents: from the card URL; the token goes on every call. */
async function client(tenant: string): Promise<Client> {
  const fetchImpl: typeof fetch = (url, init) =>
    fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${tenant}` } });
  const factory = new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl })] });
  return factory.createFromUrl(gw.url);
}

let n = 0;
function message(
  text: string,
  extra: { metadata?: Record<string, unknown>; taskId?: string; contextId?: string; data?: unknown } = {},
): Message {
  return Message.fromJSON({
    messageId: `m${++n}`,
    role: 'ROLE_USER',
    parts: [{ text }, ...(extra.data === undefined ? [] : [{ data: extra.data }])],
    ...(extra.metadata === undefined ? {} : { metadata: extra.metadata }),
    ...(extra.taskId === undefined ? {} : { taskId: extra.taskId }),
    ...(extra.contextId === undefined ? {} : { contextId: extra.contextId }),
  });
}

const textOf = (t: Task): string =>
  t.artifacts
    .flatMap((a) => a.parts)
    .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
    .join('');
const rpcCode = (e: unknown): number | undefined =>
  (e as { envelopeCode?: number; code?: number }).envelopeCode ?? (e as { code?: number }).code;

async function sendTask(c: Client, m: Message): Promise<Task> {
  const r = await c.sendMessage({ tenant: '', message: m, configuration: undefined, metadata: undefined });
  expect('id' in r && 'status' in r).toBe(true);
  return r as Task;
}

describe('A2A agent card', () => {
  it('lists the mesh’s agents as skills and points at /a2a on the host it was asked from', async () => {
    const res = await fetch(`${gw.url}/.well-known/agent-card.json`);
    expect(res.status).toBe(200);
    const card = (await res.json()) as Record<string, unknown>;
    expect(card).toMatchObject({
      name: 'Troupe',
      supportedInterfaces: [{ url: `${gw.url}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
      capabilities: { streaming: true, pushNotifications: false },
      securitySchemes: { bearer: { httpAuthSecurityScheme: { scheme: 'Bearer' } } },
    });
    expect((card['skills'] as { id: string }[]).map((s) => s.id)).toEqual(['assistant', 'careful', 'triage', 'billing']);
    const other = await new Promise<string>((resolve, reject) => {
      const req = request(`${gw.url}/.well-known/agent-card.json`, { headers: { host: 'agents.example:8443' } }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
    expect((JSON.parse(other) as { supportedInterfaces: { url: string }[] }).supportedInterfaces[0]?.url).toBe(
      'http://agents.example:8443/a2a',
    );
    const c = await client('acme');
    expect((await c.getAgentCard()).skills.find((s) => s.id === 'assistant')?.tags).toContain('tool:calculator');
  });
});

describe('A2A JSON-RPC with the SDK client', () => {
  it('sends a message (blocking) and gets the completed task with the answer as an artifact', async () => {
    const c = await client('acme');
    const task = await sendTask(c, message('hello agents'));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(textOf(task)).toContain('[offline model]');
    expect(textOf(task)).toContain('hello agents');
    expect(task.contextId).not.toBe('');
    expect(task.history.map((m) => m.role)).toEqual([Role.ROLE_USER, Role.ROLE_AGENT]);
    expect(task.metadata).toMatchObject({ agent: 'assistant' });
    // GetTask afterwards answers the same task.
    const again = await c.getTask({ tenant: '', id: task.id });
    expect(again.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(textOf(again)).toBe(textOf(task));
    expect((await c.getTask({ tenant: '', id: task.id, historyLength: 1 })).history).toHaveLength(1);
  });

  it('a message sent again (same messageId, a retry) is the same task, not a second run', async () => {
    const c = await client('acme');
    const m = message('hello once');
    const first = await sendTask(c, m);
    const again = await sendTask(c, Message.fromJSON(Message.toJSON(m)));
    expect(again.id).toBe(first.id);
    expect(again.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(textOf(again)).toBe(textOf(first));
    const streamed: unknown[] = [];
    for await (const e of c.sendMessageStream({ tenant: '', message: m, configuration: undefined, metadata: undefined })) streamed.push(e);
    expect(streamed).toHaveLength(1);
    expect(streamed[0]).toMatchObject({ payload: { $case: 'task', value: { id: first.id } } });
    expect(await new RunStore(gw.system.storage).threadRuns('acme', first.contextId)).toHaveLength(1);
    // The same messageId from another tenant is that tenant's own task.
    const other = await sendTask(await client('globex'), Message.fromJSON(Message.toJSON(m)));
    expect(other.id).not.toBe(first.id);
  });

  it('runs the agent a skill names, with its tools, and keeps a context across tasks', async () => {
    const c = await client('acme');
    const task = await sendTask(c, message('/tool calculator {"expression":"6*7"}', { metadata: { skill: 'assistant' } }));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(textOf(task)).toContain('calculator: {"expression":"6*7","value":42}');
    const next = await sendTask(c, message('and again', { contextId: task.contextId }));
    expect(next.contextId).toBe(task.contextId);
    expect(next.id).not.toBe(task.id);
  });

  it('streams: the task first, then working, tool and artifact updates, and the final state', async () => {
    const c = await client('acme');
    const events = [];
    for await (const e of c.sendMessageStream({
      tenant: '',
      message: message('/tool calculator {"expression":"1+2"}'),
      configuration: undefined,
      metadata: undefined,
    }))
      events.push(e);
    const kinds = events.map((e) => e.payload?.$case);
    expect(kinds[0]).toBe('task');
    const first = events[0]?.payload?.value as Task;
    expect(first.status?.state).toBe(TaskState.TASK_STATE_SUBMITTED);
    expect(kinds).toContain('artifactUpdate');
    const states = events.flatMap((e) => (e.payload?.$case === 'statusUpdate' ? [e.payload.value.status?.state] : []));
    expect(states[0]).toBe(TaskState.TASK_STATE_WORKING);
    expect(states.at(-1)).toBe(TaskState.TASK_STATE_COMPLETED);
    const tools = events.flatMap((e) => (e.payload?.$case === 'statusUpdate' ? [e.payload.value.metadata?.['event']] : [])).filter(Boolean);
    expect(tools).toEqual(['tool_call', 'tool_result']);
    const last = events.at(-2)?.payload;
    expect(last?.$case).toBe('artifactUpdate');
    if (last?.$case === 'artifactUpdate') {
      expect(last.value.lastChunk).toBe(true);
      expect(last.value.artifact?.parts[0]?.content).toEqual({ $case: 'text', value: expect.stringContaining('value":3') });
    }
    const stored = await c.getTask({ tenant: '', id: first.id });
    expect(stored.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('follows a handoff: the task finishes on the agent it was handed to', async () => {
    const c = await client('acme');
    const task = await sendTask(c, message('/handoff billing', { metadata: { skill: 'triage' } }));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(task.metadata).toMatchObject({ agent: 'billing' });
  });

  it('asks for input on an approval and resumes with a follow-up on the same task (yes approves, no rejects)', async () => {
    const c = await client('acme');
    const waiting = await sendTask(c, message('/tool calculator {"expression":"2+2"}', { metadata: { skill: 'careful' } }));
    expect(waiting.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const ask = waiting.status?.message?.parts[0]?.content;
    expect(ask).toEqual({ $case: 'text', value: expect.stringMatching(/^Approve the call of calculator/) });
    const done = await sendTask(c, message('yes', { taskId: waiting.id, contextId: waiting.contextId }));
    expect(done.id).toBe(waiting.id);
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(textOf(done)).toContain('calculator: {"expression":"2+2","value":4}');

    const again = await sendTask(c, message('/tool calculator {"expression":"3+3"}', { metadata: { skill: 'careful' } }));
    const rejected = await sendTask(c, message('no, not today', { taskId: again.id }));
    expect(rejected.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(textOf(rejected)).toContain('not today');
    expect(textOf(rejected)).not.toContain('value":6');
    // A finished task takes no more messages.
    const e = await c
      .sendMessage({ tenant: '', message: message('yes', { taskId: again.id }), configuration: undefined, metadata: undefined })
      .catch((x: unknown) => x);
    expect(rpcCode(e)).toBe(-32004);
  });

  it('cancels a task waiting for input; a finished one is not cancelable', async () => {
    const c = await client('acme');
    const waiting = await sendTask(c, message('/tool calculator {"expression":"9"}', { metadata: { skill: 'careful' } }));
    expect(waiting.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    // Its context is held by the waiting task: a new task there is refused until it ends.
    const busy = await sendTask(c, message('hello?', { contextId: waiting.contextId })).catch((x: unknown) => x);
    expect(rpcCode(busy)).toBe(-32004);
    expect(String((busy as Error).message)).toMatch(/busy/);
    const cancelled = await c.cancelTask({ tenant: '', id: waiting.id, metadata: undefined });
    expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect((await c.getTask({ tenant: '', id: waiting.id })).status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const e = await c.cancelTask({ tenant: '', id: waiting.id, metadata: undefined }).catch((x: unknown) => x);
    expect(rpcCode(e)).toBe(-32002);
  });

  it('returns at once with returnImmediately and the task completes later', async () => {
    const c = await client('acme');
    const r = (await c.sendMessage({
      tenant: '',
      message: message('quick'),
      configuration: { acceptedOutputModes: [], returnImmediately: true, historyLength: undefined, taskPushNotificationConfig: undefined },
      metadata: undefined,
    })) as Task;
    expect([TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_COMPLETED]).toContain(r.status?.state);
    await expect.poll(async () => (await c.getTask({ tenant: '', id: r.id })).status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('resubscribes to a running task: its state now, then its events to the end; a finished task cannot be subscribed to', async () => {
    const c = await client('acme');
    const config = { acceptedOutputModes: [], returnImmediately: true, historyLength: undefined, taskPushNotificationConfig: undefined };
    const r = (await c.sendMessage({
      tenant: '',
      message: message('/tool test.steps {"steps":5,"delayMs":40}'),
      configuration: config,
      metadata: undefined,
    })) as Task;
    const events = [];
    for await (const e of c.resubscribeTask({ tenant: '', id: r.id })) events.push(e);
    expect(events[0]?.payload?.$case).toBe('task');
    const last = events.at(-1)?.payload;
    expect(last?.$case === 'statusUpdate' ? last.value.status?.state : undefined).toBe(TaskState.TASK_STATE_COMPLETED);
    const e = await (async () => {
      for await (const x of c.resubscribeTask({ tenant: '', id: r.id })) void x;
    })().catch((x: unknown) => x);
    expect(rpcCode(e)).toBe(-32004);
  });

  it('rejects an unknown skill, an unknown task and a message without text with clear errors', async () => {
    const c = await client('acme');
    const skill = await sendTask(c, message('hi', { metadata: { skill: 'nobody' } })).catch((x: unknown) => x);
    expect(rpcCode(skill)).toBe(-32602);
    expect(String((skill as Error).message)).toMatch(/unknown skill "nobody"/);
    const task = await c.getTask({ tenant: '', id: 'no-such-task' }).catch((x: unknown) => x);
    expect(rpcCode(task)).toBe(-32001);
    const resume = await sendTask(c, message('yes', { taskId: 'no-such-task' })).catch((x: unknown) => x);
    expect(rpcCode(resume)).toBe(-32001);
    const empty = await sendTask(c, message('   ')).catch((x: unknown) => x);
    expect(rpcCode(empty)).toBe(-32602);
  });

  it('keeps tenants apart: a task of one tenant is not found for another', async () => {
    const acme = await client('acme');
    const globex = await client('globex');
    const task = await sendTask(acme, message('acme only'));
    for (const call of [
      () => globex.getTask({ tenant: '', id: task.id }),
      () => globex.cancelTask({ tenant: '', id: task.id, metadata: undefined }),
      () => sendTask(globex, message('yes', { taskId: task.id })),
    ]) {
      const e = await call().catch((x: unknown) => x);
      expect(rpcCode(e)).toBe(-32001);
    }
    // The agents ran in each tenant separately.
    expect(gw.system.actors('acme').map((r) => r.address)).toContain('agent/assistant');
  });
});

describe('A2A JSON-RPC framing (raw HTTP)', () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}/a2a`, {
      method: 'POST',
      headers: { authorization: 'Bearer acme', 'content-type': 'application/json', ...headers },
      body,
    });

  const errorCodesTitle =
    'answers -32700 for a body that is not JSON, -32600 for one that is not a request, ' +
    '-32601 for an unknown method, -32602 for bad params';
  it(errorCodesTitle, async () => {
    const cases: [string, number, unknown][] = [
      ['{"jsonrpc": "2.0", "method": ', -32700, null],
      ['[1, 2]', -32600, null],
      ['{"jsonrpc": "1.0", "id": 3, "method": "GetTask"}', -32600, 3],
      ['{"jsonrpc": "2.0", "id": 4}', -32600, 4],
      ['{"jsonrpc": "2.0", "id": {"x": 1}, "method": "GetTask"}', -32600, null],
      ['{"jsonrpc": "2.0", "id": 5, "method": "Frobnicate", "params": {}}', -32601, 5],
      ['{"jsonrpc": "2.0", "id": 6, "method": "message/send", "params": {}}', -32601, 6],
      ['{"jsonrpc": "2.0", "id": 7, "method": "GetTask", "params": {"id": 42}}', -32602, 7],
      ['{"jsonrpc": "2.0", "id": "s", "method": "SendMessage", "params": {"message": {"messageId": "x", "parts": []}}}', -32602, 's'],
      ['{"jsonrpc": "2.0", "id": 8, "method": "SendMessage", "params": [1]}', -32602, 8],
      ['{"jsonrpc": "2.0", "id": 9, "method": "CreateTaskPushNotificationConfig", "params": {}}', -32003, 9],
    ];
    for (const [body, code, id] of cases) {
      const res = await post(body);
      expect(res.status, body).toBe(200);
      expect(await res.json(), body).toMatchObject({ jsonrpc: '2.0', id, error: { code } });
    }
  });

  it('refuses another protocol version, unauthenticated calls and other verbs', async () => {
    const v = await post('{"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {"id": "x"}}', { 'a2a-version': '0.3' });
    expect(await v.json()).toMatchObject({ error: { code: -32009 } });
    const anon = await fetch(`${gw.url}/a2a`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(anon.status).toBe(401);
    const get = await fetch(`${gw.url}/a2a`, { headers: { authorization: 'Bearer acme' } });
    expect(get.status).toBe(405);
  });
});

describe('A2A across two gateway nodes of one mesh', () => {
  it('reads, resumes and cancels on one node a task started on the other (tasks come from the run store)', async () => {
    const mesh = { hub: new MemoryHub(), storage: new MemoryStorage() };
    const one = await startTestGateway((deps) => a2aRoutes(deps), undefined, { mesh });
    const two = await startTestGateway((deps) => a2aRoutes(deps), undefined, { mesh });
    try {
      const fetchWith =
        (tenant: string): typeof fetch =>
        (url, init) =>
          fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${tenant}` } });
      const on = (g: TestGateway, tenant = 'acme') =>
        new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl: fetchWith(tenant) })] }).createFromUrl(g.url);
      const [a, b] = await Promise.all([on(one), on(two)]);
      const done = await sendTask(a, message('remember me'));
      const seen = await b.getTask({ tenant: '', id: done.id });
      expect(seen.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(textOf(seen)).toBe(textOf(done));
      expect(seen.history[0]?.parts[0]?.content).toEqual({ $case: 'text', value: 'remember me' });
      // Another tenant does not find it on either node.
      expect(rpcCode(await (await on(two, 'globex')).getTask({ tenant: '', id: done.id }).catch((x: unknown) => x))).toBe(-32001);

      const waiting = await sendTask(a, message('/tool calculator {"expression":"5*5"}', { metadata: { skill: 'careful' } }));
      expect(waiting.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
      const resumed = await sendTask(b, message('ok', { taskId: waiting.id }));
      expect(resumed.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(textOf(resumed)).toContain('"value":25');

      const other = await sendTask(a, message('/tool calculator {"expression":"1"}', { metadata: { skill: 'careful' } }));
      expect((await b.cancelTask({ tenant: '', id: other.id, metadata: undefined })).status?.state).toBe(TaskState.TASK_STATE_CANCELED);
      expect((await a.getTask({ tenant: '', id: other.id })).status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
