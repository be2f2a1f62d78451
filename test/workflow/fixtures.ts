// The example workflow, exactly as written (docs/workflows.md; examples/workflows/support-flow.yaml), shared by
// the workflow tests and the bench (the gateway tests' in-process mesh is test/gateway/workflow-fixture.ts); and what
// the tests that kill processes running it share: its agents on a local OpenAI-compatible server, each answered by its
// own script.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parse } from 'yaml';
import type { Storage } from '../../runtime/index.js';
import { RunStore } from '../../actors/agent/index.js';
import { WorkflowJournal } from '../../actors/workflow/index.js';
import { oaiText, sse, type FakeServer, type Handler } from '../llm/fake-servers.js';

/** The DAG example of docs/workflows.md, as YAML (examples/workflows/support-flow.yaml). */
export const SUPPORT_FLOW_YAML = readFileSync(new URL('../../examples/workflows/support-flow.yaml', import.meta.url), 'utf8');

/** The example's agents, each told apart by its instructions (the first word of its system prompt). */
export const SUPPORT_AGENTS = ['triage', 'billing', 'tech'] as const;
export type SupportAgent = (typeof SUPPORT_AGENTS)[number];

/** The events of the example up to its human step, for a bill ("billing" runs, "tech" is skipped). */
export const SUPPORT_FLOW_TO_REVIEW = [
  'workflow.started',
  'step.started',
  'step.completed',
  'step.skipped',
  'step.started',
  'step.completed',
  'step.started',
  'step.waiting',
];

/** A config (JSON) with the example and its agents served by `model` (the key is read from env FAKE_KEY). */
export function supportFlowConfig(model: FakeServer): Record<string, unknown> {
  return {
    agents: SUPPORT_AGENTS.map((name) => ({
      name,
      instructions: `${name.toUpperCase()}: answer in one sentence.`,
      provider: 'openai',
      baseUrl: `${model.url}/v1`,
      apiKeyEnv: 'FAKE_KEY',
    })),
    workflows: [parse(SUPPORT_FLOW_YAML) as unknown],
  };
}

/** The agent whose model call `body` is (from the instructions in its system prompt). */
export function callerOf(body: Record<string, unknown>): SupportAgent | undefined {
  const text = JSON.stringify(body['messages'] ?? '');
  return SUPPORT_AGENTS.find((a) => text.includes(`${a.toUpperCase()}:`));
}

/** A streamed answer of `text`, word by word, `gapMs` between words (a slow one can be killed mid-flight). */
export function slowly(text: string, gapMs: number): Handler {
  return sse(oaiText(text.split(/(?<= )/)), { gapMs });
}

/**
 * Answers each model call from its agent's script: the next queued handler, the last one again once the queue is
 * empty. Returns the scripts (push to them at any time) and how many calls each agent made.
 */
export function routeByAgent(model: FakeServer): { scripts: Record<SupportAgent, Handler[]>; calls: (a: SupportAgent) => number } {
  const scripts: Record<SupportAgent, Handler[]> = { triage: [], billing: [], tech: [] };
  const last = new Map<SupportAgent, Handler>();
  model.script((res, req) => {
    // The server records a request before it asks for its handler: the last one recorded is this one.
    const agent = callerOf(model.requests.at(-1)?.body ?? {});
    const handler = agent === undefined ? undefined : (scripts[agent].shift() ?? last.get(agent));
    if (agent === undefined || handler === undefined) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no script for ${agent}` } }));
      return;
    }
    last.set(agent, handler);
    return handler(res, req);
  });
  return { scripts, calls: (a) => model.requests.filter((r) => callerOf(r.body) === a).length };
}

/**
 * Checks what storage holds of run `runId` of the example, finished on the billing branch after any number of kills:
 * one attempt per step; one run per agent step (its agent finished that run and no other), with the output `outputs`
 * names; a gap-free event log in which each step started once, ending `workflow.completed`. Returns the agent run ids.
 */
export async function expectRunOnce(
  storage: Storage,
  runId: string,
  outputs: { triage: string; billing: string },
): Promise<Record<string, string>> {
  const journal = new WorkflowJournal(storage);
  const steps = await journal.steps('default', runId);
  expect(steps.map((s) => `${s.key.step}.${s.key.visit}.${s.key.attempt}:${s.entry.state}`)).toEqual([
    'billing.1.1:done',
    'classify.1.1:done',
    'stamp.1.1:done',
  ]);
  const agentRuns = Object.fromEntries(steps.map((s) => [s.key.step, s.entry.agent_run ?? '']));
  const runs = new RunStore(storage);
  for (const [agent, step] of [
    ['triage', 'classify'],
    ['billing', 'billing'],
  ] as const) {
    const id = agentRuns[step] as string;
    expect(id).toBe(`${runId}.${step}.1.1`);
    expect(await runs.getRun('default', id)).toMatchObject({ status: 'success', output: outputs[agent] });
    expect((await storage.bucket('runs').list(['default', 'done', agent])).map((e) => e.value)).toEqual([id]);
  }
  const log = await journal.events('default', runId);
  expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
  expect(log.filter((e) => e.type === 'step.started').map((e) => e['step'])).toEqual(['classify', 'billing', 'review', 'stamp']);
  expect(log.at(-1)).toMatchObject({ type: 'workflow.completed' });
  expect((await journal.getRun('default', runId))?.status).toBe('success');
  return agentRuns;
}
