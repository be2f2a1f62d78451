#!/usr/bin/env node
/**
 * The `troupe` command. It sits at the top of the dependency graph (ADR 0002): it composes
 * config, supervisors and the runtime; later it also starts gateways and cluster nodes.
 */
import { parseArgs } from 'node:util';
import { isConfigError, loadConfig } from '../config/index.js';
import { createSystem } from '../supervisors/index.js';
import { demoRound, startDemo } from '../examples/embedded-mesh.js';

const HELP = `troupe — an actor-model runtime for multi-agent AI systems

Usage:
  troupe start [--config FILE] [--demo-seconds N] [--quiet]
      Start an embedded mesh (in-process transport, no NATS, no API keys) with a demo
      supervision tree; prints lifecycle transitions and a summary each second.
  troupe config [--config FILE]
      Validate and print the resolved configuration (file + TROUPE_* environment).
  troupe version
`;

async function start(values: { config?: string; 'demo-seconds'?: string; quiet?: boolean }): Promise<number> {
  const config = loadConfig({ file: values.config });
  const system = await createSystem({ config, onEscalation: (e) => console.error(`escalation: ${e.address} failed past its supervisors: ${e.error.message}`) });
  if (values.quiet !== true) {
    system.watchLifecycle((e) => {
      if (e.event === 'BUSY' || e.event === 'IDLE') return;
      console.log(`[lifecycle] ${e.address} ${e.from} → ${e.to}${e.error ? ` (${e.error.message})` : ''}`);
    });
  }
  console.log(`troupe: node ${system.node} up — transport ${system.transport.kind}, embedded mode (no NATS, no API keys)`);
  const stats = await startDemo(system);
  let round = 0;
  let running = true;
  const stop = (): void => {
    running = false;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const seconds = values['demo-seconds'] === undefined ? Number.POSITIVE_INFINITY : Number(values['demo-seconds']);
  const until = Date.now() + seconds * 1000;
  while (running && Date.now() < until) {
    const line = await demoRound(system, ++round, stats);
    const dead = await system.deadLetters.count();
    console.log(`[round ${round}] ${line} | jobs done ${stats.jobsDone}, ticks heard ${stats.ticksHeard}, dead letters ${dead}, actors ${system.actors().length}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log('troupe: shutting down (children before parents, queues handled)…');
  await system.shutdown();
  console.log('troupe: stopped');
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { config: { type: 'string' }, 'demo-seconds': { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: false,
  });
  switch (command) {
    case 'start':
      return start(values);
    case 'config':
      console.log(JSON.stringify(loadConfig({ file: values.config }), (k, v: unknown) => (k === 'token' || k === 'pass' ? '***' : v), 2));
      return 0;
    case 'version':
      console.log('troupe 0.1.0');
      return 0;
    case undefined:
    case 'help':
      console.log(HELP);
      return 0;
    default:
      console.error(`troupe: unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(isConfigError(e) ? e.message : `troupe: ${(e as Error)?.stack ?? String(e)}`);
    process.exit(1);
  },
);
