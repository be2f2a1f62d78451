/**
 * What a clustered transport adds: membership (who is alive, hosting which kinds), fenced
 * state snapshots (so any node can re-activate an actor), and the lease directory view
 * that placement uses to find orphaned actors. The memory transport has none of these.
 */

/** A node as the mesh sees it. */
export interface NodeInfo {
  readonly id: string;
  readonly host: string;
  /** Actor kinds this node hosts (re-activates on failover). */
  readonly kinds: readonly string[];
  readonly version: string;
  /** Local actors; a rough load figure for placement and operators. */
  readonly load: number;
  readonly startedAt: number;
  readonly heartbeatAt: number;
  /** True once the node started draining: it takes no new activations. */
  readonly draining: boolean;
  /** The base URL of the node's gateway, when it serves one (announced once it listens; the mesh view shows it). */
  readonly gateway?: string;
}

/** A change in membership. `dead`: stopped heartbeating for the configured window. */
export interface MembershipEvent {
  readonly type: 'join' | 'update' | 'leave' | 'dead';
  readonly node: NodeInfo;
}

/** The live view of the mesh's nodes. */
export interface Membership {
  /** Live nodes (this one included), by id. */
  live(): NodeInfo[];
  isLive(node: string): boolean;
  /** Calls `fn` on every join, update, leave and death; returns the unsubscribe function. */
  onChange(fn: (event: MembershipEvent) => void): () => void;
  /** Updates what this node announces (kinds, load, draining). */
  announce(update: Partial<Pick<NodeInfo, 'kinds' | 'load' | 'draining' | 'gateway'>>): Promise<void>;
  /** Leaves the mesh (deletes this node's entry, stops heartbeats). */
  leave(): Promise<void>;
}

/** A stored snapshot and the fencing data that came with it. */
export interface StoredSnapshot {
  readonly data: unknown;
  /** Lease epoch of the writer. */
  readonly epoch: number;
  /** Store revision; a save must name the revision it replaces. */
  readonly revision: number;
}

/** Fenced snapshot storage: a write names the revision it replaces, so a stale owner is refused. */
export interface StateStore {
  load(tenant: string, address: string): Promise<StoredSnapshot | undefined>;
  /**
   * Writes `data` if `expectedRevision` is still the latest (0: no snapshot yet) and no newer
   * epoch wrote meanwhile; returns the new revision. Rejects with `conflict` otherwise.
   */
  save(tenant: string, address: string, data: unknown, epoch: number, expectedRevision: number): Promise<number>;
  delete(tenant: string, address: string): Promise<void>;
}

/** A single activation's lease as the directory shows it. */
export interface LeaseInfo {
  readonly tenant: string;
  readonly address: string;
  readonly node: string;
  readonly epoch: number;
  readonly renewedAt: number;
  /** The actor sleeps (ADR 0036): released by passivation, activated again by the next message sent to it. */
  readonly passivated?: boolean;
}

/** A pool address and the ids of the nodes that are members (plain node ids, whatever the transport's encoding). */
export interface PoolInfo {
  readonly tenant: string;
  readonly address: string;
  readonly members: readonly string[];
}

/** Cluster services of a transport, available after `start`. */
export interface ClusterServices {
  readonly membership: Membership;
  readonly state: StateStore;
  /** Every single-activation lease in the mesh (from the local mirror). */
  leases(): LeaseInfo[];
  /** Every pool address in the mesh with its members (from the local mirror). */
  pools(): PoolInfo[];
  /** A lease not renewed for this long may be taken over. */
  readonly leaseTtlMs: number;
}
