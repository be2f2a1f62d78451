/**
 * Remote agents: an agent that lives behind another A2A server (its agent card URL in config),
 * served at `agent/<name>` with a local agent's run contract — docs/remote-agents.md.
 */
import type { AgentConfig } from '../../config/index.js';
import { ValidationError } from '../../protocols/index.js';
import type { Behavior } from '../../runtime/index.js';
import { remoteBehavior, type RemoteAgentDefinition } from './behavior.js';

export { remoteBehavior } from './behavior.js';
export type { RemoteAgentDefinition, RemoteState } from './behavior.js';
export { transcript } from './client.js';
export type { RemoteTarget } from './client.js';
export type { RemoteCheckpoint, RemoteTaskRef } from './host.js';

/** What building a remote agent needs besides its config entry. */
export interface RemoteKindServices {
  /** Where `remote.authEnv` is read (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
}

/** The remote agent an agent config entry with `remote` describes (undefined for a local agent). */
export function remoteDefinition(config: AgentConfig, services: RemoteKindServices = {}): RemoteAgentDefinition | undefined {
  const r = config.remote;
  if (r === undefined) return undefined;
  return {
    name: config.name,
    description: config.description,
    card: r.card,
    ...(r.authEnv === undefined ? {} : { authEnv: r.authEnv }),
    ...(r.skill === undefined ? {} : { skill: r.skill }),
    ...(config.runTimeoutMs === undefined ? {} : { runTimeoutMs: config.runTimeoutMs }),
    ...(services.env === undefined ? {} : { env: services.env }),
  };
}

/**
 * The `remote` kind as a descriptor for the coming kind registry (issue 11). Its actors are
 * addressed `agent/<name>`, like local agents, so every surface, handoff and delegation reaches
 * them unchanged. Today the catalog (actors/agent/catalog.ts) picks `remoteBehavior` for agents
 * with a `remote` entry itself; the registry session will switch the catalog over to this object.
 */
export const remoteKind = {
  name: 'remote',
  /** One actor per remote agent and tenant, holding the runs it follows. */
  stateful: true,
  /** True for the ids (after `agent/`) of config agents that are remote. */
  accepts(id: string, agents: readonly AgentConfig[]): boolean {
    return agents.some((a) => a.name === id && a.remote !== undefined);
  },
  /** The behavior of the remote agent `config` describes. */
  behavior(config: AgentConfig, services: RemoteKindServices = {}): Behavior {
    const def = remoteDefinition(config, services);
    if (def === undefined) throw new ValidationError(`agent ${config.name} is not a remote agent (it has no \`remote\` entry)`);
    return remoteBehavior(def) as Behavior;
  },
} as const;
