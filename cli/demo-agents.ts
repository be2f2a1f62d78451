/**
 * The agents part of the embedded demo: an `assistant` with the built-in clock and calculator
 * tools, and a `triage` agent that hands off to `billing` or `tech` — all on the offline model
 * unless a provider key or base URL is set (see actors/llm/select.ts).
 */
import { configSchema, type TroupeConfig } from '../config/index.js';
import { RUN_CREATE, type RunEvent } from '../protocols/index.js';
import { MeshNode, type ActorSystem } from '../runtime/index.js';
import { waitForRun, type Catalog } from '../actors/index.js';
import { composeCatalog } from './kinds.js';

/** Serves the agents config names (the demo set by default) through a catalog on a mesh node. */
export async function startAgents(
  system: ActorSystem,
  config: TroupeConfig = configSchema.parse({}),
): Promise<{ catalog: Catalog; mesh: MeshNode; model: string }> {
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(config, mesh);
  await mesh.start();
  await catalog.attachMcpServers(system);
  const models = [...new Set(catalog.agents().map((a) => `${a.provider} (${a.model})`))].join(', ');
  return { catalog, mesh, model: models };
}

/** Runs one message through an agent, printing its events as they come; resolves with the outcome. */
export async function converse(
  system: ActorSystem,
  catalog: Catalog,
  agent: string,
  content: string,
  print: (line: string) => void,
): Promise<string> {
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
    if (e.event === 'tool_call' || e.event === 'tool_result' || e.event === 'handoff' || e.event === 'status')
      print(`  #${e.seq} ${e.agent} ${e.event} ${JSON.stringify(e.data)}`);
  });
  await (await catalog.ensure(`agent/${agent}`)).ask(RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content }] } });
  const result = await done;
  flush();
  return result.status;
}
