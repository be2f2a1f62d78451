/** Options of the JetStream transport. */
import type { ConnectionOptions } from '@nats-io/transport-node';
import type { Codec } from '../../protocols/index.js';

/** Options of the JetStream transport (config `transport` supplies them). */
export interface JetStreamTransportOptions {
  readonly servers: string | string[];
  /** Names every stream, subject and bucket of the mesh (default `troupe`). */
  readonly prefix?: string;
  /** Stream and bucket replicas; default 1 on a single server, 3 when the server is clustered. */
  readonly replicas?: number;
  /** Messages an address's mailbox holds before senders are refused (`mailbox_full`). */
  readonly capacity?: number;
  /** Redelivery delay of an unacked message whose holder went silent. */
  readonly ackWaitMs?: number;
  /** Single-activation lease lifetime; renewed every third of it. */
  readonly leaseTtlMs?: number;
  /** Messages a pool member pulls at a time (small keeps pools balanced). */
  readonly poolBatch?: number;
  /** false: join as a client (send, ask, publish) without announcing a node. */
  readonly announce?: boolean;
  /** Membership heartbeat period (default 1 s). */
  readonly heartbeatMs?: number;
  /** A node silent this long is declared dead (default 3 s). */
  readonly deadAfterMs?: number;
  /** How long a publish keeps retrying (same msg id) through an outage or leader election. */
  readonly publishRetryMs?: number;
  /**
   * Bound on each JetStream request (publish, KV read or write, consumer change; default 2,000 ms). A request in flight
   * when its server dies is never answered: it is retried after this long, so keep it well under the lease TTL.
   */
  readonly requestTimeoutMs?: number;
  readonly topicMaxAgeMs?: number;
  readonly deadLetterMaxAgeMs?: number;
  readonly codec?: Codec;
  readonly connection?: Partial<ConnectionOptions>;
}
