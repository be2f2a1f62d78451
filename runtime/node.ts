/**
 * A mesh node: the kinds this process hosts, placement of their actors, failover and drain.
 * Stateful kinds have one activation in the mesh: a new one goes to the node ranked first for
 * its address (rendezvous hashing over live, non-draining nodes hosting the kind); when an
 * owner dies or hands over, the same ranking picks who re-activates it — the first-ranked node
 * at once, the others after a stagger, so exactly one wins the lease without a coordinator.
 * Stateless kinds run as pools: every node hosting the kind joins every pool of that kind.
 */
import { createHash } from 'node:crypto';
import { ConflictError, DEFAULT_TENANT, ValidationError, isTroupeError, kindOf } from '../protocols/index.js';
import type { ActorOptions, Behavior } from './behavior.js';
import type { ClusterServices, LeaseInfo, NodeInfo } from './cluster.js';
import type { TimerHandle } from './clock.js';
import type { ActorRef } from './ref.js';
import type { ActorSystem } from './actor-system.js';
import { NODE_STATS, nodeStats } from './node-stats.js';

/** An actor kind a node hosts. */
export interface KindSpec {
  readonly kind: string;
  /** Builds the behavior for one address of the kind. */
  readonly behavior: (address: string, tenant: string) => Behavior<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Stateless kinds run as pools on every hosting node. */
  readonly pool?: boolean;
  readonly options?: ActorOptions;
}

/** Options of a mesh node. */
export interface MeshNodeOptions {
  /** How often placement looks for orphaned actors and pools to join (default 250 ms). */
  readonly sweepMs?: number;
  /** Delay between successive candidates for a takeover (default 500 ms). */
  readonly staggerMs?: number;
}

/** Message types of the node control actor `node/<id>`. */
export const NODE_ACTIVATE = 'sys.node.activate';
export const NODE_DRAIN = 'sys.node.drain';

function score(node: string, key: string): string {
  return createHash('sha1').update(`${node}\u0000${key}`).digest('hex');
}

/** Nodes able to host `kind`, best first for `key`. */
export function rankHosts(nodes: readonly NodeInfo[], kind: string, key: string): NodeInfo[] {
  return nodes
    .filter((n) => !n.draining && n.kinds.includes(kind))
    .map((n) => ({ n, s: score(n.id, key) }))
    .sort((a, b) => (a.s < b.s ? 1 : a.s > b.s ? -1 : 0))
    .map((x) => x.n);
}

/** The placement side of one node. */
export class MeshNode {
  private readonly kinds = new Map<string, KindSpec>();
  private readonly cluster: ClusterServices | undefined;
  private readonly staleSince = new Map<string, number>();
  private readonly pending = new Set<string>();
  /** Spawns under way here, by `tenant/address`: a second activation of the same address waits for the first. */
  private readonly spawning = new Map<string, Promise<void>>();
  private timer: TimerHandle | undefined;
  private draining = false;
  private stopped = false;
  private readonly sweepMs: number;
  private readonly staggerMs: number;
  /** Activations this node took over from dead or draining owners. */
  takeovers = 0;

  constructor(
    readonly system: ActorSystem,
    options: MeshNodeOptions = {},
  ) {
    this.cluster = system.transport.cluster;
    this.sweepMs = options.sweepMs ?? 250;
    this.staggerMs = options.staggerMs ?? 500;
  }

  /** Registers a kind this node hosts (before `start`, or announce again after). */
  host(spec: KindSpec): this {
    this.kinds.set(spec.kind, spec);
    return this;
  }

  /** True once the node started draining (a draining node is not ready). */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Kinds hosted here. */
  get hostedKinds(): string[] {
    return [...this.kinds.keys()];
  }

  /** Starts the control actor, announces the kinds and begins placement sweeps. */
  async start(): Promise<void> {
    const system = this.system;
    await system.spawn(
      `node/${system.node}`,
      {
        receive: async (msg) => {
          if (msg.type === NODE_ACTIVATE) {
            const p = msg.payload as { address: string; tenant?: string };
            await this.activateHere(p.address, p.tenant ?? DEFAULT_TENANT);
            return { node: system.node };
          }
          if (msg.type === NODE_STATS) return nodeStats(system);
          if (msg.type === NODE_DRAIN) {
            setImmediate(() => void this.drain());
            return { node: system.node, draining: true };
          }
          throw new ValidationError(`node control does not handle ${msg.type}`);
        },
      },
      { pool: true },
    );
    // A message for a passivated actor wakes it through placement, like any activation (ADR 0036).
    system.activator = (address, tenant) => this.activate(address, tenant);
    await this.cluster?.membership.announce({ kinds: this.hostedKinds });
    this.cluster?.membership.onChange((e) => {
      if (e.type === 'dead' || e.type === 'leave') this.sweep();
    });
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.system.clock.setTimer(this.sweepMs, () => {
      this.sweep();
      this.schedule();
    });
  }

  /**
   * Activates `address` somewhere in the mesh and returns its ref: an active one is left as it
   * is; a pool joins on every hosting node; a single activation goes to the first-ranked host.
   */
  async activate(address: string, tenant: string = DEFAULT_TENANT): Promise<ActorRef> {
    const ref = this.system.ref(address, tenant);
    const kind = kindOf(address);
    const spec = this.kinds.get(kind);
    if (this.cluster === undefined) {
      if (spec === undefined) throw new ValidationError(`no node hosts kind ${kind}`);
      await this.activateHere(address, tenant);
      return ref;
    }
    const key = `${tenant}/${address}`;
    const held = this.cluster.leases().find((l) => l.tenant === tenant && l.address === address);
    if (held !== undefined && this.cluster.membership.isLive(held.node) && held.renewedAt > 0) return ref;
    const hosts = rankHosts(this.cluster.membership.live(), kind, key);
    if (spec?.pool === true) {
      // Every other host of the kind joins the pool on its next sweep.
      await this.activateHere(address, tenant);
      return ref;
    }
    if (this.cluster.pools().some((p) => p.tenant === tenant && p.address === address)) return ref;
    // A host that is stopping or draining (still listed live until it leaves) refuses: the next-ranked host takes the
    // activation instead, so a caller does not fail for a node on its way out.
    for (const target of hosts) {
      try {
        if (target.id === this.system.node) await this.activateHere(address, tenant);
        else await this.system.ref(`node/${target.id}`).ask(NODE_ACTIVATE, { address, tenant }, { timeoutMs: 10_000 });
        return ref;
      } catch (e) {
        const leaving = isTroupeError(e, 'actor_stopped') || (isTroupeError(e, 'conflict') && /is draining/.test((e as Error).message));
        if (!leaving || target === hosts.at(-1)) throw e;
      }
    }
    throw new ValidationError(`no live node hosts kind ${kind}`);
  }

  /** Spawns the address on this node unless it is already active (here or elsewhere). */
  async activateHere(address: string, tenant: string): Promise<void> {
    const spec = this.kinds.get(kindOf(address));
    if (spec === undefined) throw new ValidationError(`node ${this.system.node} does not host kind ${kindOf(address)}`);
    if (this.draining) throw new ConflictError(`node ${this.system.node} is draining`);
    // An activation racing one under way here waits for it: returning at once would hand out a ref whose actor
    // has not taken its address yet (a message sent then finds no recipient).
    const key = `${tenant}/${address}`;
    const under = this.spawning.get(key);
    if (under !== undefined) return under;
    if (this.system.ref(address, tenant).state !== undefined) return;
    // Single activations made on demand may sleep when idle: the next message activates them here or elsewhere.
    const idleTimeoutMs = spec.pool === true ? 0 : (spec.options?.idleTimeoutMs ?? this.system.defaults.idleTimeoutMs);
    const spawned = this.system
      .spawn(address, spec.behavior(address, tenant), { ...spec.options, idleTimeoutMs, tenant, pool: spec.pool === true })
      .then(
        () => undefined,
        (e: unknown) => {
          if (!isTroupeError(e, 'conflict')) throw e;
        },
      )
      .finally(() => this.spawning.delete(key));
    this.spawning.set(key, spawned);
    return spawned;
  }

  /** One placement pass: take over orphaned single activations, join pools of hosted kinds. */
  sweep(): void {
    const c = this.cluster;
    if (c === undefined || this.draining || this.stopped) return;
    const now = this.system.clock.now();
    const seen = new Set<string>();
    for (const lease of c.leases()) {
      // A passivated actor sleeps until a message wakes it (ADR 0036): not an orphan to take over.
      if (lease.passivated === true || !this.kinds.has(kindOf(lease.address))) continue;
      // Our own lease is orphaned too when its activation here ended (e.g. it could not renew during an outage).
      if (lease.node === this.system.node && this.system.ref(lease.address, lease.tenant).state !== undefined) continue;
      const key = `${lease.tenant}/${lease.address}`;
      const orphaned =
        lease.node === this.system.node ||
        lease.renewedAt === 0 ||
        !c.membership.isLive(lease.node) ||
        now - lease.renewedAt > c.leaseTtlMs;
      if (!orphaned) continue;
      seen.add(key);
      const since = this.staleSince.get(key) ?? now;
      this.staleSince.set(key, since);
      const rank = rankHosts(c.membership.live(), kindOf(lease.address), key).findIndex((n) => n.id === this.system.node);
      if (rank < 0 || now - since < rank * this.staggerMs) continue;
      this.takeOver(lease, key);
    }
    for (const k of this.staleSince.keys()) if (!seen.has(k)) this.staleSince.delete(k);
    for (const pool of c.pools()) {
      const spec = this.kinds.get(kindOf(pool.address));
      if (spec?.pool !== true || pool.members.includes(this.system.node)) continue;
      const key = `${pool.tenant}/${pool.address}`;
      if (this.pending.has(key) || this.system.ref(pool.address, pool.tenant).state !== undefined) continue;
      this.pending.add(key);
      this.activateHere(pool.address, pool.tenant)
        .catch((e: unknown) => this.system.warn(`joining pool ${pool.address}: ${(e as Error).message}`))
        .finally(() => this.pending.delete(key));
    }
  }

  private takeOver(lease: LeaseInfo, key: string): void {
    if (this.pending.has(key)) return;
    this.pending.add(key);
    this.activateHere(lease.address, lease.tenant)
      .then(() => {
        if (this.system.ref(lease.address, lease.tenant).state !== undefined) this.takeovers++;
      })
      .catch((e: unknown) => {
        if (!isTroupeError(e, 'conflict')) this.system.warn(`taking over ${lease.address}: ${(e as Error).message}`);
      })
      .finally(() => this.pending.delete(key));
  }

  /**
   * Drains the node: announce it (no new activations come here), stop taking work, finish what
   * was pulled, snapshot, and hand every single activation over (its lease left expired for the
   * next-ranked node); pool work stays in the shared consumer for the other members.
   */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.stopped = true;
    if (this.timer !== undefined) this.system.clock.clearTimer(this.timer);
    await this.cluster?.membership.announce({ draining: true }).catch(() => undefined);
    await this.system.drain();
    await this.cluster?.membership.leave().catch(() => undefined);
    await this.system.shutdown();
  }

  /** Stops placement without draining (the system is shut down separately). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.system.clock.clearTimer(this.timer);
  }
}
