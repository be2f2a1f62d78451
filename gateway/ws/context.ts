/** What every WebSocket session shares: the mesh, credentials, limits, metrics and the run log. */
import type { RunReads, ThreadOwners } from '../../actors/index.js';
import type { Clock } from '../../runtime/index.js';
import type { Authenticator, ConnectionLimiter, RateLimiter } from '../auth/index.js';
import type { GatewayMetrics } from '../ops/index.js';
import type { GatewayDeps } from '../types.js';

/** WebSocket limits (config `gateway.limits`). */
export interface WsLimits {
  /** Largest inbound frame; larger ones close the connection with 1009. */
  readonly frameBytes: number;
  /** Bytes queued for a client before it is closed as a slow consumer (4008). */
  readonly sendBufferBytes: number;
  /** Frames queued for a client before it is closed as a slow consumer (4008). */
  readonly sendBufferFrames: number;
  /** Topic subscriptions plus streamed runs per connection. */
  readonly subscriptionsPerConnection: number;
  /** Time an unauthenticated connection has to send `hello`. */
  readonly helloTimeoutMs: number;
  /** WebSocket ping period; a peer silent for a whole period is dropped. */
  readonly heartbeatMs: number;
  /** How long the close handshake of a slow consumer may take before the socket is destroyed. */
  readonly closeTimeoutMs: number;
  /** Deadline of the asks to agents (run create, resume, cancel). */
  readonly askTimeoutMs: number;
}

/** Defaults of {@link WsLimits} (the config defaults). */
export const DEFAULT_WS_LIMITS: WsLimits = {
  frameBytes: 1024 * 1024,
  sendBufferBytes: 4 * 1024 * 1024,
  sendBufferFrames: 4096,
  subscriptionsPerConnection: 256,
  helloTimeoutMs: 10_000,
  heartbeatMs: 30_000,
  closeTimeoutMs: 5_000,
  askTimeoutMs: 10_000,
};

/** Shared by the sessions of one gateway. */
export interface WsContext {
  readonly deps: GatewayDeps;
  readonly auth: Authenticator;
  readonly rate: RateLimiter;
  readonly connections: ConnectionLimiter;
  readonly store: RunReads | undefined;
  /** Where a run's new thread is made, stamped with its creator, while auth is on (gateway/auth/ownership.ts). */
  readonly threads?: ThreadOwners;
  readonly metrics: GatewayMetrics;
  readonly limits: WsLimits;
  readonly warn: (message: string) => void;
  /** Time and timers (hello timeout, heartbeat, close handshakes, backfill retries). */
  readonly clock: Clock;
}
