/**
 * Feedback on runs through every surface of the real gateway — `POST /acp/runs/{id}/feedback`, the `/ws` frame
 * `feedback`, A2A message metadata (the real `@a2a-js/sdk` client) — stored with the run, tenant, user and agent,
 * aggregated per agent and template version; bad input from two tenants at once gets clear 4xx errors and costs
 * nobody anything; another tenant's run is 404.
 */
import { Message, TaskState, type Task } from '@a2a-js/sdk';
import { ClientFactory, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfflineProvider } from '../../actors/index.js';
import { configSchema } from '../../config/index.js';
import { startCatalogGateway, type CatalogGateway } from '../gateway/catalog-fixture.js';
import { WsClient, startFrame } from '../gateway/ws-fixture.js';

let gw: CatalogGateway<'acme' | 'acme2' | 'globex'>;
let url: string;
const auth = (k: { key: string }) => ({ authorization: `Bearer ${k.key}` });

beforeAll(async () => {
  gw = await startCatalogGateway(
    configSchema.parse({ agents: [{ name: 'helper', description: 'helps', instructions: 'Help.' }] }),
    {
      acme: { id: 'acme-ann', tenant: 'acme', roles: ['user'] },
      acme2: { id: 'acme-bob', tenant: 'acme', roles: ['user'] },
      globex: { id: 'globex-cy', tenant: 'globex', roles: ['user'] },
    },
    { compose: { provider: () => ({ provider: new OfflineProvider(), model: 'offline' }) } },
  );
  url = gw.url;
});

afterAll(() => gw?.close());

async function api(path: string, k: { key: string }, init: { method?: string; body?: unknown; raw?: string } = {}) {
  const res = await fetch(`${url}/acp${path}`, {
    method: init.method ?? (init.body === undefined && init.raw === undefined ? 'GET' : 'POST'),
    headers: { ...auth(k), 'content-type': 'application/json' },
    ...(init.raw !== undefined ? { body: init.raw } : init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> & unknown[] };
}

async function runOf(k: { key: string }, text = 'hello'): Promise<{ run_id: string; thread_id: string }> {
  const thread = await api('/threads', k, { body: {} });
  const threadId = thread.body['thread_id'] as string;
  const run = await api(`/threads/${threadId}/runs`, k, {
    body: { assistant_id: 'helper', input: { messages: [{ role: 'user', content: text }] } },
  });
  expect(run.status).toBe(200);
  await api(`/threads/${threadId}/runs/${run.body['run_id'] as string}/join`, k);
  return { run_id: run.body['run_id'] as string, thread_id: threadId };
}

describe('feedback over /acp', () => {
  it('stores feedback with the run, its tenant, user and agent, lists it and aggregates it per agent and version', async () => {
    const { run_id, thread_id } = await runOf(gw.keys.acme);
    const first = await api(`/runs/${run_id}/feedback`, gw.keys.acme, {
      body: { key: 'correctness', score: 1, comment: 'spot on', correction: { answer: 'hello to you' } },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      run_id,
      thread_id,
      tenant: 'acme',
      user: 'key:acme-ann',
      agent: 'helper',
      key: 'correctness',
      score: 1,
      comment: 'spot on',
      correction: { answer: 'hello to you' },
      feedback_source: { type: 'api' },
    });
    const second = await api(`/threads/${thread_id}/runs/${run_id}/feedback`, gw.keys.acme2, {
      body: { key: 'correctness', score: false },
    });
    expect(second.body).toMatchObject({ user: 'key:acme-bob', score: 0 });
    const listed = await api(`/runs/${run_id}/feedback`, gw.keys.acme);
    expect(listed.status).toBe(200);
    expect((listed.body as unknown as { user: string }[]).map((f) => f.user).sort()).toEqual(['key:acme-ann', 'key:acme-bob']);
    const stats = await api('/feedback/stats?agent=helper', gw.keys.acme);
    const correctness = (stats.body as unknown as Record<string, unknown>[]).find((a) => a['key'] === 'correctness');
    expect(correctness).toMatchObject({
      agent: 'helper',
      template: '-',
      count: 2,
      scored: 2,
      mean: 0.5,
      min: 0,
      max: 1,
      positive: 1,
      corrections: 1,
    });
  });

  it('takes a retried feedback (same id) once', async () => {
    const { run_id } = await runOf(gw.keys.acme);
    const id = '3f1c2a4e-8b7d-4c6e-9a1b-2d3e4f5a6b7c';
    for (let i = 0; i < 3; i++)
      expect((await api(`/runs/${run_id}/feedback`, gw.keys.acme, { body: { id, key: 'retry', score: 0.25 } })).status).toBe(200);
    expect(await api(`/runs/${run_id}/feedback`, gw.keys.acme)).toMatchObject({ body: [{ id, key: 'retry', score: 0.25 }] });
    const stats = (await api('/feedback/stats', gw.keys.acme)).body as unknown as Record<string, unknown>[];
    expect(stats.find((a) => a['key'] === 'retry')).toMatchObject({ count: 1, mean: 0.25 });
  });

  it('refuses bad feedback with clear 4xx errors; two tenants sending garbage at once change nothing', async () => {
    const acmeRun = await runOf(gw.keys.acme);
    const globexRun = await runOf(gw.keys.globex);
    const before = (await api('/feedback/stats', gw.keys.acme)).body;
    const cases = (run: string, other: string): [string, { body?: unknown; raw?: string }, number, RegExp][] => [
      [`/runs/${run}/feedback`, { body: { key: 'k', score: 1.5 } }, 422, /score is at most 1/],
      [`/runs/${run}/feedback`, { body: { key: 'k', score: -0.1 } }, 422, /score is at least 0/],
      [`/runs/${run}/feedback`, { body: { key: 'k', score: 'high' } }, 422, /score/],
      [`/runs/${run}/feedback`, { body: { score: 1 } }, 422, /key/],
      [`/runs/${run}/feedback`, { body: { key: 'has spaces' } }, 422, /key is letters/],
      [`/runs/${run}/feedback`, { body: { key: 'k', comment: 'x'.repeat(10_001) } }, 422, /comment is at most/],
      [`/runs/${run}/feedback`, { body: { key: 'k', value: 'v'.repeat(70_000) } }, 422, /value is at most/],
      [`/runs/${run}/feedback`, { body: { key: 'k', run_id: other } }, 422, /is not the run/],
      [`/runs/${run}/feedback`, { body: { key: 'k', id: 'not-a-uuid' } }, 422, /id is a UUID/],
      [`/runs/${run}/feedback`, { raw: '{"key": "unterminated' }, 400, /JSON/i],
      [`/runs/${run}/feedback`, { raw: '{"key": "lone \\ud800"}' }, 400, /surrogate/],
      [`/runs/no-such-run/feedback`, { body: { key: 'k', score: 1 } }, 404, /not found/],
      [`/runs/${other}/feedback`, { body: { key: 'k', score: 1 } }, 404, /not found/],
      [`/runs/bad%2Fid/feedback`, { body: { key: 'k' } }, 422, /invalid run_id/],
    ];
    const results = await Promise.all([
      ...cases(acmeRun.run_id, globexRun.run_id).map(
        async ([path, init, status, detail]) => [await api(path, gw.keys.acme, init), status, detail] as const,
      ),
      ...cases(globexRun.run_id, acmeRun.run_id).map(
        async ([path, init, status, detail]) => [await api(path, gw.keys.globex, init), status, detail] as const,
      ),
    ]);
    for (const [res, status, detail] of results) {
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(String(res.body['detail'])).toMatch(detail);
    }
    expect((await api('/feedback/stats', gw.keys.acme)).body).toEqual(before);
    expect((await api(`/runs/${globexRun.run_id}/feedback`, gw.keys.globex)).body).toEqual([]);
    // Another tenant's run is not listed either, and good feedback still lands.
    expect((await api(`/runs/${acmeRun.run_id}/feedback`, gw.keys.globex)).status).toBe(404);
    expect((await api(`/runs/${globexRun.run_id}/feedback`, gw.keys.globex, { body: { key: 'ok', score: 1 } })).status).toBe(200);
  });
});

describe('feedback over /ws and A2A', () => {
  it('a /ws feedback frame is recorded and answered; a bad one is an error frame', async () => {
    const ws = await WsClient.connect(`${url.replace('http', 'ws')}/ws`, auth(gw.keys.acme2));
    ws.send(startFrame('1', 'helper', 'hi there'));
    const runId = (await ws.type('run.created'))['run_id'] as string;
    await ws.run(runId);
    ws.send({ type: 'feedback', id: 'f1', run_id: runId, key: 'helpfulness', score: 0.75, comment: 'nice' });
    expect(await ws.type('feedback.recorded')).toMatchObject({
      id: 'f1',
      feedback: { run_id: runId, user: 'key:acme-bob', agent: 'helper', key: 'helpfulness', score: 0.75, comment: 'nice' },
    });
    ws.send({ type: 'feedback', id: 'f2', run_id: runId, key: 'helpfulness', score: 7 });
    expect(await ws.type('error')).toMatchObject({ id: 'f2', code: 'bad_request', message: expect.stringMatching(/score is at most 1/) });
    ws.send({ type: 'feedback', id: 'f3', run_id: 'nobody-s-run', key: 'helpfulness' });
    expect(await ws.type('error')).toMatchObject({ id: 'f3', code: 'not_found' });
    ws.send({ type: 'feedback', id: 'f4' });
    expect(await ws.type('error')).toMatchObject({ id: 'f4', code: 'bad_request' });
    ws.close();
    const listed = (await api(`/runs/${runId}/feedback`, gw.keys.acme)).body as unknown as Record<string, unknown>[];
    expect(listed).toHaveLength(1);
  });

  it('an A2A message with metadata feedback is feedback on the task it names, its text the comment', async () => {
    const fetchImpl: typeof fetch = (u, init) =>
      fetch(u, { ...init, headers: { ...(init?.headers as Record<string, string>), ...auth(gw.keys.acme) } });
    const a2a = await new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl })] }).createFromUrl(url);
    const send = (m: Record<string, unknown>) =>
      a2a.sendMessage({
        tenant: '',
        message: Message.fromJSON({ role: 'ROLE_USER', ...m }),
        configuration: undefined,
        metadata: undefined,
      });
    const task = (await send({ messageId: 'fb-1', parts: [{ text: 'hello' }], metadata: { skill: 'helper' } })) as Task;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const again = (await send({
      messageId: 'fb-2',
      taskId: task.id,
      parts: [{ text: 'great answer' }],
      metadata: { feedback: { key: 'thumbs', score: true } },
    })) as Task;
    expect(again.id).toBe(task.id);
    expect(again.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect((await api(`/runs/${task.id}/feedback`, gw.keys.acme)).body).toMatchObject([
      { key: 'thumbs', score: 1, comment: 'great answer', agent: 'helper', user: 'key:acme-ann' },
    ]);
    const bad = await send({
      messageId: 'fb-3',
      taskId: task.id,
      parts: [{ text: 'x' }],
      metadata: { feedback: { key: 'thumbs', score: 3 } },
    }).catch((e: unknown) => e);
    expect(String(bad)).toMatch(/score is at most 1/);
    const unknown = await send({
      messageId: 'fb-4',
      taskId: 'no-such-task',
      parts: [{ text: 'x' }],
      metadata: { feedback: { key: 'k' } },
    }).catch((e: unknown) => e);
    expect(String(unknown)).toMatch(/Task not found/);
    const noTask = await send({ messageId: 'fb-5', parts: [{ text: 'x' }], metadata: { feedback: { key: 'k' } } }).catch((e: unknown) => e);
    expect(String(noTask)).toMatch(/taskId/);
  });
});
