#!/usr/bin/env node
/**
 * The `troupe` command. It sits at the top of the dependency graph (ADR 0002): it composes
 * config, supervisors and the runtime; later it also starts gateways and cluster nodes.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isConfigError, loadConfig, redactConfig, type TroupeConfig } from '../config/index.js';
import { MeshNode, NODE_DRAIN, openStorage, type KindSpec } from '../runtime/index.js';
import { createSystem, transportFor } from '../supervisors/index.js';
import { demoRound, startDemo } from '../examples/embedded-mesh.js';
import { converse, startAgents } from '../examples/embedded-agents.js';
import { composeCatalog } from './compose.js';
import { protectSecrets } from './secrets.js';
import { catalogDeps, generateApiKey, ROLES, startGateway, type Role } from '../gateway/index.js';

const HELP = `troupe — an actor-model runtime for multi-agent AI systems

Usage:
  troupe start [--config FILE] [--demo-seconds N] [--quiet]
      Start an embedded mesh (in-process transport, no NATS, no API keys) with a demo
      supervision tree; prints lifecycle transitions and a summary each second.
  troupe node --nats URL[,URL…] [--kinds a,b] [--module FILE] [--node-id ID] [--prefix P] [--config FILE] [--gateway]
      Join a running mesh on NATS JetStream and host the given actor kinds (from FILE's
      exported \`kinds\`). SIGTERM or SIGINT drains the node: it stops taking work, finishes
      what it has, snapshots and hands its actors over, then exits.
  troupe node drain --node-id ID --nats URL[,URL…] [--prefix P]
      Ask a running node to drain.
  troupe key --tenant T [--roles user,agent,admin] [--id ID]
      Make a gateway API key: prints the key (shown once) and the entry for gateway.auth.keys
      (which stores only its hash).
  troupe config [--config FILE]
      Validate and print the resolved configuration (file + TROUPE_* environment; secrets as "***").
  troupe version
`;

/**
 * A node that cannot recover exits non-zero (70, EX_SOFTWARE) so that its process manager
 * restarts it, instead of serving nothing while looking alive.
 */
function exitOnFatal(reason: string): void {
  console.error(`troupe: node cannot recover: ${reason}; exiting`);
  process.exitCode = 70;
  setTimeout(() => process.exit(70), 200);
}

async function start(values: { config?: string; 'demo-seconds'?: string; quiet?: boolean }): Promise<number> {
  const config = loadConfig({ file: values.config });
  protectSecrets(config);
  // `troupe start` persists: storage.kind auto means lmdb in dataDir here (ADR 0006).
  const storage = await openStorage(config, { embedded: 'lmdb' });
  const system = await createSystem({ config, storage, onFatal: exitOnFatal, onEscalation: (e) => console.error(`escalation: ${e.address} failed past its supervisors: ${e.error.message}`) });
  if (values.quiet !== true) {
    system.watchLifecycle((e) => {
      if (e.event === 'BUSY' || e.event === 'IDLE') return;
      console.log(`[lifecycle] ${e.address} ${e.from} → ${e.to}${e.error ? ` (${e.error.message})` : ''}`);
    });
  }
  console.log(`troupe: node ${system.node} up — transport ${system.transport.kind}, storage ${system.storage.kind}${system.storage.kind === 'lmdb' ? ` in ${config.dataDir}` : ''}, embedded mode (no NATS, no API keys)`);
  const stats = await startDemo(system);
  const { catalog, model } = await startAgents(system, config);
  console.log(`troupe: agents ${catalog.agents().map((a) => a.name).join(', ')} on ${model}`);
  // From here on a signal ends the demo cleanly (gateway closed, actors stopped) instead of killing it.
  let running = true;
  const stop = (): void => {
    running = false;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const gateway = config.gateway.enabled ? await startGateway(catalogDeps(system, catalog), config.gateway) : undefined;
  if (gateway !== undefined) console.log(gateway.banner());
  const print = (line: string): void => console.log(line);
  console.log('[agent] assistant ← "/tool calculator {"expression":"2*(3+4)^2"}"');
  await converse(system, catalog, 'assistant', '/tool calculator {"expression":"2*(3+4)^2"}', print);
  console.log('[agent] triage ← "/handoff billing"');
  await converse(system, catalog, 'triage', '/handoff billing', print);
  let round = 0;
  const seconds = values['demo-seconds'] === undefined ? Number.POSITIVE_INFINITY : Number(values['demo-seconds']);
  const until = Date.now() + seconds * 1000;
  while (running && Date.now() < until) {
    const line = await demoRound(system, ++round, stats);
    const dead = await system.deadLetters.count();
    console.log(`[round ${round}] ${line} | jobs done ${stats.jobsDone}, ticks heard ${stats.ticksHeard}, dead letters ${dead}, actors ${system.actors().length}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log('troupe: shutting down (children before parents, queues handled)…');
  await gateway?.close();
  await system.shutdown();
  console.log('troupe: stopped');
  return 0;
}

interface NodeFlags {
  config?: string;
  nats?: string;
  kinds?: string;
  module?: string;
  'node-id'?: string;
  prefix?: string;
  /** Also serve the gateway (gateway.* config, TROUPE_HOST / TROUPE_PORT) on this node. */
  gateway?: boolean;
}

function nodeConfig(values: NodeFlags): TroupeConfig {
  const servers = values.nats?.split(',').map((u) => u.trim()).filter((u) => u.length > 0);
  const overrides: Record<string, unknown> = {};
  if (servers !== undefined || values.prefix !== undefined) {
    overrides['transport'] = { kind: 'jetstream', ...(servers === undefined ? {} : { servers }), ...(values.prefix === undefined ? {} : { prefix: values.prefix }) };
  }
  if (values['node-id'] !== undefined || values.kinds !== undefined) {
    overrides['node'] = { ...(values['node-id'] === undefined ? {} : { id: values['node-id'] }), ...(values.kinds === undefined ? {} : { kinds: values.kinds.split(',') }) };
  }
  const config = loadConfig({ file: values.config, overrides });
  protectSecrets(config);
  if (config.transport.kind !== 'jetstream') throw new Error('troupe node needs NATS: pass --nats nats://host:4222 (or TROUPE_NATS_URL)');
  return config;
}

async function loadKinds(file: string | undefined): Promise<KindSpec[]> {
  if (file === undefined) return [];
  const mod = (await import(pathToFileURL(resolve(file)).href)) as { kinds?: KindSpec[] };
  if (!Array.isArray(mod.kinds)) throw new Error(`${file} must export \`kinds\`: an array of { kind, behavior, pool? }`);
  return mod.kinds;
}

async function node(values: NodeFlags): Promise<number> {
  const config = nodeConfig(values);
  const wanted = config.node.kinds;
  const kinds = (await loadKinds(values.module)).filter((k) => wanted.length === 0 || wanted.includes(k.kind));
  // The config's agents and tools (kinds `agent` and `tool`) unless a module defines those kinds.
  const builtin = ['agent', 'tool'].filter((k) => !kinds.some((s) => s.kind === k) && (wanted.length === 0 || wanted.includes(k)));
  const missing = wanted.filter((k) => !kinds.some((s) => s.kind === k) && !builtin.includes(k));
  if (missing.length > 0) throw new Error(`no definition for kind(s) ${missing.join(', ')} (pass --module with their definitions)`);
  const system = await createSystem({ config, onFatal: exitOnFatal });
  const mesh = new MeshNode(system);
  const catalog = builtin.length > 0 ? await composeCatalog(config, mesh) : undefined;
  for (const k of kinds) mesh.host(k);
  await mesh.start();
  await catalog?.attachMcpServers(system);
  let serving = true;
  const gateway = values.gateway === true && config.gateway.enabled ? await startGateway(catalogDeps(system, catalog, () => serving), config.gateway) : undefined;
  const t = config.transport as Extract<TroupeConfig['transport'], { kind: 'jetstream' }>;
  console.log(`troupe: node ${system.node} joined mesh "${t.prefix}" at ${t.servers.join(',')}; hosting ${mesh.hostedKinds.join(', ') || 'no kinds'}`);
  if (gateway !== undefined) console.log(gateway.banner());
  await new Promise<void>((done) => {
    const drain = (signal: string): void => {
      console.log(`troupe: ${signal}: draining node ${system.node}…`);
      serving = false;
      mesh.drain().then(done, (e: unknown) => {
        console.error(`troupe: drain failed: ${(e as Error).message}`);
        done();
      });
    };
    process.once('SIGTERM', () => drain('SIGTERM'));
    process.once('SIGINT', () => drain('SIGINT'));
    system.transport.cluster?.membership.onChange((e) => {
      if (e.node.id === system.node && e.type === 'update' && e.node.draining) console.log('troupe: drain requested');
    });
    const poll = setInterval(() => {
      if (system.actors().length === 0) {
        clearInterval(poll);
        done();
      }
    }, 500);
  });
  await gateway?.close();
  console.log(`troupe: node ${system.node} drained (${mesh.takeovers} takeovers during its life)`);
  return 0;
}

async function drainRemote(values: NodeFlags): Promise<number> {
  const id = values['node-id'];
  if (id === undefined) throw new Error('troupe node drain needs --node-id');
  const config = nodeConfig({ ...values, 'node-id': undefined });
  const transport = await transportFor(config, { announce: false });
  const client = await createSystem({ config, transport, node: `drain-client-${process.pid}` });
  try {
    const reply = await client.ref(`node/${id}`).ask(NODE_DRAIN, {}, { timeoutMs: 10_000 });
    console.log(`troupe: ${JSON.stringify(reply)}`);
  } finally {
    await client.shutdown();
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: 'string' },
      'demo-seconds': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      nats: { type: 'string' },
      kinds: { type: 'string' },
      module: { type: 'string' },
      'node-id': { type: 'string' },
      prefix: { type: 'string' },
      gateway: { type: 'boolean' },
      tenant: { type: 'string' },
      roles: { type: 'string' },
      id: { type: 'string' },
    },
    allowPositionals: true,
  });
  switch (command) {
    case 'node':
      return rest[0] === 'drain' ? drainRemote(values) : node(values);
    case 'start':
      return start(values);
    case 'config':
      console.log(JSON.stringify(redactConfig(loadConfig({ file: values.config })), null, 2));
      return 0;
    case 'key': {
      const roles = (values.roles ?? 'user').split(',').map((r) => r.trim());
      const bad = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
      if (values.tenant === undefined || bad.length > 0) {
        console.error(`troupe key: ${values.tenant === undefined ? 'pass --tenant' : `unknown role(s) ${bad.join(', ')}; roles are ${ROLES.join(', ')}`}`);
        return 2;
      }
      const { key, hash } = generateApiKey();
      console.log(`key (give it to the client; it is not stored): ${key}`);
      console.log(`gateway.auth.keys entry: ${JSON.stringify({ id: values.id ?? `key-${Date.now().toString(36)}`, hash, tenant: values.tenant, roles: roles as Role[] })}`);
      return 0;
    }
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
