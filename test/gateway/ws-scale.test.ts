/** 1,000 concurrent WebSocket conversations on the offline model: none loses or repeats an event. */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startNode, type TestNode } from './ws-fixture.js';

let node: TestNode | undefined;
afterEach(async () => {
  await node?.stop();
  node = undefined;
});

const N = 1_000;

/** One conversation: connect, start a run, collect its frames to the end. */
function converse(url: string, i: number): Promise<{ frames: Record<string, unknown>[]; runId: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: Record<string, unknown>[] = [];
    let runId = '';
    ws.on('error', reject);
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as Record<string, unknown>;
      if (f['type'] === 'welcome') {
        ws.send(
          JSON.stringify({
            type: 'run.start',
            id: `c${i}`,
            agent: i % 2 === 0 ? 'assistant' : 'billing',
            input: { messages: [{ role: 'user', content: `conversation ${i}` }] },
          }),
        );
        return;
      }
      if (f['type'] === 'run.created') runId = f['run_id'] as string;
      else if (f['type'] === 'error') reject(new Error(`conversation ${i}: ${JSON.stringify(f)}`));
      else frames.push(f);
      if (f['type'] === 'run.completed' || f['type'] === 'run.failed' || f['type'] === 'run.cancelled') {
        ws.close();
        resolve({ frames, runId });
      }
    });
  });
}

describe('/ws at scale', () => {
  it(`completes ${N} concurrent conversations with gap-free, duplicate-free events`, async () => {
    node = await startNode({ limits: { connections: 5_000 } });
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: N }, (_, i) => converse(node!.url, i)));
    const ms = Date.now() - started;
    const runIds = new Set<string>();
    results.forEach(({ frames, runId }, i) => {
      runIds.add(runId);
      expect(frames.every((f) => f['run_id'] === runId)).toBe(true);
      expect(frames.map((f) => f['seq'])).toEqual(frames.map((_, k) => k + 1));
      const end = frames.at(-1)!;
      expect(end['type']).toBe('run.completed');
      expect(end['output']).toContain(`conversation ${i}`);
      const text = frames
        .filter((f) => f['event'] === 'token')
        .map((f) => (f['data'] as { text: string }).text)
        .join('');
      expect(text).toBe(end['output']);
    });
    expect(runIds.size).toBe(N);
    expect(await node.gateway.metrics.valueOf(node.gateway.metrics.runsStarted)).toBe(N);
    expect(await node.gateway.metrics.valueOf(node.gateway.metrics.runsEnded, { status: 'success' })).toBe(N);
    console.log(`${N} conversations in ${ms} ms`);
  }, 60_000);
});
