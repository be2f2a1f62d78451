/**
 * Membership in a KV bucket: each node writes `{id, host, kinds, …, heartbeatAt}` under its
 * id every heartbeat; every node mirrors the bucket. A node whose heartbeat is older than
 * `deadAfterMs` is declared dead by each observer on its own (no per-key TTL needed, so
 * this works on nats-server 2.9); a node that leaves deletes its key.
 */
import type { KV } from '@nats-io/kv';
import type { Clock, TimerHandle } from '../clock.js';
import type { Membership, MembershipEvent, NodeInfo } from '../cluster.js';
import type { Liveness } from './directory.js';
import { asTroupeError } from './errors.js';
import { idToken } from './subjects.js';
import { watchAll } from './watch.js';

const text = new TextDecoder();
/** Pause before a failed heartbeat is tried again (others judge the node dead by the age of the stored one). */
const RETRY_MS = 200;
/**
 * How often silent nodes are looked for, at most (never less often than heartbeats are sent). Only when a node is
 * declared dead changes with it, not the window: once judged only at each heartbeat, a dead node was declared up to a
 * heartbeat late, and until then it still ranked first for its actors, so placement waited a stagger before taking
 * them over (runtime/node.ts).
 */
const REAP_MS = 250;

/** Options of membership. */
export interface MembershipOptions {
  readonly heartbeatMs: number;
  readonly deadAfterMs: number;
  /** false: watch only (a client of the mesh, e.g. `troupe node drain`, is not a node). */
  readonly announce?: boolean;
}

/** The JetStream KV membership of one node; also what its leases know of liveness (self-fencing, ADR 0020). */
export class KvMembership implements Membership, Liveness {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly dead = new Set<string>();
  private readonly listeners = new Set<(e: MembershipEvent) => void>();
  private me: NodeInfo;
  private timer: TimerHandle | undefined;
  private reaper: TimerHandle | undefined;
  private stopWatch: (() => void) | undefined;
  private left = false;
  /** Heartbeats that failed since the last one stored. */
  private failures = 0;

  constructor(
    private readonly kv: KV,
    self: Omit<NodeInfo, 'heartbeatAt'>,
    private readonly clock: Clock,
    private readonly options: MembershipOptions,
    private readonly warn: (m: string) => void,
  ) {
    this.me = { ...self, heartbeatAt: clock.now() };
  }

  /** Announces this node, starts heartbeats and mirrors the bucket. */
  async start(): Promise<void> {
    if (this.announcing) await this.put();
    const handle = await watchAll(
      this.kv,
      (e) => {
        if (e.operation === 'PUT') this.seen(JSON.parse(text.decode(e.value)) as NodeInfo);
        else this.gone(e.key);
      },
      () => undefined, // keep what we knew: silence is judged by heartbeat age, not by a missed delete
      this.warn,
    );
    this.stopWatch = () => handle.stop();
    this.schedule();
    this.scheduleReap();
  }

  private scheduleReap(): void {
    const ms = Math.min(REAP_MS, this.options.heartbeatMs);
    this.reaper = this.clock.setTimer(ms, () => {
      if (this.left) return;
      this.reap();
      this.scheduleReap();
    });
  }

  /** False for a client of the mesh: it watches and judges silence, but is not a node. */
  private get announcing(): boolean {
    return this.options.announce !== false;
  }

  private schedule(ms = this.options.heartbeatMs): void {
    this.timer = this.clock.setTimer(ms, () => {
      void this.tick();
    });
  }

  private async tick(): Promise<void> {
    if (this.left) return;
    let next = this.options.heartbeatMs;
    if (this.announcing) {
      try {
        await this.put();
      } catch (e) {
        // Others judge this node's death by its stored heartbeat (ADR 0020): after a failure, try again soon.
        if (this.failures++ === 0) this.warn(`heartbeat failed: ${(e as Error).message}; retrying`);
        next = Math.min(next, RETRY_MS);
      }
    }
    this.reap();
    if (!this.left) this.schedule(next);
  }

  private async put(): Promise<number> {
    const me = { ...this.me, heartbeatAt: this.clock.now() };
    this.me = me;
    const revision = await this.kv.put(idToken(me.id), JSON.stringify(me));
    if (this.failures > 0) this.warn(`heartbeat stored again after ${this.failures} failed`);
    this.failures = 0;
    return revision;
  }

  get deadAfterMs(): number {
    return this.options.deadAfterMs;
  }

  /**
   * True once `node` is dead by a fresh read of its entry, not only by the mirror (a lagging mirror could
   * show an old heartbeat of a node that is alive and still trusts its leases).
   */
  async confirmedDead(node: string): Promise<boolean> {
    if (!this.isDead(node)) return false;
    const entry = await this.kv.get(idToken(node));
    if (entry === null || entry.operation !== 'PUT') return true;
    const info = JSON.parse(entry.string()) as NodeInfo;
    return this.clock.now() - info.heartbeatAt > this.options.deadAfterMs;
  }

  private seen(info: NodeInfo): void {
    const known = this.nodes.get(info.id);
    this.nodes.set(info.id, info);
    if (this.dead.has(info.id)) {
      if (this.clock.now() - info.heartbeatAt > this.options.deadAfterMs) return;
      this.dead.delete(info.id);
      this.emit({ type: 'join', node: info });
      return;
    }
    if (known === undefined) this.emit({ type: 'join', node: info });
    else if (known.draining !== info.draining || known.kinds.join() !== info.kinds.join() || known.gateway !== info.gateway)
      this.emit({ type: 'update', node: info });
  }

  private gone(key: string): void {
    for (const [id, info] of this.nodes) {
      if (idToken(id) !== key) continue;
      this.nodes.delete(id);
      if (!this.dead.has(id)) this.emit({ type: 'leave', node: info });
      this.dead.delete(id);
    }
  }

  /** Declares nodes dead whose heartbeat is older than the window. */
  reap(): void {
    const now = this.clock.now();
    for (const [id, info] of this.nodes) {
      if (id === this.me.id || this.dead.has(id)) continue;
      if (now - info.heartbeatAt > this.options.deadAfterMs) {
        this.dead.add(id);
        this.emit({ type: 'dead', node: info });
      }
    }
  }

  private emit(e: MembershipEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.warn(`membership listener threw: ${(err as Error).message}`);
      }
    }
  }

  live(): NodeInfo[] {
    return [...this.nodes.values()].filter((n) => !this.dead.has(n.id));
  }

  /** True once this node declared `node` dead (and has not seen it come back). */
  isDead(node: string): boolean {
    return this.dead.has(node);
  }

  isLive(node: string): boolean {
    return node === this.me.id || (this.nodes.has(node) && !this.dead.has(node));
  }

  onChange(fn: (event: MembershipEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async announce(update: Partial<Pick<NodeInfo, 'kinds' | 'load' | 'draining' | 'gateway'>>): Promise<void> {
    this.me = { ...this.me, ...update };
    if (!this.left && this.announcing)
      await this.put().catch((e: unknown) => {
        throw asTroupeError(e, `could not announce node ${this.me.id}`);
      });
  }

  async leave(): Promise<void> {
    if (this.left) return;
    this.left = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    if (this.reaper !== undefined) this.clock.clearTimer(this.reaper);
    if (this.announcing) await this.kv.delete(idToken(this.me.id)).catch(() => undefined);
    this.stopWatch?.();
  }

  /** Stops heartbeats without leaving (what a crash looks like to others). */
  stop(): void {
    this.left = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    if (this.reaper !== undefined) this.clock.clearTimer(this.reaper);
    this.stopWatch?.();
  }
}
