/**
 * Traces across nodes (issue 17): two `troupe node` processes on a real nats-server, each exporting its spans over
 * OTLP/HTTP to a receiver inside the test. Agent `lead` lives on node A (which serves the gateway) and delegates to
 * agent `helper` on node B, which calls a tool: the spans of both processes form ONE trace tree — the request's
 * server span, `invoke_agent lead`, its `execute_tool ask_helper`, and under it (on node B, through the envelope's
 * traceparent) `invoke_agent helper` with its `chat` and `execute_tool calculator` spans.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rankHosts, type NodeInfo } from '../../runtime/index.js';
import { NatsServer } from '../nats/server.js';
import { eventually } from '../transport/contract.js';
import { meshClient, NodeProcess } from '../cluster/nodes.js';
import { cleanEnv, startCliGateway, type CliGateway } from '../gateway/cli-fixture.js';
import { OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const dir = mkdtempSync(join(tmpdir(), 'troupe-traces-mesh-'));
const configFile = join(dir, 'troupe.json');
let server: NatsServer;
let receiver: OtlpReceiver;
let nodeA: CliGateway | undefined;
let nodeB: NodeProcess | undefined;

/** Node ids for which placement (rendezvous hashing, runtime/node.ts) puts `lead` on the first and `helper` on the second. */
function pickIds(): [string, string] {
  const info = (id: string): NodeInfo => ({ id, kinds: ['agent', 'tool'], draining: false }) as unknown as NodeInfo;
  for (let i = 0; i < 1000; i++) {
    const a = info(`ta${i}`);
    const b = info(`tb${i}`);
    if (
      rankHosts([a, b], 'agent', 'default/agent/lead')[0]?.id === a.id &&
      rankHosts([a, b], 'agent', 'default/agent/helper')[0]?.id === b.id
    )
      return [a.id, b.id];
  }
  throw new Error('no pair of node ids places lead and helper apart');
}

beforeAll(async () => {
  [server, receiver] = await Promise.all([NatsServer.start(), OtlpReceiver.start()]);
  writeFileSync(
    configFile,
    JSON.stringify({
      agents: [
        { name: 'lead', instructions: 'Delegate.', provider: 'offline', delegates: ['helper'] },
        { name: 'helper', instructions: 'Compute.', provider: 'offline', tools: ['calculator'] },
      ],
    }),
  );
}, 30_000);

afterAll(async () => {
  nodeA?.child.kill('SIGKILL');
  await nodeB?.signal('SIGKILL');
  await server?.stop();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a trace across two nodes', () => {
  it('a delegation to an agent on another node that calls a tool is one trace tree with the right parents', async () => {
    const prefix = `tr${process.pid}`;
    const [a, b] = pickIds();
    const otel = {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      // The protobuf encoding here (the single-node traces test uses JSON): the receiver decodes both.
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    const common = ['--nats', server.url, '--prefix', prefix, '--kinds', 'agent,tool', '--config', configFile];
    [nodeA, nodeB] = await Promise.all([
      startCliGateway(['node', ...common, '--node-id', a, '--gateway'], cleanEnv({ TROUPE_PORT: '0', ...otel })),
      NodeProcess.start(b, [server.url], prefix, ['--kinds', 'agent,tool', '--config', configFile], otel),
    ]);
    const { system } = await meshClient([server.url], prefix);
    try {
      const live = (): NodeInfo[] => system.transport.cluster?.membership.live() ?? [];
      await eventually(() => [a, b].every((id) => live().some((n) => n.id === id && n.kinds.includes('agent'))), 20_000, 'both nodes');
    } finally {
      await system.shutdown();
    }

    const header = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    const traceId = header.slice(3, 35);
    const res = await fetch(`${nodeA.url}/acp/runs/wait`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: header },
      body: JSON.stringify({
        assistant_id: 'lead',
        input: { messages: [{ role: 'user', content: '/ask helper /tool calculator {"expression":"6*7"}' }] },
      }),
    });
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain('42');

    const spans = await receiver.until((all) => {
      const t = all.filter((s) => s.traceId === traceId);
      const ended = ['invoke_agent lead', 'invoke_agent helper', 'execute_tool calculator', 'execute_tool ask_helper', 'POST /acp'];
      return ended.every((n) => t.some((s) => s.name === n)) && t.filter((s) => s.name.startsWith('chat ')).length >= 4 ? t : undefined;
    }, `the spans of trace ${traceId} from both nodes`);

    // Under load a lease can lapse and an agent be activated again (on the node ranked first for it): its run then
    // resumes under a second `invoke_agent` span with the same parent (the checkpoint keeps the run's traceparent).
    const all = (name: string): ReceivedSpan[] => spans.filter((s) => s.name === name);
    const ids = (list: readonly ReceivedSpan[]): string[] => list.map((s) => s.spanId);
    const [request] = all('POST /acp');
    expect(all('POST /acp')).toHaveLength(1);
    const lead = all('invoke_agent lead');
    const ask = all('execute_tool ask_helper');
    const helper = all('invoke_agent helper');
    const tool = all('execute_tool calculator');
    expect(request?.parentSpanId).toBe(header.slice(36, 52));
    for (const s of lead) expect(s.parentSpanId).toBe(request?.spanId);
    for (const s of ask) expect(ids(lead)).toContain(s.parentSpanId);
    // The delegation crossed nodes through the envelope's traceparent: helper's run is a child of lead's call.
    for (const s of helper) expect(ids(ask)).toContain(s.parentSpanId);
    for (const s of tool) expect(ids(helper)).toContain(s.parentSpanId);
    for (const s of tool) expect(s.attributes).toMatchObject({ 'gen_ai.tool.name': 'calculator', 'gen_ai.agent.name': 'helper' });
    for (const s of ask) expect(s.attributes).toMatchObject({ 'gen_ai.tool.name': 'ask_helper', 'gen_ai.agent.name': 'lead' });

    // Who made which span (each process exports its own): the request on node A's gateway; the agents' spans on the
    // nodes ranked for them (lead on A, helper on B) — but under load a lapsed lease moves an activation to the other
    // node (a full `npm test` at load 7 saw lead's resumed run on B), so each may be on either, and at least one is on
    // B: with the parent links above, the trace crossed processes either way.
    expect(request?.resource['service.instance.id']).toBe(a);
    const made = [...lead, ...ask, ...helper, ...tool].map((s) => s.resource['service.instance.id']);
    for (const id of made) expect([a, b]).toContain(id);
    expect(made).toContain(b);
    const chats = spans.filter((s) => s.name.startsWith('chat '));
    expect(chats.filter((c) => ids(lead).includes(c.parentSpanId)).length).toBeGreaterThanOrEqual(2);
    const helperChats = chats.filter((c) => ids(helper).includes(c.parentSpanId));
    expect(helperChats.length).toBeGreaterThanOrEqual(2);
    for (const c of helperChats) expect(c.attributes['gen_ai.agent.name']).toBe('helper');

    // One connected tree: every parent id is a span of the trace, except the root's (the caller's span).
    const known = new Set(ids(spans));
    expect(spans.filter((s) => !known.has(s.parentSpanId)).map((s) => s.name)).toEqual(['POST /acp']);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]));
    expect([...receiver.encodings]).toEqual(['protobuf']);
  }, 150_000);
});
