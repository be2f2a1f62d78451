/**
 * Who hosts which address, kept in a JetStream KV bucket every node watches:
 * `s.<addr>` is a single activation's lease `{node, epoch, renewedAt}`, taken by
 * compare-and-set and renewed on a timer; `p.<addr>.<node>` marks a pool member.
 * The epoch grows with every change of owner: it is the fencing token for state writes.
 *
 * Self-fencing (ADR 0020). Another node may take a lease over once (a) the lease's stored `renewedAt` is older
 * than the TTL, or (b) it is older than `deadAfterMs` and the holder's membership heartbeat is too (confirmed by a
 * fresh read). Both ages are counted from `renewedAt`, which the holder stamped BEFORE writing it. So the holder
 * trusts its lease only until `renewedAt + min(ttl, deadAfter) − margin`, where `renewedAt` is the stamp of its last
 * renewal that succeeded, and the margin is a third of the window ({@link FENCE_FRACTION}): it covers timer lateness
 * and clock skew between nodes. Heartbeats alone never take a lease away: a holder that keeps renewing keeps it while
 * the membership bucket elects a leader (before, every lease of every node fenced itself then, and the whole mesh
 * re-activated after a NATS server kill). A local timer fires `onLost` at that deadline when no renewal moved it,
 * and `valid()` is the same rule as a synchronous clock check, which the message loop asks before every message
 * (after a SIGSTOP the timer may run after queued I/O).
 * A renewal that does not answer within a third of the TTL (at most half the safety window) is abandoned and tried again.
 */
import type { KV } from '@nats-io/kv';
import { ConflictError } from '../../protocols/index.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { ReleaseMode } from '../transport.js';
import { casPut } from './cas.js';
import { isTimeout, isWrongLastSequence } from './errors.js';
import { idToken, tokenId } from './subjects.js';
import { watchAll } from './watch.js';

/** A lease as stored. */
export interface LeaseValue {
  readonly node: string;
  readonly epoch: number;
  readonly renewedAt: number;
  readonly tenant: string;
  readonly address: string;
  /** Released by passivation (ADR 0036): nobody takes it over; the next message sent to the address wakes it. */
  readonly passivated?: boolean;
}

/** A held lease. */
export interface Lease {
  readonly epoch: number;
  /**
   * True while this node may still act for the address: its last successful renewal is recent enough that no
   * other node can have taken the lease over (a synchronous clock check, see the file comment).
   */
  valid(): boolean;
  /** Gives the lease up: delete it, leave it expired for a successor, or just stop renewing. */
  release(how?: ReleaseMode): Promise<void>;
}

/** How much of a takeover window a holder trusts its lease for; the rest is the safety margin. */
export const FENCE_FRACTION = 2 / 3;

/** The membership facts leases depend on: whether another node is dead (confirmed by a fresh read, not only a possibly lagging mirror). */
export interface Liveness {
  /** A node silent this long may be declared dead (and its leases not renewed as long taken over). */
  readonly deadAfterMs: number;
  /** True when `node`'s stored heartbeat is older than `deadAfterMs` (or gone). */
  confirmedDead(node: string): Promise<boolean>;
}

const text = new TextDecoder();
/** Stands for "every tenant" in watcher keys (`=` never appears in a tenant name). */
const ALL_TENANTS = '=all';

/** Settles like `p`, or rejects after `ms` (the request itself is left to finish or fail on its own). */
function withTimeout<T>(p: Promise<T>, ms: number, clock: Clock): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = clock.setTimer(ms, () => reject(new Error(`no answer within ${ms} ms`)));
    p.then(
      (v) => {
        clock.clearTimer(t);
        resolve(v);
      },
      (e: unknown) => {
        clock.clearTimer(t);
        reject(e as Error);
      },
    );
  });
}

/** The mesh directory of one node. */
export class Directory {
  private readonly singles = new Map<string, LeaseValue>();
  private readonly pools = new Map<string, Set<string>>();
  private readonly poolAddresses = new Map<string, { tenant: string; address: string }>();
  /** `w.<tenant>.<node>`: nodes with a live subscription to system topics (lifecycle, dead letters). */
  private readonly watchers = new Map<string, Set<string>>();
  private readonly myInterest = new Map<string, number>();
  private stopWatch: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly kv: KV,
    private readonly node: string,
    private readonly clock: Clock,
    readonly leaseTtlMs: number,
    private readonly warn: (m: string) => void,
    /** Membership facts; without them only the TTL counts (a client of the mesh, tests). */
    public liveness: Liveness | undefined = undefined,
    /**
     * The same bucket on a handle with a short request timeout, for taking leases (see {@link quick}); default `kv`.
     */
    private readonly leaseKv: KV = kv,
  ) {}

  /**
   * Runs a lease-taking request on the short-timeout handle, again at once after a timeout, for up to the lease TTL.
   * A request sent while the bucket elects a leader is never answered (its replicas take the message and drop it), so
   * one sent just before the election ends would otherwise wait out the whole request timeout (2 s). A write that timed
   * out may have landed: `landed` recognises our own value when the repeat is refused as a stale compare-and-set.
   */
  private async quick<T>(op: (kv: KV) => Promise<T>, landed?: (e: unknown) => Promise<T | undefined>): Promise<T> {
    const until = this.clock.now() + this.leaseTtlMs;
    let timedOut = false;
    for (;;) {
      try {
        return await op(this.leaseKv);
      } catch (e) {
        if (timedOut && landed !== undefined && isWrongLastSequence(e)) {
          const ours = await landed(e);
          if (ours !== undefined) return ours;
        }
        if (!isTimeout(e) || this.closed || this.clock.now() >= until) throw e;
        timedOut = true;
      }
    }
  }

  /** The revision of `key` when it holds exactly `value` (a write of ours that landed although its answer was lost). */
  private async ownWrite(key: string, value: string): Promise<number | undefined> {
    const entry = await this.leaseKv.get(key).catch(() => null);
    return entry !== null && entry.operation === 'PUT' && entry.string() === value ? entry.revision : undefined;
  }

  /**
   * Until when a lease last renewed at `renewedAt` may be trusted here (see the file comment): the earliest
   * takeover time by either rule, minus the margin.
   */
  private trustedUntil(renewedAt: number): number {
    return renewedAt + this.window() * FENCE_FRACTION;
  }

  /** How long after its last renewal another node may take a lease over: the shorter of the two rules' windows. */
  private window(): number {
    return Math.min(this.leaseTtlMs, this.liveness?.deadAfterMs ?? this.leaseTtlMs);
  }

  /** Starts mirroring the bucket into memory (so senders check recipients without a round trip). */
  async mirror(): Promise<void> {
    const handle = await watchAll(
      this.kv,
      (e) => this.apply(e.key, e.operation, e.value),
      () => {
        this.singles.clear();
        this.pools.clear();
        this.poolAddresses.clear();
        this.watchers.clear();
      },
      this.warn,
    );
    this.stopWatch = () => handle.stop();
  }

  private apply(key: string, op: string, value: Uint8Array): void {
    if (key.startsWith('w.')) {
      const [, tenant, node] = key.split('.') as [string, string, string];
      let set = this.watchers.get(tenant);
      if (op === 'PUT') {
        if (set === undefined) this.watchers.set(tenant, (set = new Set()));
        set.add(node);
      } else if (set !== undefined) {
        set.delete(node);
        if (set.size === 0) this.watchers.delete(tenant);
      }
      return;
    }
    if (key.startsWith('s.')) {
      const k = key.slice(2);
      if (op === 'PUT') this.singles.set(k, JSON.parse(text.decode(value)) as LeaseValue);
      else this.singles.delete(k);
    } else if (key.startsWith('p.')) {
      const dot = key.lastIndexOf('.');
      const k = key.slice(2, dot);
      const member = key.slice(dot + 1);
      let set = this.pools.get(k);
      if (op === 'PUT') {
        if (set === undefined) this.pools.set(k, (set = new Set()));
        set.add(member);
        const v = JSON.parse(text.decode(value)) as { tenant?: string; address?: string };
        if (v.tenant !== undefined && v.address !== undefined) this.poolAddresses.set(k, { tenant: v.tenant, address: v.address });
      } else if (set !== undefined) {
        set.delete(member);
        if (set.size === 0) this.pools.delete(k);
      }
    }
  }

  /** True when the mirror shows the address hosted: no request, and no await on a sender's path. */
  mirrored(addressKey: string): boolean {
    return this.singles.has(addressKey) || this.pools.has(addressKey);
  }

  /** True when the address is (or was, and has not been released) hosted somewhere. */
  async hosted(addressKey: string): Promise<boolean> {
    if (this.mirrored(addressKey)) return true;
    const lease = await this.kv.get(`s.${addressKey}`);
    if (lease !== null && lease.operation === 'PUT') return true;
    const members = await this.kv.keys(`p.${addressKey}.*`);
    for await (const _ of members) return true;
    return false;
  }

  /** The current lease of an address, from the mirror. */
  leaseOf(addressKey: string): LeaseValue | undefined {
    return this.singles.get(addressKey);
  }

  /** Every lease in the mirror. */
  leases(): LeaseValue[] {
    return [...this.singles.values()];
  }

  /**
   * Takes the single activation of an address: creates the lease, or takes over one whose
   * holder is dead or stopped renewing. Rejects with `conflict` while a live node holds it.
   * `onLost` fires once: when renewal finds the lease taken, or at the self-fencing deadline
   * (see the file comment) when no renewal succeeded in time.
   */
  async acquire(tenant: string, address: string, addressKey: string, onLost: (reason: string) => void): Promise<Lease> {
    const key = `s.${addressKey}`;
    const value = (epoch: number, renewedAt: number): string =>
      JSON.stringify({ node: this.node, epoch, renewedAt, tenant, address } satisfies LeaseValue);
    // Every epoch is computed from one read of the key and written on the condition that the key is still at that read's
    // revision (compare-and-set, serialised on every server version by ./cas.ts; revision 0 when it has never been
    // written). Nothing else decides: `kv.create` re-reads a delete marker itself and writes over it, which paired a
    // value computed from an older read with a newer revision — two nodes then held the same epoch one after the other.
    // Epochs never go down (a run's writes are fenced by them across activations, ADR 0007): a lease never released
    // counts up from its holder's epoch; one released for good is a delete marker, and the next epoch starts above that
    // marker's revision, which no earlier epoch reached (an epoch written at revision r is at most r).
    const entry = await this.quick((kv) => kv.get(key));
    const held = entry !== null && entry.operation === 'PUT' ? (JSON.parse(entry.string()) as LeaseValue) : undefined;
    if (held !== undefined) {
      const age = this.clock.now() - held.renewedAt;
      const stale =
        held.node === this.node ||
        held.renewedAt === 0 ||
        age > this.leaseTtlMs ||
        (this.liveness !== undefined && age > this.liveness.deadAfterMs && (await this.liveness.confirmedDead(held.node)));
      if (!stale) throw new ConflictError(`${addressKey} is active on node ${held.node}`);
    }
    const epoch = held !== undefined ? held.epoch + 1 : entry !== null ? entry.revision + 1 : 1;
    // The stamp is taken before the write: others count the TTL from it (never from when the write landed).
    let renewedAt = this.clock.now();
    const first = value(epoch, renewedAt);
    let revision: number;
    try {
      revision = await this.quick(
        (kv) => casPut(kv, key, first, entry === null ? 0 : entry.revision),
        () => this.ownWrite(key, first),
      );
    } catch (e) {
      if (isWrongLastSequence(e)) throw new ConflictError(`another node took ${addressKey} first`);
      throw e;
    }
    let timer: TimerHandle | undefined;
    let fence: TimerHandle | undefined;
    let released = false;
    // A third of the window the lease is trusted for (see trustedUntil): two renewals may fail before it fences.
    const renewEvery = this.window() / 3;
    const lose = (reason: string): void => {
      if (released) return;
      released = true;
      if (timer !== undefined) this.clock.clearTimer(timer);
      if (fence !== undefined) this.clock.clearTimer(fence);
      onLost(reason);
    };
    const valid = (): boolean => !released && this.clock.now() < this.trustedUntil(renewedAt);
    // The fencing timer: re-armed for the current deadline until a deadline passes unmoved.
    const armFence = (): void => {
      if (released) return;
      const left = this.trustedUntil(renewedAt) - this.clock.now();
      if (left <= 0) lose(`lease of ${addressKey} (epoch ${epoch}) not renewed in time: fenced itself before any takeover`);
      else fence = this.clock.setTimer(left, armFence);
    };
    const renew = async (): Promise<void> => {
      if (released) return;
      const stamp = this.clock.now();
      let next = renewEvery;
      try {
        revision = await withTimeout(casPut(this.kv, key, value(epoch, stamp), revision), renewEvery, this.clock);
        renewedAt = Math.max(renewedAt, stamp);
      } catch (e) {
        if (released) return;
        if (isWrongLastSequence(e)) {
          // An abandoned (timed-out) renewal may have landed after all: the lease is still ours, at a newer revision.
          // (A read that fails decides nothing: the next try comes soon, the fencing deadline keeps running.)
          const entry = await this.kv.get(key).catch(() => undefined);
          if (released) return;
          if (entry !== undefined) {
            const held = entry?.operation === 'PUT' ? (JSON.parse(entry.string()) as LeaseValue) : undefined;
            if (entry === null || held === undefined || held.node !== this.node || held.epoch !== epoch || held.renewedAt === 0) {
              lose(`lease of ${addressKey} (epoch ${epoch}) was taken by another node`);
              return;
            }
            revision = entry.revision;
            renewedAt = Math.max(renewedAt, held.renewedAt);
          }
        }
        next = Math.min(next, 100); // try again soon: the fencing deadline is running
      }
      if (!released) timer = this.clock.setTimer(next, () => void renew());
    };
    timer = this.clock.setTimer(renewEvery, () => void renew());
    armFence();
    return {
      epoch,
      valid,
      release: async (how: ReleaseMode = 'gone') => {
        if (released) return;
        released = true;
        if (timer !== undefined) this.clock.clearTimer(timer);
        if (fence !== undefined) this.clock.clearTimer(fence);
        if (how === 'abandon') return;
        try {
          if (how === 'handover') await casPut(this.kv, key, value(epoch, 0), revision);
          else if (how === 'passivate')
            await casPut(
              this.kv,
              key,
              JSON.stringify({ node: this.node, epoch, renewedAt: 0, tenant, address, passivated: true } satisfies LeaseValue),
              revision,
            );
          else await casPut(this.kv, key, '', revision, { delete: true });
        } catch (e) {
          if (!isWrongLastSequence(e)) this.warn(`releasing lease ${addressKey}: ${(e as Error).message}`);
        }
      },
    };
  }

  /** Marks this node as a member of an address's pool; returns the leave function. */
  async joinPool(tenant: string, address: string, addressKey: string): Promise<() => Promise<void>> {
    const key = `p.${addressKey}.${idToken(this.node)}`;
    await this.kv.put(key, JSON.stringify({ node: this.node, at: this.clock.now(), tenant, address }));
    return async () => {
      await this.kv.delete(key).catch((e: unknown) => this.warn(`leaving pool ${addressKey}: ${(e as Error).message}`));
    };
  }

  /** True when some node watches system topics of `tenant` (or of every tenant). */
  hasWatchers(tenant: string): boolean {
    return this.watchers.has(tenant) || this.watchers.has(ALL_TENANTS);
  }

  /** Counts a system-topic subscription of this node; the first one announces the interest. */
  async watch(tenant: string, on: boolean): Promise<void> {
    const t = tenant === '*' ? ALL_TENANTS : tenant;
    const n = (this.myInterest.get(t) ?? 0) + (on ? 1 : -1);
    this.myInterest.set(t, Math.max(0, n));
    const key = `w.${t}.${idToken(this.node)}`;
    if (on && n === 1) {
      this.apply(key, 'PUT', new Uint8Array());
      await this.kv.put(key, '');
    } else if (!on && n === 0) await this.kv.delete(key).catch(() => undefined);
  }

  /** Withdraws every watch this node announced (on shutdown). */
  async unwatchAll(): Promise<void> {
    const keys = [...this.myInterest.entries()].filter(([, n]) => n > 0).map(([t]) => `w.${t}.${idToken(this.node)}`);
    this.myInterest.clear();
    await Promise.all(keys.map((k) => this.kv.delete(k).catch(() => undefined)));
  }

  /** Every pool with its members' node ids (from the mirror; keys carry id tokens, decoded here). */
  allPools(): { tenant: string; address: string; members: string[] }[] {
    const out: { tenant: string; address: string; members: string[] }[] = [];
    for (const [k, members] of this.pools) {
      const a = this.poolAddresses.get(k);
      if (a !== undefined) out.push({ ...a, members: [...members].map(tokenId) });
    }
    return out;
  }

  /** Whether any pool member other than dead nodes remains (from the mirror). */
  poolMembers(addressKey: string): string[] {
    return [...(this.pools.get(addressKey) ?? [])];
  }

  close(): void {
    this.closed = true;
    this.stopWatch?.();
  }
}
