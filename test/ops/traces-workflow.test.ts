/**
 * Traces of a workflow run (issues 16 and 17): a run started with a traceparent is one tree under it — the workflow
 * actor's `invoke_workflow {workflow}` span, its agent step's `invoke_agent` run as a child, that run's tool call below
 * — exported to an OTLP receiver inside the test.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OfflineProvider } from '../../actors/llm/offline.js';
import { redactPersonalData, type Catalog } from '../../actors/index.js';
import { WORKFLOW_STATE } from '../../actors/workflow/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { configSchema } from '../../config/index.js';
import { RUN_CREATE } from '../../protocols/index.js';
import { MeshNode, flushTracing, startTracing, stopTracing, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { eventually } from '../transport/contract.js';
import { OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const ENV = { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '50' };
const FLOW = `name: calc-flow
input: { text: string }
steps:
  compute: { agent: clerk, input: "\${input.text}" }
  stamp: { tool: clock, needs: [compute] }
output: { answer: "\${steps.compute.output}", at: "\${steps.stamp.output}" }
`;

let receiver: OtlpReceiver;
let system: ActorSystem;
let catalog: Catalog;

beforeAll(async () => {
  receiver = await OtlpReceiver.start();
  Object.assign(process.env, ENV, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  expect(await startTracing({ redactText: redactPersonalData })).toBe(true);
  const config = configSchema.parse({
    agents: [{ name: 'clerk', instructions: 'Compute.', provider: 'offline', tools: ['calculator'] }],
    workflows: [parse(FLOW) as unknown],
  });
  system = await createSystem({ config, warn: () => undefined });
  const mesh = new MeshNode(system);
  catalog = await composeCatalog(config, mesh, { provider: () => ({ provider: new OfflineProvider(), model: 'offline' }) });
  await mesh.start();
}, 60_000);

afterAll(async () => {
  await catalog?.close();
  await system?.shutdown();
  await stopTracing();
  await receiver?.close();
  for (const k of [...Object.keys(ENV), 'OTEL_EXPORTER_OTLP_ENDPOINT']) delete process.env[k];
});

describe('traces of a workflow run', () => {
  it('is one tree under the starting traceparent: invoke_workflow, its agent step, the tool call', async () => {
    const traceId = randomBytes(16).toString('hex');
    const parent = randomBytes(8).toString('hex');
    const ref = await catalog.ensure('workflow/calc-flow', 'acme');
    const run = await ref.ask<{ run_id: string }>(
      RUN_CREATE,
      { input: { messages: [{ role: 'user', content: '/tool calculator {"expression":"6*7"}' }] } },
      { traceparent: `00-${traceId}-${parent}-01` },
    );
    await eventually(async () => (await ref.ask<{ status: string }>(WORKFLOW_STATE, { run_id: run.run_id })).status === 'success', 20_000);
    await flushTracing();
    const spans = await receiver.until((all) => {
      const mine = all.filter((s) => s.traceId === traceId);
      return mine.some((s) => s.name === 'invoke_workflow calc-flow') && mine.some((s) => s.name === 'execute_tool calculator')
        ? mine
        : undefined;
    }, 'the workflow trace');
    const named = (name: string): ReceivedSpan[] => spans.filter((s) => s.name === name);
    const [wf] = named('invoke_workflow calc-flow');
    expect(named('invoke_workflow calc-flow')).toHaveLength(1);
    expect(wf?.parentSpanId).toBe(parent);
    expect(wf?.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_workflow',
      'troupe.workflow.name': 'calc-flow',
      'troupe.run.id': run.run_id,
      'troupe.run.status': 'success',
    });
    const agents = named('invoke_agent clerk');
    expect(agents).toHaveLength(1);
    expect(agents[0]?.parentSpanId).toBe(wf?.spanId);
    const tools = named('execute_tool calculator');
    expect(tools.length).toBeGreaterThanOrEqual(1);
    for (const t of tools) expect(t.parentSpanId).toBe(agents[0]?.spanId);
  }, 60_000);
});
