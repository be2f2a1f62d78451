/**
 * `/readyz`: whether this node should get traffic — its actor system is up, it is not starting or draining,
 * its storage answers a write and a read, its NATS connection is up (on a mesh), its data directory has free
 * space, and no model provider's circuit breaker is open. Evaluated on request, and every `intervalMs` while
 * someone subscribes to `sys.health.changed`, to publish the verdict's flips (docs/gateway-operations.md, “GET /readyz”).
 */
import { statfs } from 'node:fs/promises';
import { DEFAULT_TENANT, SYSTEM_EVENTS, type HealthEvent } from '../../protocols/index.js';
import { breakerStates } from '../../actors/index.js';
import { clockOf, every, type Repeating } from '../clock.js';
import type { GatewayDeps } from '../types.js';
import type { HealthMonitor } from './health.js';

/** How readiness is judged (config `health`). */
export interface ReadinessOptions {
  /** The directory whose free space is checked (the node's data directory); absent: no disk check. */
  readonly dataDir?: string;
  /** Below this many free bytes in `dataDir` the node is not ready (default 100 MiB). */
  readonly minFreeDiskBytes?: number;
  /** Bound on the storage probe (default 2 s): a storage that does not answer in time fails the check. */
  readonly probeTimeoutMs?: number;
  /** How often the verdict is evaluated for `sys.health.changed` (default 5 s; 0: only on request). */
  readonly intervalMs?: number;
  /** The circuit breakers to watch (default every breaker of this process). */
  readonly breakers?: () => readonly { name: string; state: string }[];
}

/** One check's outcome; `detail` says what was found. */
export interface ReadinessCheck {
  readonly ok: boolean;
  readonly detail: string;
}

/** What `/readyz` answers to an admin (others get only `status`). */
export interface ReadinessReport {
  readonly status: 'ready' | 'not_ready';
  readonly node: string;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
}

const MIB = 1024 * 1024;

const pass = (detail: string): ReadinessCheck => ({ ok: true, detail });
const fail = (detail: string): ReadinessCheck => ({ ok: false, detail });

/** Evaluates readiness, and publishes its flips. */
export class Readiness {
  private beat: Repeating | undefined;
  private last: boolean | undefined;
  private readonly minFree: number;
  private readonly probeTimeoutMs: number;

  constructor(
    private readonly deps: GatewayDeps,
    private readonly health: HealthMonitor,
    private readonly options: ReadinessOptions = {},
  ) {
    this.minFree = options.minFreeDiskBytes ?? 100 * MIB;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 2_000;
  }

  /** Runs every check (storage and disk concurrently). */
  async evaluate(): Promise<ReadinessReport> {
    const system = this.deps.system;
    const live = system.health();
    const nats = this.health.report().nats;
    const [storage, disk] = await Promise.all([this.probeStorage(), this.checkDisk()]);
    const open = (this.options.breakers ?? breakerStates)().filter((b) => b.state === 'open');
    const checks: Record<string, ReadinessCheck> = {
      system: live.ready ? pass('actor system running') : fail(live.reason ?? 'not ready'),
      drain: this.deps.ready() ? pass('serving') : fail('not serving (starting or draining)'),
      storage,
      nats: nats === 'disconnected' ? fail('NATS disconnected') : pass(nats === 'none' ? 'no NATS (embedded mesh)' : 'connected'),
      disk,
      breakers:
        open.length === 0 ? pass('no provider circuit open') : fail(`open provider circuits: ${open.map((b) => b.name).join(', ')}`),
    };
    const ready = Object.values(checks).every((c) => c.ok);
    return { status: ready ? 'ready' : 'not_ready', node: system.node, checks };
  }

  /** Writes, reads back and deletes a probe entry in the node's storage, within the probe timeout. */
  private async probeStorage(): Promise<ReadinessCheck> {
    const system = this.deps.system;
    const bucket = system.storage.bucket('health');
    const key = ['probe', system.node];
    const value = { at: clockOf(this.deps).now(), nonce: Math.random() };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ReadinessCheck>((resolve) => {
      timer = setTimeout(() => resolve(fail(`storage did not answer within ${this.probeTimeoutMs} ms`)), this.probeTimeoutMs);
    });
    const probe = (async (): Promise<ReadinessCheck> => {
      await bucket.put(key, value);
      const back = await bucket.get<typeof value>(key);
      await bucket.delete(key);
      return back?.nonce === value.nonce
        ? pass(`${system.storage.kind} storage read and write`)
        : fail(`${system.storage.kind} storage read back something else`);
    })().catch((e: unknown) => fail(`${system.storage.kind} storage failed: ${(e as Error).message}`));
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Free space of the data directory against the threshold; no directory (yet) is no check. */
  private async checkDisk(): Promise<ReadinessCheck> {
    const dir = this.options.dataDir;
    if (dir === undefined) return pass('no data directory to check');
    try {
      const s = await statfs(dir);
      const free = s.bavail * s.bsize;
      const text = `${Math.floor(free / MIB)} MiB free in ${dir} (threshold ${Math.ceil(this.minFree / MIB)} MiB)`;
      return free >= this.minFree ? pass(text) : fail(text);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return pass(`${dir} does not exist (yet)`);
      return fail(`cannot read free space of ${dir}: ${(e as Error).message}`);
    }
  }

  /** Evaluates every `intervalMs` while someone listens, and publishes `sys.health.changed` when the verdict flips. */
  start(): void {
    const ms = this.options.intervalMs ?? 5_000;
    if (ms <= 0 || this.beat !== undefined) return;
    this.last = undefined;
    let busy = false;
    const tick = (): void => {
      if (busy) return;
      // Nobody listening: no probe traffic, and the next listener hears the verdict as it then is.
      if (!this.deps.system.transport.hasSubscribers(DEFAULT_TENANT, SYSTEM_EVENTS.healthChanged)) {
        this.last = undefined;
        return;
      }
      busy = true;
      void this.evaluate()
        .then((r) => this.observe(r))
        .catch(() => undefined)
        .finally(() => (busy = false));
    };
    this.beat = every(clockOf(this.deps), ms, tick, { unref: true });
    tick();
  }

  /** Publishes a flip of the verdict. */
  private async observe(r: ReadinessReport): Promise<void> {
    const ready = r.status === 'ready';
    if (ready === this.last) return;
    this.last = ready;
    const system = this.deps.system;
    const event: HealthEvent = {
      node: system.node,
      ready,
      failing: Object.entries(r.checks)
        .filter(([, c]) => !c.ok)
        .map(([name]) => name),
      at: clockOf(this.deps).now(),
    };
    await system
      .publish(SYSTEM_EVENTS.healthChanged, event, { tenant: DEFAULT_TENANT, from: `system/${system.node}` })
      .catch(() => undefined);
  }

  /** Stops the periodic evaluation. */
  close(): void {
    this.beat?.stop();
    this.beat = undefined;
  }
}
