/**
 * What a node reports of itself to the mesh view (docs/gateway-operations.md, “Mesh view”): its local actors — kind,
 * id, tenant, lifecycle state, mailbox depth, restarts — and its dead-letter count. The node control actor `node/<id>`
 * answers {@link NODE_STATS} with it (runtime/node.ts), so a gateway on any node can show every node's actors.
 */
import { kindOf } from '../protocols/index.js';
import type { LifecycleState } from '../protocols/index.js';
import type { ActorSystem } from './actor-system.js';

/** Message type of the node control actor's stats request. */
export const NODE_STATS = 'sys.node.stats';

/** One local actor as the mesh view shows it. */
export interface ActorStat {
  readonly address: string;
  readonly kind: string;
  /** The address after `kind/` (an agent's name, a tool's name, a thread owner's shard). */
  readonly name: string;
  readonly tenant: string;
  readonly state: LifecycleState;
  /** Messages queued, the one being handled included (JetStream: those pulled from the stream). */
  readonly mailbox: number;
  /** Restarts of this activation on this node (activations after the first). */
  readonly restarts: number;
}

/** A node's report of itself. */
export interface NodeStats {
  readonly node: string;
  readonly actors: ActorStat[];
  /** Dead letters this node recorded since it started. */
  readonly dead_letters: number;
  /** Restarts of its current actors, summed. */
  readonly restarts: number;
  readonly at: number;
}

/** The report of `system`'s node now. */
export function nodeStats(system: ActorSystem): NodeStats {
  const actors: ActorStat[] = [];
  for (const ref of system.actors()) {
    const state = system.stateOf(ref);
    if (state === undefined) continue;
    const kind = kindOf(ref.address);
    actors.push({
      address: ref.address,
      kind,
      name: ref.address.slice(kind.length + 1),
      tenant: ref.tenant,
      state,
      mailbox: system.mailboxDepth(ref) ?? 0,
      restarts: Math.max(0, (system.incarnationOf(ref) ?? 1) - 1),
    });
  }
  actors.sort((a, b) => (a.tenant === b.tenant ? a.address.localeCompare(b.address) : a.tenant.localeCompare(b.tenant)));
  return {
    node: system.node,
    actors,
    dead_letters: system.stats.deadLetters,
    restarts: actors.reduce((n, a) => n + a.restarts, 0),
    at: system.clock.now(),
  };
}
