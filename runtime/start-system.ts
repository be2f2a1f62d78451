/** Starts an actor system and hands back the public {@link ActorSystem} view of it (ADR 0014). */
import type { ActorSystem } from './actor-system.js';
import type { Behavior, SpawnOptions } from './behavior.js';
import { LocalActorSystem } from './system.js';
import type { SystemOptions } from './system-options.js';

/** The guardian of a system: spawned right after start, parent of every actor spawned without one. */
export interface GuardianSpec {
  readonly address: string;
  readonly behavior: Behavior<never> | Behavior<unknown>;
  readonly options?: SpawnOptions;
}

/**
 * Starts a node (connects the transport, opens its reply inbox), then spawns its guardian, if one is
 * given, from the node id. A guardian that fails to start shuts the node down again.
 */
export async function startSystem(options: SystemOptions, guardian?: (node: string) => GuardianSpec): Promise<ActorSystem> {
  const system = await LocalActorSystem.start(options);
  if (guardian === undefined) return system;
  const g = guardian(system.node);
  try {
    system.guardian = await system.spawn(g.address, g.behavior as Behavior<unknown>, g.options);
  } catch (e) {
    await system.shutdown().catch(() => undefined);
    throw e;
  }
  return system;
}
