/** Tenants are invisible to each other over /ws: another tenant's run, thread or topic looks like not_found. */
import { describe, expect, it } from 'vitest';
import { generateApiKey } from '../../gateway/index.js';
import { startFrame, startNode, type TestNode, type WsClient, wsCleanup } from './ws-fixture.js';

let node: TestNode | undefined;
const connect = wsCleanup(
  () => node,
  () => (node = undefined),
);

const acme = generateApiKey();
const globex = generateApiKey();

async function as(key: string): Promise<WsClient> {
  const c = await connect(node!, { authorization: `Bearer ${key}` });
  await c.type('welcome');
  return c;
}

describe('/ws tenancy', () => {
  it("keeps tenant B away from tenant A's runs, threads and topics", async () => {
    node = await startNode({
      auth: {
        keys: [
          { id: 'acme', hash: acme.hash, tenant: 'acme', roles: ['user'] },
          { id: 'globex', hash: globex.hash, tenant: 'globex', roles: ['user'] },
        ],
      },
    });
    const a = await as(acme.key);
    const b = await as(globex.key);

    a.send({ type: 'subscribe', topic: 'news.>' });
    a.send(startFrame('s', 'careful', '/tool add {"a":1,"b":2}'));
    const created = await a.type('run.created');
    const runId = created['run_id'] as string;
    const threadId = created['thread_id'] as string;
    await a.run(runId, true);

    // B reaches for A's run and thread by id: not_found, exactly like ids that never existed.
    b.send({ type: 'run.cancel', id: 'c', run_id: runId });
    const e1 = await b.next((f) => f['id'] === 'c');
    b.send({ type: 'run.cancel', id: 'c2', run_id: 'never-existed' });
    const e2 = await b.next((f) => f['id'] === 'c2');
    expect(e1).toMatchObject({ type: 'error', code: 'not_found' });
    expect(e1['message']).toBe(String(e2['message']).replace('never-existed', runId));
    b.send({ type: 'run.resume', id: 'r', run_id: runId, resume: { approve: true } });
    expect(await b.next((f) => f['id'] === 'r')).toMatchObject({ type: 'error', code: 'not_found' });
    b.send({ type: 'hello', resume: { run_id: runId, after_seq: 0 } });
    expect(await b.type('error')).toMatchObject({ code: 'not_found' });
    b.send(startFrame('t', 'assistant', 'hi', { thread_id: threadId }));
    expect(await b.next((f) => f['id'] === 't')).toMatchObject({ type: 'error', code: 'not_found' });
    // B subscribes to A's run topic and publishes on A's topic: B sees nothing of A, A nothing of B.
    b.send({ type: 'subscribe', topic: `run.${runId}` });
    b.send({ type: 'publish', topic: 'news.today', payload: 'from globex' });
    b.send({ type: 'ping', id: 'sync' });
    await b.next((f) => f['id'] === 'sync');

    // A's run is untouched: A resumes it and it completes; B got none of its events.
    a.send({ type: 'run.resume', id: 'ok', run_id: runId, resume: { approve: true } });
    expect((await a.run(runId)).at(-1)).toMatchObject({ type: 'run.completed' });
    a.send({ type: 'publish', topic: 'news.today', payload: 'from acme' });
    const msg = await a.type('message');
    expect(msg['payload']).toBe('from acme');
    await new Promise((r) => setTimeout(r, 50));
    expect(a.frames.filter((f) => f['type'] === 'message')).toHaveLength(1);
    expect(b.frames.filter((f) => f['run_id'] === runId || f['type'] === 'message')).toEqual([]);
  });
});
