/**
 * `/metrics` on prom-client (docs/gateway-operations.md, “Metrics”): after a real run over /ws on the offline model, a
 * real HTTP scrape parsed as Prometheus text shows the run's tokens in `gen_ai_client_token_usage` with the
 * OpenTelemetry GenAI labels, the model calls' duration and first token, the tool call, actors per kind, the NATS
 * state and the process metrics.
 */
import { afterEach, expect, it } from 'vitest';
import { parseExposition, samplesOf, sumOf, type Exposition } from './exposition.js';
import { startFrame, startNode, WsClient, type TestNode } from './ws-fixture.js';

let node: TestNode | undefined;
afterEach(async () => {
  await node?.stop();
  node = undefined;
});

async function scrape(n: TestNode): Promise<Exposition> {
  const res = await fetch(`${n.gateway.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await res.text());
}

it('counts the tokens of a run through the gateway by provider, model and token type', async () => {
  node = await startNode();
  const c = await WsClient.connect(node.url);
  c.send(startFrame('m', 'assistant', '/tool add {"a": 40, "b": 2}'));
  const runId = (await c.type('run.created'))['run_id'] as string;
  const frames = await c.run(runId);
  const usage = frames.find((f) => f['type'] === 'run.completed')?.['usage'] as { prompt_tokens: number; completion_tokens: number };
  expect(usage.prompt_tokens).toBeGreaterThan(0);
  expect(usage.completion_tokens).toBeGreaterThan(0);
  const m = await scrape(node);

  expect(m.types.get('gen_ai_client_token_usage')).toBe('histogram');
  const counts = samplesOf(m, 'gen_ai_client_token_usage_count');
  expect(counts.map((s) => s.labels['gen_ai_token_type']).sort()).toEqual(['input', 'output']);
  const model = counts[0]?.labels['gen_ai_request_model'] ?? '';
  expect(model).toMatch(/\S/);
  for (const s of counts)
    expect(s.labels).toEqual({
      gen_ai_operation_name: 'chat',
      gen_ai_provider_name: 'offline',
      gen_ai_request_model: model,
      gen_ai_token_type: s.labels['gen_ai_token_type'],
    });
  // Two model calls (the tool call, then the answer): their tokens add up to the run's usage.
  expect(sumOf(m, 'gen_ai_client_token_usage_count', { gen_ai_token_type: 'input' })).toBe(2);
  expect(sumOf(m, 'gen_ai_client_token_usage_sum', { gen_ai_token_type: 'input' })).toBe(usage.prompt_tokens);
  expect(sumOf(m, 'gen_ai_client_token_usage_sum', { gen_ai_token_type: 'output' })).toBe(usage.completion_tokens);
  expect(sumOf(m, 'gen_ai_client_token_usage_bucket', { gen_ai_token_type: 'input', le: '+Inf' })).toBe(2);

  expect(m.types.get('gen_ai_client_operation_duration_seconds')).toBe('histogram');
  expect(sumOf(m, 'gen_ai_client_operation_duration_seconds_count', { gen_ai_provider_name: 'offline', gen_ai_request_model: model })).toBe(
    2,
  );
  expect(sumOf(m, 'gen_ai_client_time_to_first_token_seconds_count', { gen_ai_provider_name: 'offline' })).toBeGreaterThanOrEqual(1);

  expect(sumOf(m, 'troupe_tool_calls_total', { tool: 'add', outcome: 'ok' })).toBe(1);
  expect(sumOf(m, 'troupe_runs_finished_total', { status: 'success' })).toBe(1);
  expect(sumOf(m, 'troupe_actors_active', { kind: 'agent' })).toBeGreaterThan(0);
  expect(samplesOf(m, 'troupe_nats_connection_state')).toEqual([
    { name: 'troupe_nats_connection_state', labels: { state: 'none' }, value: 1 },
  ]);
  expect(sumOf(m, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  expect(m.types.get('troupe_actor_restarts_total')).toBe('counter');
  c.ws.terminate();
});

it('shows the messages queued in mailboxes per kind, and their drain', async () => {
  node = await startNode();
  let open: () => void = () => undefined;
  const gate = new Promise<void>((r) => (open = r));
  let handled = 0;
  const ref = await node.system.spawn('slow/one', {
    async receive() {
      await gate;
      handled++;
    },
  });
  for (let i = 0; i < 5; i++) await ref.tell('slow.work', i);
  // The first message is being handled (it stays at the head until done), four wait behind it.
  expect(sumOf(await scrape(node), 'troupe_mailbox_depth', { kind: 'slow' })).toBe(5);
  expect(node.system.mailboxDepth(ref)).toBe(5);
  open();
  const end = Date.now() + 5_000;
  while (node.system.mailboxDepth(ref) !== 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  expect(handled).toBe(5);
  const after = await scrape(node);
  expect(sumOf(after, 'troupe_mailbox_depth', { kind: 'slow' })).toBe(0);
  expect(after.types.get('troupe_mailbox_depth')).toBe('gauge');
});

it('reads label values escaped in the exposition', () => {
  const e = parseExposition('# TYPE c_total counter\nc_total{path="a\\"b\\\\c\\nd"} 2\n');
  expect(samplesOf(e, 'c_total')).toEqual([{ name: 'c_total', labels: { path: 'a"b\\c\nd' }, value: 2 }]);
});
