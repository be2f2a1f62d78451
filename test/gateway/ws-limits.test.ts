/** `/ws` limits: frame size, slow readers, rate limits, hello timeout, connection limits, heartbeats. */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLOSE, hashApiKey } from '../../gateway/index.js';
import { startNode, WsClient, type TestNode, wsCleanup } from './ws-fixture.js';

let node: TestNode | undefined;
const connect = wsCleanup(
  () => node,
  () => (node = undefined),
);

const socketOf = (c: WsClient): Socket => (c.ws as unknown as { _socket: Socket })._socket;
const until = async (cond: () => boolean, timeoutMs = 5_000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('/ws limits', () => {
  it('closes a connection that sends a frame over the limit with 1009', async () => {
    node = await startNode({ limits: { frameBytes: 64 * 1024 } });
    const c = await connect(node);
    await c.type('welcome');
    c.send({ type: 'publish', topic: 'x', payload: 'a'.repeat(100 * 1024) });
    const closed = await c.closed;
    expect(closed.code).toBe(CLOSE.TOO_BIG);
    expect(await node.gateway.metrics.valueOf(node.gateway.metrics.wsCloses, { code: '1009' })).toBe(1);
  });

  it('closes a client that stops reading with 4008 and never queues more than the buffer limit', async () => {
    const limit = 256 * 1024;
    node = await startNode({ limits: { sendBufferBytes: limit, sendBufferFrames: 100_000 } });
    const c = await connect(node);
    await c.type('welcome');
    c.send({ type: 'subscribe', topic: 'firehose' });
    c.send({ type: 'ping', id: 's' });
    await c.next((f) => f['id'] === 's');
    const session = [...node.gateway.ws.sessions][0]!;
    socketOf(c).pause();
    const payload = 'x'.repeat(16 * 1024);
    const total = 2_000; // 32 MB if it were all kept
    for (let i = 0; i < total && (await node.gateway.metrics.valueOf(node.gateway.metrics.wsCloses, { code: '4008' })) === 0; i++)
      await node.system.publish('firehose', { i, payload });
    expect(await node.gateway.metrics.valueOf(node.gateway.metrics.wsCloses, { code: '4008' })).toBe(1);
    expect(session.peakBufferedBytes).toBeLessThanOrEqual(limit);
    // Further publishes reach nobody: the session unsubscribed when it closed.
    for (let i = 0; i < 50; i++) await node.system.publish('firehose', { i, payload });
    socketOf(c).resume();
    const closed = await c.closed;
    expect(closed.code).toBe(CLOSE.SLOW_CONSUMER);
    const received = c.frames.filter((f) => f['type'] === 'message').length;
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(total);
  });

  it('answers a flood past the rate limit with rate_limited error frames and stays open', async () => {
    node = await startNode({ limits: { ratePerSec: 20, burst: 10 } });
    const c = await connect(node);
    await c.type('welcome');
    for (let i = 0; i < 40; i++) c.send({ type: 'ping', id: `p${i}` });
    await c.next((f) => f['type'] === 'error' && f['code'] === 'rate_limited');
    await new Promise((r) => setTimeout(r, 100));
    const pongs = c.frames.filter((f) => f['type'] === 'pong').length;
    const limited = c.frames.filter((f) => f['type'] === 'error' && f['code'] === 'rate_limited');
    expect(pongs).toBeGreaterThanOrEqual(10);
    expect(pongs).toBeLessThan(20);
    expect(pongs + limited.length).toBe(40);
    expect(limited[0]?.['retry_after_ms']).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, limited.at(-1)!['retry_after_ms'] as number));
    c.send({ type: 'ping', id: 'later' });
    expect(await c.next((f) => f['id'] === 'later')).toMatchObject({ type: 'pong' });
    expect(await node.gateway.metrics.valueOf(node.gateway.metrics.rateLimited)).toBe(limited.length);
  });

  it('closes a connection that does not authenticate within the hello timeout with 1008', async () => {
    const key = 'trp_test_key_for_hello_timeout_0000000000000';
    node = await startNode({
      auth: { keys: [{ id: 'k', hash: hashApiKey(key), tenant: 'acme', roles: ['user'] }] },
      limits: { helloTimeoutMs: 150 },
    });
    const c = await connect(node);
    c.send({ type: 'ping' });
    expect(await c.type('error')).toMatchObject({ code: 'unauthorized' });
    expect((await c.closed).code).toBe(CLOSE.POLICY);
  });

  it('refuses upgrades past the global (503) and per-key (429) connection limits', async () => {
    const key = 'trp_test_key_for_connection_limits_000000000';
    node = await startNode({
      auth: { keys: [{ id: 'k', hash: hashApiKey(key), tenant: 'acme', roles: ['user'] }] },
      limits: { connections: 3, connectionsPerKey: 2 },
    });
    const auth = { authorization: `Bearer ${key}` };
    await connect(node, auth);
    const second = await connect(node, auth);
    await expect(WsClient.connect(node.url, auth)).rejects.toMatchObject({ status: 429 });
    await connect(node); // anonymous until hello: counted per address
    await expect(WsClient.connect(node.url)).rejects.toMatchObject({ status: 503 });
    second.ws.close();
    await second.closed;
    await until(() => node!.gateway.ws.sessions.size === 2);
    await connect(node, auth);
  });

  it('drops a peer that stops answering pings (heartbeat)', async () => {
    node = await startNode({ limits: { heartbeatMs: 50 } });
    const c = await connect(node);
    await c.type('welcome');
    await new Promise((r) => setTimeout(r, 150));
    expect(node.gateway.ws.sessions.size).toBe(1); // a live peer answers pings
    socketOf(c).pause();
    await until(() => node!.gateway.ws.sessions.size === 0, 2_000);
    expect(await node.gateway.metrics.valueOf(node.gateway.metrics.wsCloses, { code: 'heartbeat' })).toBe(1);
  });

  it('limits subscriptions plus streamed runs per connection; a run resumed past its end frees its slot', async () => {
    node = await startNode({ limits: { subscriptionsPerConnection: 2 } });
    const c = await connect(node);
    await c.type('welcome');
    c.send({ type: 'run.start', id: 'r', agent: 'assistant', input: { messages: [{ role: 'user', content: 'hi' }] } });
    const runId = (await c.type('run.created'))['run_id'] as string;
    const frames = await c.run(runId);
    const last = frames.at(-1)!['seq'] as number;
    c.send({ type: 'subscribe', id: 's1', topic: 'a' });
    c.send({ type: 'subscribe', id: 's2', topic: 'b' });
    c.send({ type: 'subscribe', id: 's3', topic: 'c' });
    expect(await c.next((f) => f['id'] === 's3')).toMatchObject({
      type: 'error',
      code: 'rate_limited',
      message: expect.stringContaining('at most 2'),
    });
    c.send({ type: 'unsubscribe', topic: 'b' });
    c.send({ type: 'hello', resume: { run_id: runId, after_seq: last } });
    await c.type('welcome');
    c.send({ type: 'subscribe', id: 's4', topic: 'd' });
    c.send({ type: 'ping', id: 'p' });
    await c.next((f) => f['id'] === 'p');
    expect(c.frames.filter((f) => f['id'] === 's4')).toEqual([]);
    expect(c.frames.filter((f) => f['type'] === 'error')).toHaveLength(1);
  });
});
