/**
 * Traces (issue 17) on one node with a gateway: an OTLP/HTTP receiver inside the test gets the spans of real runs.
 * A run asked over HTTP with a `traceparent` header is one tree under that header — the gateway's server span, the
 * agent's `invoke_agent`, its `chat` and `execute_tool` spans — with the GenAI attributes; a run started over a
 * WebSocket whose upgrade carried a `traceparent` continues it; message content is absent unless opted in, and then
 * has secrets scrubbed and personal data redacted.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HashingTestEmbedder, RunStore, redactPersonalData, spawnCollection } from '../../actors/index.js';
import { RAG_INGEST, RAG_SEARCH } from '../../actors/memory/rag/messages.js';
import { configSchema } from '../../config/index.js';
import { registerSecret } from '../../protocols/index.js';
import { startTracing, stopTracing, flushTracing } from '../../runtime/index.js';
import { startCatalogGateway, type CatalogGateway } from '../gateway/catalog-fixture.js';
import { OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const ENV = {
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_BSP_SCHEDULE_DELAY: '50',
  OTEL_SERVICE_NAME: 'troupe-traces-test',
};

let receiver: OtlpReceiver;
let gw: CatalogGateway<'user'>;

const traceparent = (): string => `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;

beforeAll(async () => {
  receiver = await OtlpReceiver.start();
  Object.assign(process.env, ENV, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  expect(await startTracing({ redactText: redactPersonalData })).toBe(true);
  const config = configSchema.parse({
    agents: [
      { name: 'clerk', instructions: 'Compute.', provider: 'offline', tools: ['calculator'] },
      { name: 'careful', instructions: 'Compute, with approval.', provider: 'offline', tools: ['calculator'], approvals: ['calculator'] },
    ],
    memory: { store: { index: [] } },
  });
  gw = await startCatalogGateway(config, { user: { id: 'u', tenant: 'acme', roles: ['user'] } });
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await stopTracing();
  await receiver?.close();
  for (const k of [...Object.keys(ENV), 'OTEL_EXPORTER_OTLP_ENDPOINT']) delete process.env[k];
});

/** Runs `content` on clerk over /acp/runs/wait with `headers`; the response body. */
async function runWait(content: string, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await fetch(`${gw.url}/acp/runs/wait`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.keys.user.key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ assistant_id: 'clerk', input: { messages: [{ role: 'user', content }] } }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** The spans of one trace once its run span and everything under it ended (two model calls). */
async function traceOf(traceId: string): Promise<ReceivedSpan[]> {
  await flushTracing();
  return receiver.until((all) => {
    const spans = all.filter((s) => s.traceId === traceId);
    return spans.some((s) => s.name === 'invoke_agent clerk') && spans.filter((s) => s.name.startsWith('chat ')).length >= 2
      ? spans
      : undefined;
  }, `the spans of trace ${traceId}`);
}

const one = (spans: readonly ReceivedSpan[], name: string): ReceivedSpan => {
  const found = spans.filter((s) => s.name === name);
  expect(found.map((s) => s.name)).toEqual([name]);
  return found[0] as ReceivedSpan;
};

describe('traces of a run', () => {
  it('an HTTP run with a traceparent header is one tree under it, with GenAI attributes and no content by default', async () => {
    const header = traceparent();
    const traceId = header.slice(3, 35);
    await runWait('/tool calculator {"expression":"6*7"}\n/tool calculator {"expression":"6*"}', { traceparent: header });
    const spans = await traceOf(traceId);

    const server = one(spans, 'POST /acp');
    expect(server.parentSpanId).toBe(header.slice(36, 52)); // the caller's span
    expect(server.kind).toBe(2); // SERVER
    expect(server.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/acp', 'http.response.status_code': 200 });
    expect(server.resource['service.name']).toBe('troupe-traces-test');

    const run = one(spans, 'invoke_agent clerk');
    expect(run.parentSpanId).toBe(server.spanId);
    expect(run.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'clerk',
      'gen_ai.provider.name': 'offline',
      'troupe.run.status': 'success',
    });
    const thread = run.attributes['gen_ai.conversation.id'];
    expect(typeof thread).toBe('string');
    expect(run.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);

    const chats = spans.filter((s) => s.name.startsWith('chat '));
    expect(chats).toHaveLength(2);
    for (const c of chats) {
      expect(c.parentSpanId).toBe(run.spanId);
      expect(c.kind).toBe(3); // CLIENT
      expect(c.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'offline',
        'gen_ai.agent.name': 'clerk',
        'gen_ai.conversation.id': thread,
      });
      expect(c.name).toBe(`chat ${String(c.attributes['gen_ai.request.model'])}`);
      expect(c.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
      expect(c.attributes['gen_ai.input.messages']).toBeUndefined(); // content is opt-in
      expect(c.attributes['gen_ai.output.messages']).toBeUndefined();
    }
    expect(chats.map((c) => c.attributes['gen_ai.response.finish_reasons']).sort()).toEqual([['stop'], ['tool_call']]);

    const tools = spans.filter((s) => s.name === 'execute_tool calculator');
    expect(tools).toHaveLength(2);
    for (const t of tools) {
      expect(t.parentSpanId).toBe(run.spanId);
      expect(t.attributes).toMatchObject({
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'calculator',
        'gen_ai.agent.name': 'clerk',
      });
      expect(typeof t.attributes['gen_ai.tool.call.id']).toBe('string');
      expect(t.attributes['gen_ai.tool.call.arguments']).toBeUndefined();
    }
    const failed = tools.filter((t) => t.status.code === 2);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.attributes['error.type']).toBe('tool_error');

    // One connected tree: every parent is in the trace, except the root's (the caller's span).
    const ids = new Set(spans.map((s) => s.spanId));
    expect(spans.filter((s) => !ids.has(s.parentSpanId)).map((s) => s.name)).toEqual(['POST /acp']);
  }, 30_000);

  it('a request without a traceparent gets a root server span whose trace the run joins', async () => {
    const before = receiver.spans.length;
    await runWait('/tool calculator {"expression":"2+2"}');
    await flushTracing();
    const server = await receiver.until(
      (all) => all.slice(before).find((s) => s.name === 'POST /acp'),
      'the server span of a request without traceparent',
    );
    expect(server.parentSpanId).toBe('');
    const spans = await traceOf(server.traceId);
    expect(one(spans, 'invoke_agent clerk').parentSpanId).toBe(server.spanId);
  }, 30_000);

  it('a run started over a WebSocket continues the traceparent of its upgrade request', async () => {
    const header = traceparent();
    const ws = new WebSocket(`${gw.url.replace(/^http/, 'ws')}/ws`, {
      headers: { authorization: `Bearer ${gw.keys.user.key}`, traceparent: header },
    });
    const frames: Record<string, unknown>[] = [];
    ws.on('message', (d: Buffer) => frames.push(JSON.parse(d.toString()) as Record<string, unknown>));
    await new Promise<void>((ok, fail) => {
      ws.once('open', () => ok());
      ws.once('error', fail);
    });
    ws.send(
      JSON.stringify({
        type: 'run.start',
        id: 'r1',
        agent: 'clerk',
        input: { messages: [{ role: 'user', content: '/tool calculator {"expression":"1+1"}' }] },
      }),
    );
    const spans = await traceOf(header.slice(3, 35));
    expect(one(spans, 'invoke_agent clerk').parentSpanId).toBe(header.slice(36, 52));
    expect(frames.some((f) => f['type'] === 'run.completed')).toBe(true);
    ws.close();
  }, 30_000);

  it('captures content only when opted in, with secrets scrubbed and personal data redacted', async () => {
    await stopTracing();
    expect(await startTracing({ captureContent: true, redactText: redactPersonalData })).toBe(true);
    const email = 'jane.doe@example.com';
    const secret = `sk-live-${randomBytes(12).toString('hex')}`;
    expect(registerSecret(secret)).toBe(true);
    const header = traceparent();
    await runWait(`/tool calculator {"expression":"6*7","note":"mail ${email} key ${secret}"}`, { traceparent: header });
    const spans = await traceOf(header.slice(3, 35));
    const chats = spans.filter((s) => s.name.startsWith('chat '));
    const input = chats.map((c) => String(c.attributes['gen_ai.input.messages'])).join('\n');
    expect(input).toContain('[REDACTED:EMAIL]');
    expect(input).toContain('"role":"user"');
    const output = chats.map((c) => String(c.attributes['gen_ai.output.messages'])).join('\n');
    expect(output).toContain('tool_call');
    const tool = one(spans, 'execute_tool calculator');
    expect(String(tool.attributes['gen_ai.tool.call.arguments'])).toContain('[REDACTED:EMAIL]');
    expect(String(tool.attributes['gen_ai.tool.call.result'])).toContain('42');
    const all = JSON.stringify(spans);
    expect(all).not.toContain(email);
    expect(all).not.toContain(secret);
  }, 30_000);

  it('a search of a collection is a retrieval span with its query embedding as a child, under the asking message', async () => {
    const ref = await spawnCollection(gw.system, 'handbook', { embedder: new HashingTestEmbedder(16), tenant: 'acme' });
    await ref.ask(RAG_INGEST, { documents: [{ id: 'moons', content: 'Mars has two moons, Phobos and Deimos.' }] });
    const header = traceparent();
    const reply = await ref.ask<{ hits: unknown[] }>(RAG_SEARCH, { query: 'moons of Mars', k: 3 }, { traceparent: header });
    expect(reply.hits.length).toBeGreaterThan(0);
    await flushTracing();
    const spans = await receiver.until((all) => {
      const t = all.filter((x) => x.traceId === header.slice(3, 35));
      return t.some((x) => x.name === 'retrieval handbook') && t.some((x) => x.name.startsWith('embeddings ')) ? t : undefined;
    }, 'the retrieval spans');
    const retrieval = one(spans, 'retrieval handbook');
    expect(retrieval.parentSpanId).toBe(header.slice(36, 52));
    expect(retrieval.attributes).toMatchObject({
      'gen_ai.operation.name': 'retrieval',
      'gen_ai.data_source.id': 'handbook',
      'gen_ai.request.top_k': 3,
    });
    expect(retrieval.attributes['troupe.retrieval.hits']).toBe(reply.hits.length);
    const embeddings = one(spans, 'embeddings hashing-test/16');
    expect(embeddings.parentSpanId).toBe(retrieval.spanId);
    expect(embeddings.attributes).toMatchObject({ 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': 'hashing-test/16' });
  }, 30_000);

  it('an actor that opens no span passes the traceparent of the message it handles on unchanged (the tree stays connected)', async () => {
    const seen: (string | undefined)[] = [];
    await gw.system.spawn('sink/t', { receive: (m) => void seen.push(m.traceparent) });
    await gw.system.spawn('relay/t', { receive: (_m, ctx) => ctx.ask('sink/t', 'relay.out', 1) });
    const header = traceparent();
    await gw.system.ref('relay/t').ask('relay.in', 1, { traceparent: header });
    expect(seen).toEqual([header]);
  });

  it('a run resumed by a new activation of its agent continues the trace it was started in', async () => {
    const header = traceparent();
    const res = await fetch(`${gw.url}/acp/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.keys.user.key}`, 'content-type': 'application/json', traceparent: header },
      body: JSON.stringify({
        assistant_id: 'careful',
        input: { messages: [{ role: 'user', content: '/tool calculator {"expression":"6*7"}' }] },
      }),
    });
    expect(res.status).toBe(200);
    const { run_id: runId, thread_id: threadId } = (await res.json()) as { run_id: string; thread_id: string };
    const store = new RunStore(gw.system.storage);
    const end = Date.now() + 10_000;
    while ((await store.getRun('acme', runId))?.status !== 'interrupted' && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    // The agent stops while the run waits for approval; its next activation restores the run from the checkpoint.
    const agent = gw.system.ref('agent/careful', 'acme');
    await gw.system.stop(agent);
    await gw.catalog.ensure('agent/careful', 'acme');
    const resumed = await fetch(`${gw.url}/acp/threads/${threadId}/runs/wait`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.keys.user.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ assistant_id: 'careful', command: { resume: { approve: true } } }),
    });
    expect(resumed.status).toBe(200);
    await flushTracing();
    const runs = await receiver.until((all) => {
      const r = all.filter((x) => x.traceId === header.slice(3, 35) && x.name === 'invoke_agent careful');
      return r.length >= 2 ? r : undefined;
    }, 'the run span of both activations');
    const server = receiver.spans.find(
      (x) => x.traceId === header.slice(3, 35) && x.name === 'POST /acp' && x.parentSpanId === header.slice(36, 52),
    );
    for (const r of runs) expect(r.parentSpanId).toBe(server?.spanId);
    // The first activation's span ends when the agent stops (the run left to its checkpoint); the second ends the run.
    expect(runs.map((r) => r.attributes['troupe.run.status']).sort()).toEqual(['left', 'success']);
  }, 30_000);
});
