/**
 * {@link GatewayDeps} over actors this process can start: each agent (and tool) comes with a
 * factory, and `ensure` activates `agent/<name>` in a tenant the first time that tenant needs it.
 * On a mesh the address may already be active on another node: then its ref is used as is.
 */
import { isTroupeError, parseAddress, THREAD_KIND } from '../protocols/index.js';
import { threadOwnerBehavior } from '../actors/index.js';
import type { ActorRef, ActorSystem, Behavior } from '../runtime/index.js';
import { gatewayError } from './http.js';
import type { AgentInfo, GatewayDeps } from './types.js';

/** An agent the gateway may activate in any tenant. */
export interface AgentFactory {
  readonly info: AgentInfo;
  /** The behavior of `agent/<info.name>` in `tenant`. */
  behavior(tenant: string): Behavior<unknown>;
}

/** A tool the gateway may activate (as a pool) in any tenant. */
export interface ToolFactory {
  readonly name: string;
  behavior(tenant: string): Behavior<unknown>;
}

/** Options of {@link localDeps}. */
export interface LocalDepsOptions {
  readonly agents: readonly AgentFactory[];
  readonly tools?: readonly ToolFactory[];
  /** Default: always ready. */
  readonly ready?: () => boolean;
}

/** Deps that activate agents and tools per tenant on `system`. */
export function localDeps(system: ActorSystem, options: LocalDepsOptions): GatewayDeps {
  const agents = new Map(options.agents.map((a) => [a.info.name, a]));
  const tools = new Map((options.tools ?? []).map((t) => [t.name, t]));
  const inflight = new Map<string, Promise<ActorRef>>();
  const activate = async (address: string, tenant: string, behavior: Behavior<unknown>, pool: boolean): Promise<ActorRef> => {
    const ref = system.ref(address, tenant);
    if (system.stateOf(ref) !== undefined) return ref;
    try {
      return await system.spawn(address, behavior, { tenant, pool });
    } catch (e) {
      if (isTroupeError(e, 'conflict')) return ref; // active already (here or on another node)
      throw e;
    }
  };
  const agentInfos = options.agents.map((a) => a.info);
  const toolNames = [...tools.keys()];
  const ensure = async (address: string, tenant: string): Promise<ActorRef> => {
    const ref = system.ref(address, tenant);
    if (system.stateOf(ref) !== undefined) return ref;
    const { kind, id } = parseAddress(address);
    if (kind === THREAD_KIND) return activate(address, tenant, threadOwnerBehavior() as Behavior<unknown>, false);
    const factory = kind === 'agent' ? agents.get(id) : kind === 'tool' ? tools.get(id) : undefined;
    if (factory === undefined) throw gatewayError('not_found', `${kind} ${id} not found`);
    const key = `${tenant}\u0000${address}`;
    let p = inflight.get(key);
    if (p === undefined) {
      const related =
        kind === 'agent'
          ? [...(factory as AgentFactory).info.handoffs, ...(factory as AgentFactory).info.delegates]
              .map((a) => `agent/${a}`)
              .concat((factory as AgentFactory).info.tools.filter((t) => tools.has(t)).map((t) => `tool/${t}`))
          : [];
      // Agents reach their handoff and delegate targets and tools by address: activate those too.
      p = activate(address, tenant, factory.behavior(tenant), kind === 'tool')
        .then(async (r) => {
          for (const a of related) await ensure(a, tenant).catch(() => undefined);
          return r;
        })
        .finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    return p;
  };
  return { system, agents: () => agentInfos, tools: () => toolNames, ready: options.ready ?? (() => true), ensure };
}
