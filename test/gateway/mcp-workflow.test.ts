/**
 * Workflows as MCP tools with the real `@modelcontextprotocol/sdk` client against a real gateway and catalog (offline
 * model): `workflow.<name>` runs the example to its human step, a second call with `run_id` and `resume`
 * finishes it, bad input is an error result naming the field, and a cancelled call cancels the run's agent step run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { WORKFLOW_STATE, WorkflowJournal } from '../../actors/workflow/index.js';
import { Gateway, mcpRoute, workflowMcpTools } from '../../gateway/index.js';
import { eventually } from '../transport/contract.js';
import { GATED_CONFIG, workflowMesh, type WorkflowMesh } from './workflow-fixture.js';

let fx: WorkflowMesh;
let gateway: Gateway;
let client: Client;

beforeAll(async () => {
  fx = await workflowMesh(GATED_CONFIG);
  const { deps } = fx;
  gateway = await Gateway.start({ deps, routes: [mcpRoute(deps, { builtins: workflowMcpTools(deps) })], port: 0, warn: () => undefined });
  client = new Client({ name: 'wf-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`)));
}, 60_000);

afterAll(async () => {
  await client?.close();
  await gateway?.close();
  await fx?.close();
});

type Result = {
  run_id: string;
  status: string;
  output?: { answer: string };
  waiting?: string[];
  steps: Record<string, { status: string; output?: unknown }>;
};

describe('workflows as MCP tools', () => {
  it('lists a tool per workflow, runs the example to its human step and finishes it with a resume', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['workflow.support-flow', 'workflow.slow']));
    const first = (await client.callTool({
      name: 'workflow.support-flow',
      arguments: { input: { text: 'my bill is wrong' } },
    })) as CallToolResult;
    const r1 = first.structuredContent as Result;
    expect(r1.status).toBe('interrupted');
    expect(r1.waiting).toEqual(['review']);
    expect(String(r1.steps.billing?.output)).toContain('bill');
    const second = (await client.callTool({
      name: 'workflow.support-flow',
      arguments: { run_id: r1.run_id, resume: { approve: true } },
    })) as CallToolResult;
    const r2 = second.structuredContent as Result;
    expect(r2.status).toBe('success');
    expect(r2.output?.answer).toBe(r1.steps.billing?.output);
  });

  it('answers input that does not match the schema with an error naming the field', async () => {
    const r = (await client.callTool({ name: 'workflow.support-flow', arguments: { input: { text: 5 } } })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.content)).toContain('input.text: expected a string');
  });

  it('a cancelled call cancels the run and the agent step run it started', async () => {
    const abort = new AbortController();
    const call = client.callTool({ name: 'workflow.slow', arguments: {} }, undefined, { signal: abort.signal }).catch((e: unknown) => e);
    await eventually(() => fx.gate.calls === 1, 20_000);
    const [runId] = await new WorkflowJournal(fx.system.storage).activeRuns('default', 'slow');
    abort.abort();
    await call;
    await eventually(() => fx.gate.aborted === 1, 20_000);
    const ref = await fx.catalog.ensure('workflow/slow', 'default');
    await eventually(async () => (await ref.ask<{ status: string }>(WORKFLOW_STATE, { run_id: runId })).status === 'cancelled', 20_000);
  });
});
