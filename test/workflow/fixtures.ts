// The example workflow, exactly as written (docs/workflows.md), shared by the workflow tests, and what the tests
// that kill processes running it share: its agents on a local OpenAI-compatible server, each answered by its own script.
import { parse } from 'yaml';
import { oaiText, sse, type FakeServer, type Handler } from '../llm/fake-servers.js';

/** The DAG example of docs/workflows.md, as YAML. */
export const SUPPORT_FLOW_YAML = `name: support-flow
input: { text: string }
steps:
  classify: { agent: triage, input: "\${input.text}" }
  billing:  { agent: billing, needs: [classify], if: "steps.classify.output.contains('bill')", input: "\${input.text}" }
  tech:     { agent: tech, needs: [classify], if: "!steps.classify.output.contains('bill')", input: "\${input.text}" }
  review:   { human: "Send this answer?", needs: [billing, tech] }
  stamp:    { tool: clock, needs: [review] }
output: { answer: "\${has(steps.billing.output) ? steps.billing.output : steps.tech.output}", at: "\${steps.stamp.output}" }
`;

/** The example's agents, each told apart by its instructions (the first word of its system prompt). */
export const SUPPORT_AGENTS = ['triage', 'billing', 'tech'] as const;
export type SupportAgent = (typeof SUPPORT_AGENTS)[number];

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

/** Polls `probe` every 100 ms until it answers something other than undefined; throws naming `what` after `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
