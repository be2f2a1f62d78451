/** What a node is started with: its options, the defaults every actor and send falls back to. */
import type { Logger } from './log.js';
import type { LifecycleEvent, WireError } from '../protocols/index.js';
import type { SpawnOptions } from './behavior.js';
import type { ResolvedOptions } from './cell-host.js';
import type { Clock } from './clock.js';
import type { LifecycleFactory } from './lifecycle.js';
import type { Storage } from './storage/index.js';
import type { Transport } from './transport.js';

/** System-wide defaults for actors and sends (config supplies them). */
export interface SystemDefaults extends ResolvedOptions {
  readonly askTimeoutMs: number;
  readonly blockTimeoutMs: number;
}

/** Defaults that match config's embedded mode. */
export const DEFAULTS: SystemDefaults = {
  capacity: 1024,
  maxDeliveries: 3,
  handlerTimeoutMs: 30_000,
  initTimeoutMs: 30_000,
  dedupWindow: 10_000,
  stopTimeoutMs: 5_000,
  idleTimeoutMs: 300_000,
  askTimeoutMs: 5_000,
  blockTimeoutMs: 5_000,
};

/** A spawn's actor options with the system's defaults filled in. */
export function resolveOptions(options: SpawnOptions, d: SystemDefaults): ResolvedOptions {
  return {
    capacity: options.capacity ?? d.capacity,
    maxDeliveries: options.maxDeliveries ?? d.maxDeliveries,
    handlerTimeoutMs: options.handlerTimeoutMs ?? d.handlerTimeoutMs,
    initTimeoutMs: options.initTimeoutMs ?? d.initTimeoutMs,
    dedupWindow: options.dedupWindow ?? d.dedupWindow,
    stopTimeoutMs: d.stopTimeoutMs,
    // The system's idle timeout is for actors the mesh activates on demand (it passes it); a plain spawn has no one to wake it.
    idleTimeoutMs: options.idleTimeoutMs ?? 0,
  };
}

/** A failure that reached the top of a supervision tree. */
export interface Escalation {
  readonly address: string;
  readonly tenant: string;
  readonly error: WireError;
}

/** Synchronous lifecycle watcher: sees every transition on this node, in order. */
export type LifecycleWatcher = (event: LifecycleEvent) => void;

/** Options of `startSystem` (and `LocalActorSystem.start`). */
export interface SystemOptions {
  /** The lifecycle every actor runs (supervisors/ provides the XState machine). */
  readonly lifecycle: LifecycleFactory;
  /** This node's id; random when absent. */
  readonly node?: string;
  /** The mesh; a private in-memory mesh when absent. */
  readonly transport?: Transport;
  /** Where actors persist what must outlive the process (run logs, threads, stores); in memory when absent. */
  readonly storage?: Storage;
  readonly clock?: Clock;
  readonly defaults?: Partial<SystemDefaults>;
  /** Called when a failure has no supervisor left to handle it (the actor is terminated). */
  readonly onEscalation?: (escalation: Escalation) => void;
  /**
   * Called once when the node cannot recover (its root supervisor died, or gave up on a subtree):
   * the process should exit non-zero so that its manager restarts it. Default: a warning.
   */
  readonly onFatal?: (reason: string) => void;
  /** Where warnings go (default: the log's `warn` when a log is given, else process warnings). */
  readonly warn?: (message: string) => void;
  /** The structured log (default: silent). */
  readonly log?: Logger;
}
