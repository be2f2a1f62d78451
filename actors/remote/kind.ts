/**
 * The `remote` kind: an agent config entry with `remote` is an agent behind another A2A server,
 * served at `agent/<name>` like a local agent (so every surface, handoff and delegation reaches it
 * unchanged) and stateful like one: one actor per remote agent and tenant, holding the runs it follows.
 */
import type { AgentConfig } from '../../config/index.js';
import { ValidationError } from '../../protocols/index.js';
import type { Behavior } from '../../runtime/index.js';
import { runRecovery } from '../agent/index.js';
import type { BuiltKind, KindDescriptor, KindServices } from '../kinds/index.js';
import { remoteBehavior, type RemoteAgentDefinition } from './behavior.js';

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

/** Agents behind other A2A servers (config agents with a `remote` entry), at `agent/<name>`. */
export const remoteKind: KindDescriptor = {
  name: 'remote',
  serves: 'agent',
  stateful: true,
  requires: ['thread'],
  build(services: KindServices): BuiltKind {
    const defs = new Map<string, RemoteAgentDefinition>();
    for (const a of services.config.agents) {
      const def = remoteDefinition(a, { env: services.env });
      if (def !== undefined) defs.set(a.name, def);
    }
    return {
      // Its runs are in the same index as local agents' and resumed by the same recovery.
      ...runRecovery(services),
      ids: () => [...defs.keys()],
      behavior(id): Behavior<unknown> {
        const def = defs.get(id);
        if (def === undefined) throw new ValidationError(`agent ${id} is not a remote agent (it has no \`remote\` entry)`);
        return remoteBehavior({ ...def, resolve: (address, tenant) => services.resolve(address, tenant) }) as Behavior<unknown>;
      },
      agents: () =>
        [...defs.values()].map((r) => ({
          name: r.name,
          description: r.description ?? '',
          tools: [],
          handoffs: [],
          delegates: [],
          model: r.card,
          provider: 'a2a',
        })),
    };
  },
};
