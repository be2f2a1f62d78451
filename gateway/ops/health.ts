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
    this.nc = deps.system.transport.kind === 'jetstream' ? (deps.system.transport as unknown as { connection?: NatsLike }).connection : undefined;
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

  /** The current report. */
  report(): HealthReport {
    const nats = this.nc === undefined ? 'none' : this.natsUp && !this.nc.isClosed() ? 'connected' : 'disconnected';
    const ok = this.deps.ready() && nats !== 'disconnected';
    return { status: ok ? 'ok' : 'unavailable', node: this.deps.system.node, nats, actors: this.deps.system.actors().length };
  }
}
