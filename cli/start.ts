/**
 * `troupe start`: an embedded node serving the user's configuration — its agents, tools,
 * collections and gateway. The demo supervision tree and the scripted demo conversations run
 * only on the default configuration (no agents configured) or with `--demo`, and a demo failure
 * is printed, never fatal.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_AGENTS, loadConfig, workflowWebhooks, type TroupeConfig } from '../config/index.js';
import { openStorage, storageKindFor, type ActorSystem } from '../runtime/index.js';
import { createSystem } from '../supervisors/index.js';
import { demoRound, startDemo, type DemoStats } from './demo-mesh.js';
import { converse, startAgents } from './demo-agents.js';
import { catalogDeps, startGateway } from '../gateway/index.js';
import { PromptLibrary, type Catalog } from '../actors/index.js';
import type { Command } from './command.js';
import { holdDataDir, takeDataDir } from './data-dir.js';
import { exitOnFatal } from './fatal.js';
import { protectSecrets } from './secrets.js';
import { processLogger } from './log.js';
import { endTracing, processTracing } from './tracing.js';

const usage = `troupe start [--config FILE] [--demo] [--demo-seconds N] [--quiet]
  Start an embedded node (in-process transport, no NATS, no API keys, data in dataDir) serving your
  config's agents, tools and collections, and the gateway (console, /ws, LangGraph API, MCP, A2A).
  --config FILE      the config (default: TROUPE_CONFIG, else the defaults: the demo agents)
  --demo             also run the demo supervision tree and demo conversations (on by default
                     only when the config names no agents)
  --demo-seconds N   stop after N seconds (for scripted runs)
  --quiet            do not print lifecycle transitions`;

/** True when the config is the default one: it names no agents of its own. */
export function isDefaultConfig(config: TroupeConfig): boolean {
  return JSON.stringify(config.agents) === JSON.stringify(DEFAULT_AGENTS);
}

/** Runs `what`; a failure is printed and swallowed (the demo never stops the node). */
async function demoStep<T>(what: string, step: () => Promise<T>): Promise<T | undefined> {
  try {
    return await step();
  } catch (e) {
    console.error(`troupe: demo ${what} failed: ${(e as Error).message}`);
    return undefined;
  }
}

async function scriptedConversations(system: ActorSystem, catalog: Catalog): Promise<void> {
  const print = (line: string): void => console.log(line);
  for (const [agent, text] of [
    ['assistant', 'what is 2*(3+4)^2?'],
    ['triage', 'I was charged twice on my invoice, please help'],
  ] as const) {
    if (!catalog.agents().some((a) => a.name === agent)) continue;
    console.log(`[agent] ${agent} ← "${text}"`);
    await demoStep(`conversation with ${agent}`, () => converse(system, catalog, agent, text, print));
  }
}

/** `troupe start`. */
export async function start(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string' }, 'demo-seconds': { type: 'string' }, quiet: { type: 'boolean' }, demo: { type: 'boolean' } },
  });
  const config = loadConfig({ file: values.config });
  protectSecrets(config);
  await processTracing(config);
  const demo = values.demo === true || isDefaultConfig(config);
  // `troupe start` persists: storage.kind auto means lmdb in dataDir here (ADR 0006).
  const local = storageKindFor(config, { embedded: 'lmdb' }) === 'lmdb';
  const taken = local ? await takeDataDir(config.dataDir) : { release: () => undefined };
  if ('holder' in taken) {
    const { holder } = taken;
    const at = holder.url === undefined ? '' : `, ${holder.url}`;
    const whose = holder.role === 'cli' ? "a client command's node" : 'another node';
    console.error(
      `troupe start: ${config.dataDir} is served by ${whose} (pid ${holder.pid}${at}); ` +
        "two nodes on one data directory would take each other's runs over. Stop it, or give this one another dataDir.",
    );
    return 2;
  }
  let release = taken.release;
  const storage = await openStorage(config, { embedded: 'lmdb' });
  const system = await createSystem({
    config,
    storage,
    log: await processLogger(config),
    onFatal: exitOnFatal,
    onEscalation: (e) => console.error(`escalation: ${e.address} failed past its supervisors: ${e.error.message}`),
  });
  if (values.quiet !== true) {
    system.watchLifecycle((e) => {
      if (e.event === 'BUSY' || e.event === 'IDLE') return;
      console.log(`[lifecycle] ${e.address} ${e.from} → ${e.to}${e.error ? ` (${e.error.message})` : ''}`);
    });
  }
  const dataDir = system.storage.kind === 'lmdb' ? ` in ${config.dataDir}` : '';
  console.log(
    `troupe: node ${system.node} up — transport ${system.transport.kind}, storage ${system.storage.kind}${dataDir}, ` +
      'embedded mode (no NATS, no API keys)',
  );
  if (!demo) console.log('troupe: serving your config (the demo runs only on the default config or with --demo)');
  const stats: DemoStats | undefined = demo ? await demoStep('supervision tree', () => startDemo(system)) : undefined;
  const { catalog, model } = await startAgents(system, config);
  console.log(
    `troupe: agents ${catalog
      .agents()
      .map((a) => a.name)
      .join(', ')} on ${model}`,
  );
  // From here on a signal ends the node cleanly (gateway closed, actors stopped) instead of killing it.
  let running = true;
  const stop = (): void => {
    running = false;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const prompts = new PromptLibrary(system.storage, config);
  const gateway = config.gateway.enabled
    ? await startGateway(
        { ...catalogDeps(system, catalog, () => running), media: config.media, speech: config.media.speech },
        config.gateway,
        { readiness: { dataDir: config.dataDir } },
        { prompts, webhooks: workflowWebhooks(config.workflows), workflows: config.workflows },
      )
    : undefined;
  // The mark names the gateway before the banner announces it (rewritten in place: never absent in between).
  if (local && gateway !== undefined) release = holdDataDir(config.dataDir, gateway.url);
  if (gateway !== undefined) console.log(gateway.banner());
  if (demo) await scriptedConversations(system, catalog);
  let round = 0;
  const seconds = values['demo-seconds'] === undefined ? Number.POSITIVE_INFINITY : Number(values['demo-seconds']);
  const until = Date.now() + seconds * 1000;
  while (running && Date.now() < until) {
    if (stats !== undefined) {
      const n = ++round;
      const line = await demoStep(`round ${n}`, () => demoRound(system, n, stats));
      const dead = await system.deadLetters.count();
      if (line !== undefined)
        console.log(
          `[round ${n}] ${line} | jobs done ${stats.jobsDone}, ticks heard ${stats.ticksHeard}, ` +
            `dead letters ${dead}, actors ${system.actors().length}`,
        );
    }
    await new Promise((r) => setTimeout(r, stats === undefined ? 200 : 1000));
  }
  console.log('troupe: shutting down (children before parents, queues handled)…');
  await gateway?.close();
  await catalog.close();
  await system.shutdown();
  release();
  await endTracing();
  console.log('troupe: stopped');
  return 0;
}

/** The `start` command. */
export const startCommand: Command = { name: 'start', usage, run: start };
