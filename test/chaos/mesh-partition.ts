/**
 * Partitions for the mesh chaos run: "cut node X from NATS" and "heal it", behind one small interface so a
 * network-namespace harness (test/partition/) can replace the implementation here.
 *
 * {@link ProxyPartitioner} needs no privileges: each node reaches each NATS server through its own TCP proxy in
 * the test process, so a cut acts on that node's client links only — never on the routes between the servers.
 * - `blackhole` (default): the proxy stops moving bytes both ways and holds new connections unanswered, like
 *   a dropped link; TCP stays up, so the node notices only by its own timeouts (pings, request deadlines).
 * - `reset`: every link is destroyed and new connections are refused until the heal (a crisp disconnect).
 *
 * {@link NetnsPartitioner} (root only) cuts for real: each node runs in a network namespace of its own
 * (test/partition/netns.ts), the NATS servers listen on the lab bridge, and a cut sets the node's veth down.
 * `CHAOS_PARTITIONER=netns|reset|blackhole` picks one ({@link partitionerFromEnv}).
 */
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { freePort } from '../nats/server.js';
import { NetnsLab } from '../partition/netns.js';

/** Cuts a node's links to NATS and heals them. */
export interface Partitioner {
  readonly name: string;
  /** The NATS URLs node `id` must be started with (one per server port in `serverPorts`). */
  urlsFor(id: string, serverPorts: readonly number[]): Promise<string[]>;
  /** Cuts node `id` from every NATS server. */
  cut(id: string): Promise<void>;
  /** Restores node `id`'s links. */
  heal(id: string): Promise<void>;
  /** Stops every proxy and drops every link. */
  close(): Promise<void>;
  /** The address NATS servers must listen on for the nodes to reach them (default 127.0.0.1). */
  readonly serverHost?: string;
  /** The command node `id` must run under (e.g. `ip netns exec <ns>`); none when absent. */
  wrap?(id: string): readonly string[];
}

/** A node per network namespace on one bridge; the servers listen on the bridge (see the file comment). */
export class NetnsPartitioner implements Partitioner {
  readonly name = 'network namespaces (a node per namespace; a cut sets its veth to the bridge down)';
  private readonly lab = NetnsLab.create();

  get serverHost(): string {
    return this.lab.gateway;
  }

  async urlsFor(id: string, serverPorts: readonly number[]): Promise<string[]> {
    if (!this.lab.has(id)) this.lab.add(id);
    return serverPorts.map((p) => `nats://${this.lab.gateway}:${p}`);
  }

  wrap(id: string): readonly string[] {
    return this.lab.member(id).wrap;
  }

  async cut(id: string): Promise<void> {
    this.lab.cut(id);
  }

  async heal(id: string): Promise<void> {
    this.lab.heal(id);
  }

  async close(): Promise<void> {
    this.lab.teardownNow();
  }
}

/** The partitioner `CHAOS_PARTITIONER` names: `netns`, `reset`, or (default) `blackhole` proxies. */
export function partitionerFromEnv(env: NodeJS.ProcessEnv = process.env): Partitioner {
  const kind = env['CHAOS_PARTITIONER'] ?? 'blackhole';
  if (kind === 'netns') return new NetnsPartitioner();
  if (kind === 'reset' || kind === 'blackhole') return new ProxyPartitioner(kind);
  throw new Error(`CHAOS_PARTITIONER=${kind}: expected netns, reset or blackhole`);
}

interface Link {
  readonly client: Socket;
  readonly target: number;
  upstream: Socket | undefined;
}

interface NodeLinks {
  cut: boolean;
  readonly servers: Server[];
  readonly links: Set<Link>;
  /** Connections accepted during a blackhole cut, connected upstream on heal. */
  readonly held: Set<Link>;
}

/** TCP proxies between each node and each NATS server (see the file comment). */
export class ProxyPartitioner implements Partitioner {
  readonly name: string;
  private readonly nodes = new Map<string, NodeLinks>();

  constructor(private readonly mode: 'blackhole' | 'reset' = 'blackhole') {
    this.name = `tcp proxy per node and server (${mode})`;
  }

  async urlsFor(id: string, serverPorts: readonly number[]): Promise<string[]> {
    let n = this.nodes.get(id);
    if (n === undefined) {
      n = { cut: false, servers: [], links: new Set(), held: new Set() };
      this.nodes.set(id, n);
      for (const port of serverPorts) n.servers.push(await this.listen(n, port));
    }
    return n.servers.map((s) => {
      const a = s.address();
      return `nats://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
    });
  }

  private async listen(n: NodeLinks, target: number): Promise<Server> {
    const port = await freePort();
    const server = createServer((client) => {
      client.on('error', () => undefined);
      const link: Link = { client, target, upstream: undefined };
      if (n.cut) {
        if (this.mode === 'reset') return void client.destroy();
        client.pause();
        n.held.add(link);
        client.once('close', () => n.held.delete(link));
        return;
      }
      this.pipe(n, link);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return server;
  }

  private pipe(n: NodeLinks, link: Link): void {
    const up = tcpConnect(link.target, '127.0.0.1');
    link.upstream = up;
    n.links.add(link);
    up.on('error', () => undefined);
    const end = (): void => {
      n.links.delete(link);
      link.client.destroy();
      up.destroy();
    };
    up.once('close', end);
    link.client.once('close', end);
    link.client.pipe(up);
    up.pipe(link.client);
  }

  async cut(id: string): Promise<void> {
    const n = this.nodes.get(id);
    if (n === undefined || n.cut) return;
    n.cut = true;
    for (const l of n.links) {
      if (this.mode === 'reset') {
        l.client.destroy();
        l.upstream?.destroy();
      } else if (l.upstream !== undefined) {
        // Unpipe first: a pending 'drain' would otherwise resume a merely paused source.
        l.client.unpipe(l.upstream);
        l.upstream.unpipe(l.client);
        l.client.pause();
        l.upstream.pause();
      }
    }
  }

  async heal(id: string): Promise<void> {
    const n = this.nodes.get(id);
    if (n === undefined || !n.cut) return;
    n.cut = false;
    for (const l of n.links) {
      if (l.upstream === undefined) continue;
      l.client.pipe(l.upstream);
      l.upstream.pipe(l.client);
    }
    for (const l of n.held) {
      n.held.delete(l);
      if (l.client.destroyed) continue;
      this.pipe(n, l);
    }
  }

  async close(): Promise<void> {
    for (const n of this.nodes.values()) {
      for (const l of [...n.links, ...n.held]) {
        l.client.destroy();
        l.upstream?.destroy();
      }
      await Promise.all(n.servers.map((s) => new Promise((r) => s.close(r))));
    }
    this.nodes.clear();
  }
}
