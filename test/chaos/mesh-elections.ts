/**
 * The NATS side of a server kill in the mesh chaos run: which of the mesh's streams and durable consumers the killed
 * server led, and when each named a new leader (polled through a connection of its own to the surviving servers, so
 * the harness's own reconnect is not in the figure). What the mesh took after the last of those elections is Troupe's
 * part of a recovery; nats-server 2.9 takes 4-9 s for the elections themselves (raft timeouts, not configurable).
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

/** How often the leaders are polled after the kill (ms). */
const POLL_MS = 100;
/** Bound on one info request: a stream or consumer without a leader does not answer at all. */
const INFO_TIMEOUT_MS = 400;
/** Longest the watch polls. */
const WATCH_MS = 30_000;

interface Led {
  readonly kind: 'stream' | 'consumer';
  readonly stream: string;
  readonly name: string;
  /** Ms after the kill when a leader other than the victim answered. */
  elected?: number;
}

/** Whether stream `name` is one of the mesh named `prefix` (its own streams upper-case, its KV buckets' as given). */
export function isMeshStream(name: string, prefix: string): boolean {
  return name.includes(prefix.toUpperCase()) || name.includes(`_${prefix}_`);
}

/** The elections after one server kill (start it before the kill: it lists what the victim leads). */
export class ElectionWatch {
  private stopped = false;
  private polling: Promise<void> | undefined;
  private at = 0;

  private constructor(
    private readonly nc: NatsConnection,
    readonly victim: string,
    private readonly led: Led[],
  ) {}

  /** Lists the mesh's streams and consumers `victim` leads now, on a connection to the other servers. */
  static async before(others: readonly string[], prefix: string, victim: string): Promise<ElectionWatch> {
    const nc = await connect({ servers: [...others], name: 'chaos-elections', noAsyncTraces: true });
    const led: Led[] = [];
    try {
      const jsm = await jetstreamManager(nc, { timeout: 10_000 });
      for await (const s of jsm.streams.list()) {
        const name = s.config.name;
        if (!isMeshStream(name, prefix)) continue;
        if (s.cluster?.leader === victim) led.push({ kind: 'stream', stream: name, name });
        for await (const c of jsm.consumers.list(name))
          if (c.config.durable_name !== undefined && c.cluster?.leader === victim)
            led.push({ kind: 'consumer', stream: name, name: c.name });
      }
    } catch (e) {
      await nc.close();
      throw e;
    }
    return new ElectionWatch(nc, victim, led);
  }

  /** Starts polling; `at` is the kill (ms since the epoch). */
  start(at: number): void {
    this.at = at;
    this.polling = this.poll();
  }

  private async poll(): Promise<void> {
    while (!this.stopped && Date.now() - this.at < WATCH_MS) {
      const open = this.led.filter((l) => l.elected === undefined);
      if (open.length === 0) return;
      await Promise.all(
        open.map(async (l) => {
          const subject = l.kind === 'stream' ? `$JS.API.STREAM.INFO.${l.stream}` : `$JS.API.CONSUMER.INFO.${l.stream}.${l.name}`;
          const info = await this.nc
            .request(subject, undefined, { timeout: INFO_TIMEOUT_MS })
            .then((m) => m.json<{ error?: unknown; cluster?: { leader?: string } }>())
            .catch(() => undefined);
          const leader = info?.error === undefined ? info?.cluster?.leader : undefined;
          if (leader !== undefined && leader !== '' && leader !== this.victim) l.elected = Date.now() - this.at;
        }),
      );
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Stops polling and closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.polling;
    await this.nc.close().catch(() => undefined);
  }

  /** When the consumer `durable` of `stream` had a new leader (ms after the kill), if the victim led it. */
  consumerElected(stream: string, durable: string): number | undefined {
    return this.led.find((l) => l.kind === 'consumer' && l.stream === stream && l.name === durable)?.elected;
  }

  /** When `stream` had a new leader (ms after the kill), if the victim led it. */
  streamElected(stream: string): number | undefined {
    return this.led.find((l) => l.kind === 'stream' && l.stream === stream)?.elected;
  }

  /** The last election seen (ms after the kill), undefined when one never ended within the watch. */
  last(): number | undefined {
    if (this.led.some((l) => l.elected === undefined)) return undefined;
    return Math.max(0, ...this.led.map((l) => l.elected as number));
  }

  /** One line: how many streams and consumers the victim led, and when their elections ended. */
  summary(): string {
    const of = (kind: Led['kind']): string => {
      const ls = this.led.filter((l) => l.kind === kind);
      const done = ls.filter((l) => l.elected !== undefined).sort((a, b) => (a.elected as number) - (b.elected as number));
      const open = ls.length - done.length;
      if (ls.length === 0) return `no ${kind}s`;
      const first = done[0];
      const lastOne = done[done.length - 1];
      const name = (l: Led): string => (kind === 'stream' ? l.name : `${l.stream}/${l.name}`);
      return (
        `${ls.length} ${kind}s` +
        (first === undefined || lastOne === undefined
          ? ''
          : ` elected +${((first.elected as number) / 1_000).toFixed(1)}..+${((lastOne.elected as number) / 1_000).toFixed(1)} s` +
            ` (last ${name(lastOne)})`) +
        (open > 0 ? `, ${open} not within ${WATCH_MS / 1_000} s` : '')
      );
    };
    return `elections after the kill of ${this.victim}: ${of('stream')}; ${of('consumer')}`;
  }
}
