/**
 * `troupe/client` against a real gateway: a run's frames in order, an approval answered, a bad
 * agent refused, and a dropped connection resumed without a gap or a duplicate.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { GatewayError, TroupeClient, type RunFrame } from '../../gateway/client/index.js';
import { startNode, type TestNode } from './ws-fixture.js';
import { eventually } from '../transport/contract.js';

let node: TestNode | undefined;
let client: TroupeClient | undefined;
afterEach(async () => {
  await client?.close();
  await node?.stop();
  node = client = undefined;
});

async function connect(): Promise<TroupeClient> {
  node = await startNode();
  client = await TroupeClient.connect({ url: node.gateway.url, reconnect: { baseDelayMs: 20 } });
  return client;
}

describe('TroupeClient', () => {
  it('streams a run to its answer, seq without gaps', async () => {
    const c = await connect();
    expect(c.welcome?.tenant).toBe('default');
    const conv = await c.start('assistant', 'hello there');
    const frames: RunFrame[] = [];
    const outcome = await conv.result((f) => void frames.push(f));
    expect(outcome).toEqual({ status: 'success', output: expect.stringContaining('you said: hello there') });
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i + 1));
    expect(frames.some((f) => f.type === 'run.event' && f.event === 'token')).toBe(true);
  });

  it('refuses an unknown agent with the gateway error', async () => {
    const c = await connect();
    await expect(c.start('nobody', 'hi')).rejects.toMatchObject({ name: 'GatewayError', code: 'not_found' });
    expect(GatewayError).toBeDefined();
  });

  it('answers an approval, and resumes after a dropped connection exactly once, in order', async () => {
    const c = await connect();
    const conv = await c.start('careful', '/tool add {"a":1,"b":2}');
    const seqs: number[] = [];
    let dropped = false;
    const outcome = await conv.result(async (f) => {
      seqs.push(f.seq);
      if (f.type !== 'run.interrupted') return;
      expect(f.interrupt?.tool_call.name).toBe('add');
      // Drop the connection under the client; it reconnects and resumes by itself.
      (c as unknown as { ws: WebSocket }).ws.terminate();
      dropped = true;
      await eventually(() => c.connected);
      conv.resume({ approve: true });
    });
    expect(dropped).toBe(true);
    expect(outcome).toEqual({ status: 'success', output: expect.stringContaining('add: 3') });
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });
});
