/**
 * `/healthz`: `{status, node, nats, actors}` — 200 when the node can serve, 503 while it is not
 * ready or its NATS connection is down (docs/gateway-operations.md, “GET /healthz”). NATS state comes from the connection's
 * status events on a JetStream transport; the embedded default reports `nats: "none"`.
 */
import type { GatewayDeps } from '../types.js';

/** What `/healthz` answers. */
export interface HealthReport {
  readonly status: 'ok' | 'unavailable';
  readonly node: string;
  readonly nats: 'none' | 'connected' | 'disconnected';
  readonly actors: number;
  /** Why the node is not ready (absent when it is). */
  readonly reason?: string;
  /** Active alarms (subtrees restarting after repeated failures, a node that gave up); absent when none. */
  readonly alarms?: readonly { key: string; message: string; since: string }[];
}

interface NatsLike {
  isClosed(): boolean;
  status(): AsyncIterable<{ type: string }>;
}

/** Follows the node's readiness and NATS connection. */
export class HealthMonitor {
  private natsUp = true;
  private readonly nc: NatsLike | undefined;

  constructor(private readonly deps: GatewayDeps) {
    this.nc =
      deps.system.transport.kind === 'jetstream' ? (deps.system.transport as unknown as { connection?: NatsLike }).connection : undefined;
    if (this.nc !== undefined) void this.watch(this.nc);
  }

  private async watch(nc: NatsLike): Promise<void> {
    try {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect' || s.type === 'close') this.natsUp = false;
        else if (s.type === 'reconnect') this.natsUp = true;
      }
    } catch {
      this.natsUp = false;
    }
  }

  /** The current report: the actor system's real state, the node's readiness and its NATS connection. */
  report(): HealthReport {
    const system = this.deps.system;
    const nats: HealthReport['nats'] = this.nc === undefined ? 'none' : this.natsUp && !this.nc.isClosed() ? 'connected' : 'disconnected';
    const health = system.health();
    const reason = !health.ready
      ? health.reason
      : !this.deps.ready()
        ? 'not serving (starting or draining)'
        : nats === 'disconnected'
          ? 'NATS disconnected'
          : undefined;
    const alarms = health.alarms.map((a) => ({ key: a.key, message: a.message, since: new Date(a.since).toISOString() }));
    const base = {
      status: reason === undefined ? ('ok' as const) : ('unavailable' as const),
      node: system.node,
      nats,
      actors: system.actors().length,
    };
    if (reason === undefined && alarms.length === 0) return base;
    return { ...base, ...(reason === undefined ? {} : { reason }), alarms };
  }
}
