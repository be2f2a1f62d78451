/**
 * The mesh as a console draws it (docs/gateway-operations.md, “Mesh view”): a node table kept from the membership
 * mirror every node holds (joining → serving → draining → left, or dead), each node's actors asked of its control actor
 * (`node/<id>`, runtime/node-stats.ts), and the changes as a stream — node changes from the same membership mirror,
 * actor milestones and dead letters from the system events (`sys.actor.*`, `sys.deadletter`) every node publishes while
 * someone listens. Those topics are subscribed only while a client watches (and a grace period after), so a mesh nobody
 * looks at publishes nothing extra.
 */
import {
  ACTOR_EVENT_TOPICS,
  DEAD_LETTER_TOPIC,
  kindOf,
  scrubSecrets,
  type ActorEvent,
  type DeadLetter,
  type Envelope,
} from '../../protocols/index.js';
import {
  NODE_STATS,
  nodeStats,
  type ActorStat,
  type ActorSystem,
  type Clock,
  type NodeInfo,
  type NodeStats,
  type Subscription,
} from '../../runtime/index.js';
import { unref } from '../clock.js';
import { MeshEventLog, type MeshEventType } from './events.js';

/** Where a node is in its life, as the view shows it. */
export type MeshNodeState = 'joining' | 'serving' | 'draining' | 'dead';

/** One node of the snapshot. */
export interface MeshNodeView {
  readonly id: string;
  readonly host: string;
  readonly kinds: readonly string[];
  readonly gateway: string | null;
  readonly state: MeshNodeState;
  readonly version: string | null;
  readonly started_at: string;
  readonly heartbeat_at: string | null;
  /** The node's actors; null when it could not be asked (dead, or no answer in time: see `error`). */
  readonly actors: readonly ActorStat[] | null;
  readonly mailbox: number | null;
  readonly restarts: number | null;
  readonly dead_letters: number | null;
  readonly error?: string;
}

/** `GET /mesh`. */
export interface MeshSnapshot {
  /** The node that answered. */
  readonly node: string;
  readonly at: string;
  /** The newest event so far: open `GET /mesh/events` with it as `Last-Event-ID` to miss nothing after this snapshot. */
  readonly event_id: string | null;
  readonly nodes: readonly MeshNodeView[];
}

/** Options of {@link MeshView}. */
export interface MeshViewOptions {
  /** How long a node's actor report may take (default 2 s). */
  readonly statsTimeoutMs?: number;
  /** How long the system-event subscriptions stay after the last watcher left (default 60 s). */
  readonly graceMs?: number;
  /** Events kept for `Last-Event-ID` resumes (default 1000). */
  readonly capacity?: number;
}

interface Known {
  info: NodeInfo;
  dead: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function stateOf(k: Known): MeshNodeState {
  if (k.dead) return 'dead';
  if (k.info.draining) return 'draining';
  return k.info.kinds.length === 0 ? 'joining' : 'serving';
}

/** The mesh view of one gateway node. */
export class MeshView {
  readonly events: MeshEventLog;
  private readonly nodes = new Map<string, Known>();
  private readonly subs: Subscription[] = [];
  private watchers = 0;
  private release: ReturnType<Clock['setTimer']> | undefined;
  private stopMembership: (() => void) | undefined;
  private started = false;
  /** Set once the gateway listens (a node without a cluster has no membership to announce it in). */
  gatewayUrl: string | undefined;
  private readonly bootedAt: number;

  constructor(
    private readonly system: ActorSystem,
    private readonly clock: Clock,
    private readonly options: MeshViewOptions = {},
  ) {
    this.events = new MeshEventLog(options.capacity);
    this.bootedAt = Math.round(clock.now() - process.uptime() * 1000);
  }

  /** Starts following membership (on first use; it is a local mirror, so this costs nothing on the wire). */
  private start(): void {
    if (this.started) return;
    this.started = true;
    const m = this.system.transport.cluster?.membership;
    if (m === undefined) return;
    for (const info of m.live()) this.nodes.set(info.id, { info, dead: false });
    this.stopMembership = m.onChange((e) => {
      const known = this.nodes.get(e.node.id);
      const before = known === undefined ? undefined : stateOf(known);
      if (e.type === 'leave') {
        this.nodes.delete(e.node.id);
        this.nodeEvent('node.left', e.node);
        return;
      }
      const now: Known = { info: e.node, dead: e.type === 'dead' };
      this.nodes.set(e.node.id, now);
      const after = stateOf(now);
      if (e.type === 'join') this.nodeEvent('node.joined', e.node, after);
      else if (after !== before) this.nodeEvent(`node.${after === 'joining' ? 'joined' : after}`, e.node, after);
      else this.nodeEvent('node.updated', e.node, after);
    });
  }

  private nodeEvent(type: MeshEventType, info: NodeInfo, state?: MeshNodeState): void {
    this.events.push(type, this.clock.now(), {
      node: info.id,
      host: info.host,
      kinds: [...info.kinds],
      gateway: info.gateway ?? null,
      ...(state === undefined ? {} : { state }),
    });
  }

  /**
   * Counts a watcher (an open event stream, or a snapshot about to be followed by one): the system events are
   * subscribed while there is any, and for `graceMs` after the last. Returns the function that uncounts it.
   */
  watch(): () => void {
    this.start();
    this.watchers++;
    if (this.release !== undefined) {
      this.clock.clearTimer(this.release);
      this.release = undefined;
    }
    if (this.subs.length === 0) this.subscribe();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.watchers > 0) return;
      this.release = this.clock.setTimer(this.options.graceMs ?? 60_000, () => {
        this.release = undefined;
        if (this.watchers === 0) this.unsubscribe();
      });
      unref(this.release);
    };
  }

  private subscribe(): void {
    for (const topic of ACTOR_EVENT_TOPICS) this.subs.push(this.system.subscribe(topic, (env) => this.onActorEvent(env), { tenant: '*' }));
    this.subs.push(this.system.subscribe(DEAD_LETTER_TOPIC, (env) => this.onDeadLetter(env), { tenant: '*' }));
  }

  private unsubscribe(): void {
    for (const s of this.subs.splice(0)) s.unsubscribe();
  }

  private onActorEvent(env: Envelope): void {
    const e = env.payload as ActorEvent | undefined;
    if (e === undefined || typeof e.address !== 'string' || typeof e.event !== 'string') return;
    const kind = kindOf(e.address);
    this.events.push(`actor.${e.event}`, typeof e.at === 'number' ? e.at : this.clock.now(), {
      node: e.node,
      address: e.address,
      kind,
      name: e.address.slice(kind.length + 1),
      tenant: e.tenant,
      incarnation: e.incarnation,
      ...(e.error === undefined ? {} : { error: { code: e.error.code, message: scrubSecrets(e.error.message) } }),
    });
  }

  private onDeadLetter(env: Envelope): void {
    const l = env.payload as DeadLetter | undefined;
    if (l?.envelope === undefined) return;
    // What the letter is about, not what it carries: its payload is the tenant's data (read it at GET /deadletters/{id}).
    this.events.push('deadletter', typeof l.at === 'number' ? l.at : this.clock.now(), {
      node: l.node,
      envelope_id: l.envelope.id,
      address: l.envelope.to,
      tenant: l.envelope.tenant,
      type: l.envelope.type,
      reason: l.reason,
      deliveries: l.deliveries,
      ...(l.error === undefined ? {} : { error: { code: l.error.code, message: scrubSecrets(l.error.message) } }),
    });
  }

  /** Every node with its actors now. */
  async snapshot(): Promise<MeshSnapshot> {
    this.start();
    const event_id = this.events.lastId ?? null;
    const cluster = this.system.transport.cluster;
    const known: Known[] =
      cluster === undefined
        ? [{ info: this.localInfo(), dead: false }]
        : [...this.nodes.values()].map((k) => (k.info.id === this.system.node ? { ...k, info: this.withGateway(k.info) } : k));
    const nodes = await Promise.all(known.map((k) => this.nodeView(k)));
    nodes.sort((a, b) => a.id.localeCompare(b.id));
    return { node: this.system.node, at: iso(this.clock.now()), event_id, nodes };
  }

  private withGateway(info: NodeInfo): NodeInfo {
    return info.gateway !== undefined || this.gatewayUrl === undefined ? info : { ...info, gateway: this.gatewayUrl };
  }

  /** This node when there is no cluster: its kinds are those of its actors. */
  private localInfo(): NodeInfo {
    const kinds = [...new Set(this.system.actors().map((r) => kindOf(r.address)))].sort();
    return {
      id: this.system.node,
      host: process.env['HOSTNAME'] ?? 'localhost',
      kinds,
      version: '',
      load: this.system.actors().length,
      startedAt: this.bootedAt,
      heartbeatAt: this.clock.now(),
      draining: false,
      ...(this.gatewayUrl === undefined ? {} : { gateway: this.gatewayUrl }),
    };
  }

  private async nodeView(k: Known): Promise<MeshNodeView> {
    const { info } = k;
    let stats: NodeStats | undefined;
    let error: string | undefined;
    if (info.id === this.system.node) stats = nodeStats(this.system);
    else if (!k.dead)
      try {
        stats = await this.system
          .ref(`node/${info.id}`)
          .ask<NodeStats>(NODE_STATS, {}, { timeoutMs: this.options.statsTimeoutMs ?? 2_000 });
      } catch (e) {
        error = `no actor report: ${scrubSecrets((e as Error).message)}`;
      }
    else error = 'dead';
    return {
      id: info.id,
      host: info.host,
      kinds: [...info.kinds],
      gateway: info.gateway ?? null,
      state: stateOf(k),
      version: info.version === '' ? null : info.version,
      started_at: iso(info.startedAt),
      heartbeat_at: this.system.transport.cluster === undefined ? null : iso(info.heartbeatAt),
      actors: stats?.actors ?? null,
      mailbox: stats === undefined ? null : stats.actors.reduce((n, a) => n + a.mailbox, 0),
      restarts: stats?.restarts ?? null,
      dead_letters: stats?.dead_letters ?? null,
      ...(error === undefined ? {} : { error }),
    };
  }

  /** Stops following membership and drops the subscriptions. */
  close(): void {
    this.stopMembership?.();
    if (this.release !== undefined) this.clock.clearTimer(this.release);
    this.unsubscribe();
  }
}
