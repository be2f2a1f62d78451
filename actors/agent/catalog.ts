/**
 * The agents and tools a mesh serves, built from config: each agent is the kind `agent/<name>`
 * and each tool the pool kind `tool/<name>`, activated per tenant on first use (so one tenant's
 * runs, threads and tools never meet another's). MCP servers named in config are attached once;
 * their tools (`tool/<server>.<tool>`) are shared by every tenant through a forwarding actor.
 */
import { DEFAULT_TENANT, NotFoundError, THREAD_KIND, TroupeError, kindOf } from '../../protocols/index.js';
import { threadOwnerBehavior } from './threads.js';
import type { AgentConfig, McpServerConfig } from '../../config/index.js';
import type { ActorRef, ActorSystem, Behavior, KindSpec, MeshNode } from '../../runtime/index.js';
import { providerFor } from '../llm/select.js';
import type { ModelProvider } from '../llm/types.js';
import { remoteBehavior, remoteDefinition, type RemoteAgentDefinition } from '../remote/index.js';
import { attachMcpServer, builtinTools, toolBehavior, type FunctionTool, type McpAttachment } from '../tool/index.js';
import { agentBehavior } from './behavior.js';
import type { AgentDefinition, AgentHooks } from './definition.js';

/** An agent as callers see it listed (ACP assistants, A2A skills). */
export interface CatalogAgent {
  readonly name: string;
  readonly description: string;
  readonly tools: readonly string[];
  readonly handoffs: readonly string[];
  readonly delegates: readonly string[];
  readonly model: string;
  /** Provider name (`offline`, `openai`, …). */
  readonly provider: string;
}

/** What a catalog is made of. */
export interface CatalogOptions {
  readonly agents: readonly AgentConfig[];
  /** Function tools (default: the built-ins). */
  readonly tools?: readonly FunctionTool<never>[];
  readonly mcpServers?: readonly McpServerConfig[];
  readonly env?: NodeJS.ProcessEnv;
  /** Replaces the provider of every agent (tests, benches). */
  readonly provider?: { readonly provider: ModelProvider; readonly model: string };
  /** Hooks for every agent (guardrails, memory). */
  readonly hooks?: AgentHooks;
  /** Retention of finished runs for every agent (absent: kept forever). */
  readonly runs?: { readonly retainMs: number; readonly pruneEveryMs: number };
  /** Called by {@link Catalog.close} (e.g. to stop an embedder's workers). */
  readonly onClose?: () => Promise<void>;
  /** Other kinds served per tenant the same way (memory stores, collections). */
  readonly kinds?: readonly CatalogKind[];
}

/** A further kind of the catalog: which ids it serves, and how to make one. */
export interface CatalogKind extends KindSpec {
  /** True for the ids (after `kind/`) this kind serves. */
  accepts(id: string): boolean;
}

/** Agents and tools of a mesh, activated per tenant through a {@link MeshNode}. */
export class Catalog {
  private readonly defs = new Map<string, AgentDefinition & { description: string }>();
  /** Agents that live behind another A2A server (config `remote`), served at `agent/<name>` too. */
  private readonly remotes = new Map<string, RemoteAgentDefinition>();
  private readonly functionTools = new Map<string, FunctionTool<never>>();
  private readonly attachments: McpAttachment[] = [];
  private mesh: MeshNode | undefined;

  constructor(private readonly options: CatalogOptions) {
    for (const a of options.agents) {
      const remote = remoteDefinition(a, options.env === undefined ? {} : { env: options.env });
      if (remote !== undefined) {
        this.remotes.set(a.name, remote);
        continue;
      }
      const { provider, model } = options.provider ?? providerFor(a, options.env);
      this.defs.set(a.name, {
        name: a.name,
        description: a.description,
        instructions: a.instructions,
        provider,
        model,
        tools: a.tools,
        handoffs: a.handoffs,
        delegates: a.delegates,
        approvals: a.approvals,
        subscribe: a.subscribe,
        publish: a.publish,
        ...pick(a, ['temperature', 'maxTurns', 'tokenBudget', 'maxDepth', 'runTimeoutMs', 'toolTimeoutMs', 'prices']),
        ...(options.hooks === undefined ? {} : { hooks: options.hooks }),
        ...(options.runs === undefined ? {} : { retainRunsMs: options.runs.retainMs, pruneEveryMs: options.runs.pruneEveryMs }),
      });
    }
    for (const t of options.tools ?? builtinTools) this.functionTools.set(t.name, t);
    const described = new Map(options.agents.map((a) => [a.name, a.description]));
    for (const [name, def] of this.defs) {
      const peers = Object.fromEntries(
        [...(def.handoffs ?? []), ...(def.delegates ?? [])].flatMap((p) => (described.get(p) ? [[p, described.get(p) as string]] : [])),
      );
      this.defs.set(name, { ...def, peers });
    }
  }

  /** Registers the `agent` and `tool` kinds on a node (before `mesh.start()`). */
  install(mesh: MeshNode): this {
    this.mesh = mesh;
    const resolve = (address: string, tenant: string): Promise<ActorRef> => this.ensure(address, tenant);
    const behavior = (address: string): Behavior => {
      const remote = this.remotes.get(address.slice('agent/'.length));
      return remote === undefined
        ? (agentBehavior({ ...this.agentDef(address), resolve }) as Behavior)
        : (remoteBehavior(remote) as Behavior);
    };
    mesh.host({ kind: 'agent', behavior });
    mesh.host({ kind: 'tool', pool: true, behavior: (address, tenant) => this.toolBehavior(address, tenant, mesh.system) });
    mesh.host({ kind: THREAD_KIND, behavior: () => threadOwnerBehavior() as Behavior });
    for (const k of this.options.kinds ?? []) mesh.host(k);
    return this;
  }

  /** Attaches the configured MCP servers (their tool actors live in the default tenant). */
  async attachMcpServers(system: ActorSystem): Promise<void> {
    for (const spec of this.options.mcpServers ?? []) {
      const idempotent = new Set(spec.idempotent);
      const { idempotent: _ignored, ...server } = spec;
      this.attachments.push(
        await attachMcpServer(system, server, { stderr: 'ignore', policyFor: (tool) => ({ idempotent: idempotent.has(tool) }) }),
      );
    }
  }

  /** The agents callers may run. */
  agents(): CatalogAgent[] {
    const local = [...this.defs.values()].map((d) => ({
      name: d.name,
      description: d.description,
      tools: d.tools ?? [],
      handoffs: d.handoffs ?? [],
      delegates: d.delegates ?? [],
      model: d.model,
      provider: d.provider.name,
    }));
    const remote = [...this.remotes.values()].map((r) => ({
      name: r.name,
      description: r.description ?? '',
      tools: [],
      handoffs: [],
      delegates: [],
      model: r.card,
      provider: 'a2a',
    }));
    // Config order, so the default agent (the first) stays the first configured.
    const order = new Map(this.options.agents.map((a, i) => [a.name, i]));
    return [...local, ...remote].sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  }

  /** Tool names callers may list and call. */
  tools(): string[] {
    return [...this.functionTools.keys(), ...this.attachments.flatMap((a) => a.tools().map((t) => t.slice('tool/'.length)))].sort();
  }

  /** True when `address` names an agent or tool of this catalog. */
  has(address: string): boolean {
    const kind = kindOf(address);
    const id = address.slice(kind.length + 1);
    if (kind === 'agent') return this.defs.has(id) || this.remotes.has(id);
    if (kind === 'tool') return this.tools().includes(id);
    if (kind === THREAD_KIND) return true;
    return this.options.kinds?.some((k) => k.kind === kind && k.accepts(id)) ?? false;
  }

  /** The ref of `address` in `tenant`, activated if needed; not_found for what the catalog lacks. */
  async ensure(address: string, tenant: string = DEFAULT_TENANT): Promise<ActorRef> {
    if (!this.has(address))
      throw new NotFoundError(
        `no ${kindOf(address) === 'agent' ? 'agent' : kindOf(address) === 'tool' ? 'tool' : 'actor'} ${address.slice(address.indexOf('/') + 1)}`,
      );
    if (this.mesh === undefined) throw new TroupeError('internal', 'Catalog.install(mesh) must be called before ensure');
    const ref = this.mesh.system.ref(address, tenant);
    if (ref.state !== undefined) return ref;
    return this.mesh.activate(address, tenant);
  }

  /** Closes attached MCP servers (and whatever `onClose` closes). */
  async close(): Promise<void> {
    for (const a of this.attachments.splice(0)) await a.close();
    await this.options.onClose?.();
  }

  private agentDef(address: string): AgentDefinition {
    const def = this.defs.get(address.slice('agent/'.length));
    if (def === undefined) throw new NotFoundError(`no agent ${address}`);
    return def;
  }

  private toolBehavior(address: string, tenant: string, system: ActorSystem): Behavior {
    const name = address.slice('tool/'.length);
    const fn = this.functionTools.get(name);
    if (fn !== undefined) return toolBehavior(fn);
    if (tenant === DEFAULT_TENANT) throw new NotFoundError(`no tool ${name}`); // MCP tools there are the attachment's own actors
    // A shared MCP tool: forward to the attachment's actor in the default tenant.
    return {
      receive: (msg) =>
        system
          .ref(address, DEFAULT_TENANT)
          .ask(msg.type, msg.payload, { timeoutMs: msg.deadline === undefined ? undefined : Math.max(1, msg.deadline - Date.now()) }),
    };
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
