/**
 * The console's server side on `troupe node --gateway` over a real nats-server (threads and runs in JetStream, the
 * thread owner and agents reached through NATS): a run from an older checkpoint forks the thread (real LangGraph SDK
 * client), `GET /mesh` shows the node with the gateway URL it announced in membership, the forked run's timeline
 * names the node, and a second `troupe node` process killed with SIGKILL shows dead (snapshot and event).
 */
import { Client } from '@langchain/langgraph-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeProcess } from '../cluster/nodes.js';
import { NatsServer } from '../nats/server.js';
import { eventually } from '../transport/contract.js';
import { cleanEnv, startCliGateway } from './cli-fixture.js';
import { openSse } from './sse-client.js';

let server: NatsServer | undefined;
afterAll(async () => {
  await server?.stop();
});

type Msgs = { messages: { content: string }[] };
const human = (content: string) => ({ messages: [{ type: 'human', content }] });

describe('troupe node --gateway: fork, mesh view, timeline', () => {
  it('forks a thread from an older checkpoint, shows the node and its gateway, and the run on it', async () => {
    server = await NatsServer.start();
    const prefix = `cn${process.pid}`;
    const { child, url, exited } = await startCliGateway(
      ['node', '--nats', server.url, '--prefix', prefix, '--node-id', 'console-node', '--gateway'],
      cleanEnv({ TROUPE_PORT: '0' }),
    );
    let other: NodeProcess | undefined;
    try {
      const c = new Client({ apiUrl: `${url}/acp` });
      const t = await c.threads.create();
      await c.runs.wait(t.thread_id, 'assistant', { input: human('first question') });
      await c.runs.wait(t.thread_id, 'assistant', { input: human('second question') });
      const before = await c.threads.getHistory<Msgs>(t.thread_id, { limit: 100 });
      const fork = before.find((h) => h.values.messages.length === 2);
      expect(fork).toBeDefined();
      const run = await c.runs.create(t.thread_id, 'assistant', {
        input: human('branch question'),
        checkpointId: fork?.checkpoint.checkpoint_id as string,
      });
      await c.runs.join(t.thread_id, run.run_id);
      const state = await c.threads.getState<Msgs>(t.thread_id);
      const texts = state.values.messages.map((m) => m.content);
      expect(texts.slice(0, 3)).toEqual(['first question', fork?.values.messages[1]?.content, 'branch question']);
      expect(texts).not.toContain('second question');
      const after = await c.threads.getHistory<Msgs>(t.thread_id, { limit: 100 });
      expect(after.length).toBeGreaterThan(before.length);
      for (const old of before) expect(after.map((h) => h.checkpoint.checkpoint_id)).toContain(old.checkpoint.checkpoint_id);
      const firstNew = after.filter((h) => !before.some((b) => b.checkpoint.checkpoint_id === h.checkpoint.checkpoint_id)).at(-1);
      expect(firstNew?.parent_checkpoint?.checkpoint_id).toBe(fork?.checkpoint.checkpoint_id);

      // Auth is off on loopback: the caller is the anonymous admin.
      const mesh = (await (await fetch(`${url}/mesh`)).json()) as { nodes: { id: string; state: string; gateway: string | null }[] };
      expect(mesh.nodes).toContainEqual(expect.objectContaining({ id: 'console-node', state: 'serving', gateway: url }));

      const tl = await fetch(`${url}/runs/${run.run_id}/timeline`);
      expect(tl.status).toBe(200);
      const body = (await tl.json()) as { status: string; nodes: string[]; spans: { kind: string; node: string | null }[] };
      expect(body.status).toBe('success');
      expect(body.nodes).toEqual(['console-node']);
      expect(body.spans.filter((s) => s.kind === 'model').length).toBeGreaterThan(0);

      // A second node process joins, then is killed: it shows serving, then dead (by the membership's silence window).
      const events = await openSse(`${url}/mesh/events`, {});
      await events.next((f) => f.event === 'ready', 10_000, 'ready');
      other = await NodeProcess.start('doomed-node', [server.url], prefix);
      const states = async (): Promise<Record<string, string>> =>
        Object.fromEntries(
          ((await (await fetch(`${url}/mesh`)).json()) as { nodes: { id: string; state: string }[] }).nodes.map((n) => [n.id, n.state]),
        );
      await eventually(async () => (await states())['doomed-node'] === 'serving', 30_000, 'the second node serving');
      await events.next((f) => f.event === 'node.joined' && f.data['node'] === 'doomed-node', 10_000, 'doomed-node joined');
      await other.signal('SIGKILL');
      await events.next((f) => f.event === 'node.dead' && f.data['node'] === 'doomed-node', 30_000, 'doomed-node dead');
      expect((await states())['doomed-node']).toBe('dead');
      events.close();
    } finally {
      await other?.signal('SIGKILL');
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 240_000);
});
