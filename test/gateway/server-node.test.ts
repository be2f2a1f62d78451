/** `troupe node --gateway` on a real nats-server: the gateway serves a conversation, health follows the drain. */
import { afterAll, describe, expect, it } from 'vitest';
import { NatsServer } from '../nats/server.js';
import { cleanEnv, startCliGateway } from './cli-fixture.js';
import { startFrame, WsClient } from './ws-fixture.js';

let server: NatsServer | undefined;
afterAll(async () => {
  await server?.stop();
});

describe('troupe node --gateway', () => {
  it('serves /healthz (nats connected) and a WS conversation on a mesh node, then drains', async () => {
    server = await NatsServer.start();
    const { child, url, output, exited } = await startCliGateway(
      ['node', '--nats', server.url, '--prefix', `gw${process.pid}`, '--node-id', 'gw-node', '--gateway'],
      cleanEnv({ TROUPE_PORT: '0' }),
    );
    try {
      const health = await fetch(`${url}/healthz`);
      expect(await health.json()).toMatchObject({ status: 'ok', node: 'gw-node', nats: 'connected' });
      const c = await WsClient.connect(`${url.replace(/^http/, 'ws')}/ws`);
      expect(await c.type('welcome')).toMatchObject({ node: 'gw-node' });
      c.send(startFrame('1', 'assistant', 'hello mesh'));
      const runId = (await c.type('run.created', 20_000))['run_id'] as string;
      const frames = await c.run(runId, false, 20_000);
      expect(frames.at(-1)).toMatchObject({ type: 'run.completed', output: expect.stringContaining('hello mesh') });
      expect(frames.map((f) => f['seq'])).toEqual(frames.map((_, i) => i + 1));
      c.ws.terminate();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output()).toContain('drained');
  }, 120_000);
});
