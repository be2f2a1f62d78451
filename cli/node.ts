/**
 * `troupe node` and `troupe node drain`: join a mesh on NATS JetStream and host actor kinds (those
 * of cli/kinds.ts for the config, and a module's; `--kinds` picks), draining on SIGTERM/SIGINT; or
 * ask a node to drain.
 *
 * A node loads what it uses (ADR 0037): the actors layer and its kinds only when it hosts one of
 * them or serves the gateway, the gateway only with `--gateway`, OpenTelemetry only when tracing is
 * on. A node hosting only a module's plain kind specs loads config, runtime and supervisors.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ValidationError } from '../protocols/index.js';
import { loadConfig, workflowWebhooks, type TroupeConfig } from '../config/index.js';
import { MeshNode, NODE_DRAIN, type ActorSystem, type KindSpec } from '../runtime/index.js';
import type { Catalog, KindDescriptor } from '../actors/index.js';
import type { startGateway } from '../gateway/index.js';
import { createSystem, transportFor } from '../supervisors/index.js';
import type { Command } from './command.js';
import { exitOnFatal } from './fatal.js';
import { protectSecrets } from './secrets.js';
import { processLogger } from './log.js';
import { endTracing, processTracing } from './tracing.js';

const usage = `troupe node --nats URL[,URL…] [--kinds a,b] [--module FILE] [--node-id ID] [--prefix P] [--config FILE] [--gateway]
  Join a running mesh on NATS JetStream and host the given actor kinds (default: all of them):
  agent, remote, tool, memory, collection (from config), plus FILE's exported \`kinds\`. The node
  still reaches every kind (e.g. its agents call tools hosted elsewhere). SIGTERM or SIGINT drains
  the node: it stops taking work, finishes what it has, snapshots and hands its actors over, then exits.
troupe node drain --node-id ID --nats URL[,URL…] [--prefix P]
  Ask a running node to drain.`;

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
  const servers = values.nats
    ?.split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0);
  const overrides: Record<string, unknown> = {};
  if (servers !== undefined || values.prefix !== undefined) {
    overrides['transport'] = {
      kind: 'jetstream',
      ...(servers === undefined ? {} : { servers }),
      ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
    };
  }
  if (values['node-id'] !== undefined || values.kinds !== undefined) {
    overrides['node'] = {
      ...(values['node-id'] === undefined ? {} : { id: values['node-id'] }),
      ...(values.kinds === undefined ? {} : { kinds: values.kinds.split(',') }),
    };
  }
  const config = loadConfig({ file: values.config, overrides });
  protectSecrets(config);
  if (config.transport.kind !== 'jetstream')
    throw new ValidationError('troupe node needs NATS: pass --nats nats://host:4222 (or TROUPE_NATS_URL)');
  return config;
}

/** What `--module FILE` exports as `kinds`: runtime kind specs, kind descriptors, or both. */
interface ModuleKinds {
  readonly specs: KindSpec[];
  readonly descriptors: KindDescriptor[];
}

async function loadModule(file: string | undefined): Promise<ModuleKinds> {
  if (file === undefined) return { specs: [], descriptors: [] };
  const mod = (await import(pathToFileURL(resolve(file)).href)) as { kinds?: unknown[] };
  if (!Array.isArray(mod.kinds))
    throw new ValidationError(
      `${file} must export \`kinds\`: an array of { kind, behavior, pool? } or kind descriptors { name, serves, build }`,
    );
  const isDescriptor = (k: unknown): k is KindDescriptor => typeof (k as KindDescriptor).build === 'function';
  return { specs: mod.kinds.filter((k): k is KindSpec => !isDescriptor(k)), descriptors: mod.kinds.filter(isDescriptor) };
}

/**
 * The kinds this node knows: `builtIn` (cli/kinds.ts) with a module's descriptors replacing those of the same
 * name (or added), minus those serving an address kind the module hosts with a plain spec.
 */
function knownKinds(mod: ModuleKinds, builtIn: readonly KindDescriptor[]): KindDescriptor[] {
  const replaced = builtIn.map((d) => mod.descriptors.find((m) => m.name === d.name) ?? d);
  const added = mod.descriptors.filter((m) => !builtIn.some((d) => d.name === m.name));
  return [...replaced, ...added].filter((d) => !mod.specs.some((s) => s.kind === d.serves));
}

/**
 * True when the node needs no catalog: it hosts only the module's plain kind specs (named with `--kinds`), the
 * module brings no descriptors and no gateway is served. Such a node never loads the actors layer (ADR 0037).
 */
function specsOnly(mod: ModuleKinds, wanted: readonly string[], gateway: boolean): boolean {
  return !gateway && mod.descriptors.length === 0 && wanted.length > 0 && wanted.every((k) => mod.specs.some((s) => s.kind === k));
}

/** Serves the gateway on this node (`--gateway`): the gateway layer is loaded here, only then. */
async function serveGateway(
  system: ActorSystem,
  catalog: Catalog,
  config: TroupeConfig,
  serving: () => boolean,
): Promise<Awaited<ReturnType<typeof startGateway>>> {
  const [{ catalogDeps, startGateway: start }, { PromptLibrary }] = await Promise.all([
    import('../gateway/index.js'),
    import('../actors/index.js'),
  ]);
  return start(
    { ...catalogDeps(system, catalog, serving), media: config.media, speech: config.media.speech },
    config.gateway,
    { readiness: { dataDir: config.dataDir } },
    { prompts: new PromptLibrary(system.storage, config), webhooks: workflowWebhooks(config.workflows), workflows: config.workflows },
  );
}

/** Runs a mesh node until it drained. */
export async function node(values: NodeFlags): Promise<number> {
  const config = nodeConfig(values);
  const wanted = config.node.kinds;
  const mod = await loadModule(values.module);
  const withGateway = values.gateway === true && config.gateway.enabled;
  const compose = specsOnly(mod, wanted, withGateway) ? undefined : await import('./kinds.js');
  const kinds = compose === undefined ? [] : knownKinds(mod, compose.KINDS);
  const known = [...new Set([...kinds.map((d) => d.name), ...mod.specs.map((s) => s.kind)])];
  const unknown = wanted.filter((k) => !known.includes(k) && !kinds.some((d) => d.serves === k));
  if (unknown.length > 0)
    throw new ValidationError(
      `unknown kind(s) ${unknown.join(', ')}: known kinds are ${known.join(', ')} (pass --module FILE to add kinds)`,
    );
  await processTracing(config);
  const system = await createSystem({ config, onFatal: exitOnFatal, log: await processLogger(config) });
  const mesh = new MeshNode(system);
  // Every node knows every id (so it can reach any actor); it hosts only the wanted kinds.
  const hosts = wanted.length === 0 ? undefined : wanted.filter((k) => kinds.some((d) => d.name === k || d.serves === k));
  const catalog = await compose?.composeCatalog(config, mesh, { kinds, ...(hosts === undefined ? {} : { hosts }) });
  for (const k of mod.specs) if (wanted.length === 0 || wanted.includes(k.kind)) mesh.host(k);
  await mesh.start();
  await catalog?.start();
  let serving = true;
  const gateway =
    withGateway && catalog !== undefined ? await serveGateway(system, catalog, config, () => serving && !mesh.isDraining) : undefined;
  const t = config.transport as Extract<TroupeConfig['transport'], { kind: 'jetstream' }>;
  console.log(
    `troupe: node ${system.node} joined mesh "${t.prefix}" at ${t.servers.join(',')}; hosting ${mesh.hostedKinds.join(', ') || 'no kinds'}`,
  );
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
  await catalog?.close();
  await endTracing();
  console.log(`troupe: node ${system.node} drained (${mesh.takeovers} takeovers during its life)`);
  return 0;
}

async function drainRemote(values: NodeFlags): Promise<number> {
  const id = values['node-id'];
  if (id === undefined) throw new ValidationError('troupe node drain needs --node-id');
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

/** `troupe node [drain]`. */
async function nodeCommandRun(args: string[]): Promise<number> {
  const drain = args[0] === 'drain';
  const { values } = parseArgs({
    args: drain ? args.slice(1) : args,
    options: {
      config: { type: 'string' },
      nats: { type: 'string' },
      kinds: { type: 'string' },
      module: { type: 'string' },
      'node-id': { type: 'string' },
      prefix: { type: 'string' },
      gateway: { type: 'boolean' },
    },
  });
  return drain ? drainRemote(values) : node(values);
}

/** The `node` command. */
export const nodeCommand: Command = { name: 'node', usage, run: nodeCommandRun };
