/**
 * The agents part of the embedded demo: an `assistant` with the built-in clock and calculator
 * tools, and a `triage` agent that hands off to `billing` or `tech` — all on the offline model
 * unless a provider key or base URL is set (see actors/llm/select.ts).
 */
import { RUN_CREATE, type RunEvent } from '../protocols/index.js';
import type { ActorSystem } from '../runtime/index.js';
import { agentBehavior, waitForRun, type AgentDefinition } from '../actors/agent/index.js';
import { providerFromEnv } from '../actors/llm/index.js';
import { builtinTools, spawnTool } from '../actors/tool/index.js';

/** Spawns the demo agents and the built-in tools. */
export async function startAgents(system: ActorSystem): Promise<string> {
  const { provider, model } = providerFromEnv();
  for (const tool of builtinTools) await spawnTool(system, tool);
  const define = (name: string, instructions: string, extra: Partial<AgentDefinition> = {}): AgentDefinition => ({ name, instructions, provider, model, ...extra });
  await system.spawn('agent/assistant', agentBehavior(define('assistant', 'You are a helpful assistant. Use tools for time and arithmetic.', { tools: ['clock', 'calculator'] })));
  await system.spawn('agent/triage', agentBehavior(define('triage', 'Route the user to billing or tech.', { handoffs: ['billing', 'tech'] })));
  await system.spawn('agent/billing', agentBehavior(define('billing', 'You answer billing questions.')));
  await system.spawn('agent/tech', agentBehavior(define('tech', 'You answer technical questions.', { tools: ['clock'] })));
  return `${provider.name} (${model})`;
}

/** Runs one message through an agent, printing its events as they come; resolves with the outcome. */
export async function converse(system: ActorSystem, agent: string, content: string, print: (line: string) => void): Promise<string> {
  const runId = `demo-${agent}-${Date.now().toString(36)}`;
  let tokens = '';
  const flush = (): void => {
    if (tokens !== '') print(`    ${tokens.trim()}`);
    tokens = '';
  };
  const done = waitForRun(system, runId, 'default', 30_000, (e: RunEvent) => {
    if (e.event === 'token') {
      tokens += (e.data as { text: string }).text;
      return;
    }
    flush();
    if (e.event === 'tool_call' || e.event === 'tool_result' || e.event === 'handoff' || e.event === 'status') print(`  #${e.seq} ${e.agent} ${e.event} ${JSON.stringify(e.data)}`);
  });
  await system.ref(`agent/${agent}`).ask(RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content }] } });
  const result = await done;
  flush();
  return result.status;
}
