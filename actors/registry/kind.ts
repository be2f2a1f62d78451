/**
 * The kinds that serve installed blueprints (ADR 0045): agents `agent/<blueprint>/<agent>`, workflows
 * `workflow/<blueprint>/<workflow>`, tool modules `tool/<blueprint>.<tool>` and knowledge packs
 * `collection/<blueprint>_<pack>` (with its `search_<blueprint>_<pack>` tool). Each serves the ids the storage-backed
 * registry holds now — read on every call, so an install on any node is served here without a restart — and builds
 * each agent and workflow with the `agent` and `workflow` kinds' own code, over a config holding only that part.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { sha256, type McpServerConfig, type TroupeConfig } from '../../config/index.js';
import { DEFAULT_TENANT, ValidationError, scrubbedMessage } from '../../protocols/index.js';
import type { Behavior, TimerHandle } from '../../runtime/index.js';
import { agentKind } from '../agent/kind.js';
import type { BuiltKind, CatalogAgent, KindDescriptor, KindServices } from '../kinds/index.js';
import { collectionBehavior } from '../memory/rag/actor.js';
import { collectionSearchTool } from '../memory/rag/tools.js';
import { recallHook } from '../memory/rag/recall.js';
import { toolBehavior } from '../tool/function-tool.js';
import { attachConfiguredMcpServer, forwardMcpTool, toolMedia, type FunctionTool, type McpAttachment } from '../tool/index.js';
import { workflowKind } from '../workflow/kind.js';
import { triggerTenants } from '../workflow/trigger-run.js';
import { policyHooks, withAgentHooks, type PolicyHooks } from './policy.js';
import { ALL_TENANTS, noSuch, registryOf, releaseRegistry, type BlueprintRegistry } from './store.js';

/** Where verified tool modules are written before they are imported (by content hash). */
export const TOOL_MODULE_DIR = join(tmpdir(), 'troupe-blueprint-tools');

/** How often a node hosting blueprint workflows activates those with schedule or topic triggers again (ms). */
const TRIGGER_SWEEP_MS = 10_000;

/** One built part, cached until its install changes. */
interface Cached {
  readonly stamp: string;
  readonly built: BuiltKind;
}

/** The services with a config that holds only `part` (agents, prompts or workflows) of a blueprint. */
function narrowed(services: KindServices, config: Partial<TroupeConfig>): KindServices {
  return { ...services, config: { ...services.config, agents: [], workflows: [], ...config } as TroupeConfig };
}

async function shared(services: KindServices): Promise<BlueprintRegistry> {
  return registryOf(services.system.storage, (m) => services.system.warn(m));
}

/** Installed blueprints' agents. */
export const blueprintAgentKind: KindDescriptor = {
  name: 'blueprint-agent',
  serves: 'agent',
  stateful: true,
  requires: ['thread'],
  async build(services: KindServices): Promise<BuiltKind> {
    const registry = await shared(services);
    const cache = new Map<string, Cached & { policy?: PolicyHooks }>();
    const built = (id: string): BuiltKind => {
      const a = registry.agent(id) ?? noSuch('agent', id);
      const stamp = registry.stamp('agent', id) as string;
      const hit = cache.get(id);
      if (hit !== undefined && hit.stamp === stamp) return hit.built;
      void hit?.policy?.close();
      const config = { agents: [a.config], prompts: [...services.config.prompts, ...a.prompts] };
      // The blueprint's guardrail policy runs on its agents after the node's own hooks, and so does recall from
      // its knowledge packs (`recall.collections`, namespaced) — the memory hook config's agents have.
      const policy = a.guardrails === undefined ? undefined : policyHooks(services, a.blueprint, a.guardrails);
      const recall = a.config.recall;
      const resolve = (address: string, tenant: string) => services.resolve(address, tenant);
      const hooks = [
        ...(recall === undefined ? [] : [recallHook(services.system, resolve, new Map([[a.config.name, recall]]))]),
        ...(policy === undefined ? [] : [policy.hooks]),
      ];
      const b = agentKind.build(narrowed(withAgentHooks(services, hooks), config)) as BuiltKind;
      cache.set(id, { stamp, built: b, ...(policy === undefined ? {} : { policy }) });
      return b;
    };
    // Listings are synchronous: they show what the last build of each agent saw, built again after every change.
    let listed: CatalogAgent[] = [];
    const relist = (): void => {
      const out: CatalogAgent[] = [];
      for (const id of registry.agentIds()) {
        try {
          out.push(...(built(id).agents?.() ?? []));
        } catch (e) {
          services.system.warn(`blueprint agent ${id}: ${(e as Error).message}`);
        }
      }
      listed = out;
    };
    const stale = staleStopper(services, registry, 'agent');
    const unsubscribe = registry.onChange(() => {
      relist();
      stale();
    });
    relist();
    return {
      ids: () => registry.agentIds(),
      accepts: (id) => registry.agent(id) !== undefined,
      behavior(id, tenant): Behavior<unknown> {
        if (registry.agent(id, tenant) === undefined) noSuch('agent', `${id} in tenant ${tenant}`);
        return built(id).behavior(id, tenant);
      },
      agents: () => listed,
      async close() {
        unsubscribe();
        releaseRegistry(services.system.storage);
        for (const c of cache.values()) await c.policy?.close();
      },
    };
  },
};

/** Installed blueprints' workflows. */
export const blueprintWorkflowKind: KindDescriptor = {
  name: 'blueprint-workflow',
  serves: 'workflow',
  stateful: true,
  async build(services: KindServices): Promise<BuiltKind> {
    const registry = await shared(services);
    const cache = new Map<string, Cached>();
    const built = (id: string): BuiltKind => {
      const w = registry.workflow(id) ?? noSuch('workflow', id);
      const stamp = registry.stamp('workflow', id) as string;
      const hit = cache.get(id);
      if (hit !== undefined && hit.stamp === stamp) return hit.built;
      const b = workflowKind.build(narrowed(services, { workflows: [w] })) as BuiltKind;
      cache.set(id, { stamp, built: b });
      return b;
    };
    // Workflows with schedule or topic triggers run them in their activation of each tenant they name (and the
    // install serves): activated when the kind starts, after every change of the registry, and every
    // TRIGGER_SWEEP_MS (a node that stopped without handing one over), as the config's workflow kind does. A
    // removed or replaced workflow's local activations are stopped on each node when its registry changes, which
    // ends their subscriptions and schedules.
    let started = false;
    let closed = false;
    let sweep: TimerHandle | undefined;
    const activateTriggered = async (): Promise<void> => {
      for (const id of registry.workflowIds()) {
        const def = registry.workflow(id);
        if (def === undefined) continue;
        for (const tenant of triggerTenants(def)) {
          if (closed || registry.workflow(id, tenant) === undefined) continue;
          await services.resolve(`workflow/${id}`, tenant).catch((e: unknown) => {
            if (!closed) services.system.warn(`workflow ${id} (${tenant}): cannot activate its triggers: ${scrubbedMessage(e)}`);
          });
        }
      }
    };
    const again = (): void => {
      if (closed) return;
      sweep = services.system.clock.setTimer(TRIGGER_SWEEP_MS, () => void activateTriggered().finally(again));
    };
    const stale = staleStopper(services, registry, 'workflow');
    const unsubscribe = registry.onChange(() => {
      stale();
      if (started) void activateTriggered();
    });
    return {
      ids: () => registry.workflowIds(),
      accepts: (id) => registry.workflow(id) !== undefined,
      behavior(id, tenant) {
        if (registry.workflow(id, tenant) === undefined) noSuch('workflow', `${id} in tenant ${tenant}`);
        return built(id).behavior(id, tenant);
      },
      async start() {
        started = true;
        await activateTriggered();
        again();
      },
      close() {
        closed = true;
        if (sweep !== undefined) services.system.clock.clearTimer(sweep);
        unsubscribe();
        releaseRegistry(services.system.storage);
        return Promise.resolve();
      },
    };
  },
};

/**
 * Stops this node's activations of `kind` whose id the registry served before a change and no longer serves in their
 * tenant, or serves in another version (its stamp changed): a removed or upgraded part ends where it ran, on every
 * node (the gateway that removed it stops only its own). Returns the function to call after each change.
 */
function staleStopper(services: KindServices, registry: BlueprintRegistry, kind: 'agent' | 'workflow'): () => void {
  const ids = (): string[] => (kind === 'agent' ? registry.agentIds() : registry.workflowIds());
  const served = (id: string, tenant: string): boolean =>
    (kind === 'agent' ? registry.agent(id, tenant) : registry.workflow(id, tenant)) !== undefined;
  const snapshot = (): Map<string, string | undefined> => new Map(ids().map((id) => [id, registry.stamp(kind, id)]));
  let before = snapshot();
  return () => {
    for (const ref of services.system.actors()) {
      if (!ref.address.startsWith(`${kind}/`)) continue;
      const id = ref.address.slice(kind.length + 1);
      if (!before.has(id)) continue; // not a blueprint's (config's), or new since
      if (served(id, ref.tenant) && registry.stamp(kind, id) === before.get(id)) continue;
      void services.system.stop(ref).catch(() => undefined);
    }
    before = snapshot();
  };
}

/**
 * Loads a tool module's `run` after checking its hash: the stored source must have the declared sha256, and the file
 * written for it (by hash) must still have it when imported — a module changed on disk is refused.
 */
export async function loadToolModule(name: string, source: string, declared: string): Promise<(args: unknown) => unknown> {
  if (sha256(source) !== declared) throw new ValidationError(`tool ${name}: its module does not have the declared sha256; refused`);
  await mkdir(TOOL_MODULE_DIR, { recursive: true, mode: 0o700 });
  const file = join(TOOL_MODULE_DIR, `${declared}.mjs`);
  const onDisk = await readFile(file, 'utf8').catch(() => undefined);
  if (onDisk === undefined) await writeFile(file, source, { mode: 0o600 });
  const text = await readFile(file, 'utf8');
  if (sha256(text) !== declared)
    throw new ValidationError(`tool ${name}: ${file} was modified (sha256 differs from the declared one); refused`);
  const mod = (await import(`${pathToFileURL(file).href}?sha256=${declared}`)) as { default?: unknown; run?: unknown };
  const run = typeof mod.default === 'function' ? mod.default : typeof mod.run === 'function' ? mod.run : undefined;
  if (run === undefined) throw new ValidationError(`tool ${name}: its module exports no function (default export or run)`);
  return run as (args: unknown) => unknown;
}

/** Installed blueprints' tool modules and their knowledge packs' search tools. */
export const blueprintToolKind: KindDescriptor = {
  name: 'blueprint-tool',
  serves: 'tool',
  stateful: false,
  async build(services: KindServices): Promise<BuiltKind> {
    const registry = await shared(services);
    const resolve = (address: string, tenant: string | undefined) => services.resolve(address, tenant);
    const search = (id: string): string | undefined => {
      if (!id.startsWith('search_')) return undefined;
      const c = id.slice('search_'.length);
      return registry.pack(c) === undefined ? undefined : c;
    };
    const mcp = mcpAttachments(services, registry);
    /** The MCP server of a tool id `<blueprint>_<server>.<tool>`, when the registry serves that server. */
    const serverOf = (id: string): string | undefined => {
      const dot = id.indexOf('.');
      return dot > 0 && registry.mcpServer(id.slice(0, dot)) !== undefined ? id.slice(0, dot) : undefined;
    };
    const ids = (): string[] => [...registry.toolIds(), ...registry.packIds().map((c) => `search_${c}`), ...mcp.tools()];
    return {
      ids,
      tools: ids,
      accepts: (id) => registry.tool(id) !== undefined || search(id) !== undefined || serverOf(id) !== undefined,
      behavior(id, tenant): Behavior<unknown> {
        const server = serverOf(id);
        if (server !== undefined) {
          // The attachment's actors live in the default tenant (there, `ensure` finds them before asking here);
          // another tenant the install serves forwards to them, its idempotency keys prefixed with the tenant.
          if (tenant === DEFAULT_TENANT || registry.mcpServer(server, tenant) === undefined) noSuch('tool', `${id} in tenant ${tenant}`);
          return forwardMcpTool(services.system, id, tenant);
        }
        const collection = search(id);
        if (collection !== undefined) {
          if (registry.pack(collection, tenant) === undefined) noSuch('tool', `${id} in tenant ${tenant}`);
          const pack = registry.pack(collection);
          const description = pack?.description === undefined ? {} : { description: pack.description };
          return toolBehavior(
            collectionSearchTool(services.system, collection, { resolve, ...description }) as FunctionTool<never>,
          ) as Behavior<unknown>;
        }
        const t = registry.tool(id, tenant) ?? noSuch('tool', `${id} in tenant ${tenant}`);
        let loaded: Promise<(args: unknown) => unknown> | undefined;
        const tool: FunctionTool<Record<string, unknown>> = {
          name: t.name,
          description: t.description,
          input: z.looseObject({}),
          // The module is checked and imported on the first call (a refused module fails that call with its reason).
          run: async (args) => (await (loaded ??= loadToolModule(t.name, t.source, t.sha256)))(args),
        };
        return toolBehavior(tool) as Behavior<unknown>;
      },
      start: () => mcp.start(),
      async close() {
        await mcp.close();
        releaseRegistry(services.system.storage);
      },
    };
  },
};

/**
 * The installed blueprints' MCP servers attached on this node (when it hosts tools): each server the registry holds
 * is connected with the tool kind's client (`attachMcpServer`) once the kind starts and after every change — a new
 * server attached, a removed or changed one closed (its tool actors stopped, a stdio child ended).
 */
function mcpAttachments(
  services: KindServices,
  registry: BlueprintRegistry,
): { tools(): string[]; start(): Promise<void>; close(): Promise<void> } {
  const attached = new Map<string, { spec: string; attachment: McpAttachment }>();
  // Media the servers' tools answer is kept as blobs of the calling tenant, as for config's servers.
  const media = toolMedia(services.system, services.config);
  let started = false;
  let closed = false;
  let chain: Promise<void> = Promise.resolve();
  const sync = async (): Promise<void> => {
    const want = new Map(registry.mcpServerIds().map((id) => [id, registry.mcpServer(id) as McpServerConfig]));
    for (const [id, a] of [...attached]) {
      const spec = want.get(id);
      if (!closed && spec !== undefined && JSON.stringify(spec) === a.spec) continue;
      attached.delete(id);
      await a.attachment.close().catch((e: unknown) => services.system.warn(`MCP server ${id}: close failed: ${scrubbedMessage(e)}`));
    }
    if (closed) return;
    for (const [id, spec] of want) {
      if (attached.has(id)) continue;
      try {
        attached.set(id, { spec: JSON.stringify(spec), attachment: await attachConfiguredMcpServer(services.system, spec, media) });
      } catch (e) {
        services.system.warn(`blueprint MCP server ${id}: cannot attach: ${scrubbedMessage(e)}`);
      }
    }
  };
  const again = (): Promise<void> => (chain = chain.then(sync, sync));
  const unsubscribe = registry.onChange(() => {
    if (started) void again();
  });
  return {
    tools: () => [...attached.values()].flatMap((a) => a.attachment.tools().map((t) => t.slice('tool/'.length))),
    async start() {
      started = true;
      await again();
    },
    async close() {
      closed = true;
      unsubscribe();
      await again();
    },
  };
}

/** Installed blueprints' knowledge packs: the installing tenant's collection; other tenants of an install for all read it. */
export const blueprintCollectionKind: KindDescriptor = {
  name: 'blueprint-collection',
  serves: 'collection',
  stateful: true,
  options: { handlerTimeoutMs: 300_000 },
  async build(services: KindServices): Promise<BuiltKind> {
    const registry = await shared(services);
    const { config, system } = services;
    return {
      ids: () => registry.packIds(),
      accepts: (id) => registry.pack(id) !== undefined,
      behavior(id, tenant): Behavior<unknown> {
        const pack = registry.pack(id, tenant) ?? noSuch('collection', `${id} in tenant ${tenant}`);
        if (tenant !== pack.tenant && registry.scopeOf('collection', id) === ALL_TENANTS) {
          // An install for every tenant keeps one copy, in the default tenant: others' actors forward to it.
          return {
            receive: (msg) =>
              system.ref(`collection/${id}`, pack.tenant ?? DEFAULT_TENANT).ask(msg.type, msg.payload, {
                timeoutMs: msg.deadline === undefined ? undefined : Math.max(1, msg.deadline - Date.now()),
              }),
          };
        }
        return lazyBehavior(
          async () =>
            collectionBehavior(id, {
              embedder: await services.embedder(),
              hnsw: config.memory.hnsw,
              chunking: pack.chunking ?? config.memory.chunking,
            }) as Behavior<unknown>,
        );
      },
      close() {
        releaseRegistry(services.system.storage);
        return Promise.resolve();
      },
    };
  },
};

/** Every blueprint kind, for the CLI's kind list. */
export const BLUEPRINT_KINDS: readonly KindDescriptor[] = [
  blueprintAgentKind,
  blueprintWorkflowKind,
  blueprintToolKind,
  blueprintCollectionKind,
];

/**
 * A behavior made asynchronously when its actor starts (a collection needs the embedder): `init` makes it and
 * `receive` is the made one's. Only for behaviors without snapshots (a collection keeps its data in storage).
 */
function lazyBehavior(make: () => Promise<Behavior<unknown>>): Behavior<unknown> {
  let inner: Behavior<unknown> | undefined;
  return {
    async init(ctx) {
      inner = await make();
      return inner.init === undefined ? undefined : inner.init(ctx);
    },
    receive: (message, ctx) => (inner as Behavior<unknown>).receive(message, ctx),
    stop: (ctx) => inner?.stop?.(ctx),
  };
}
