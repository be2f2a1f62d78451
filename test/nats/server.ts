/**
 * Real nats-server processes for tests: random ports, throw-away store dirs, wait until the
 * server answers (racing its death), clusters of three with routes, kill by PID, and cleanup
 * that cannot be forgotten (every server is stopped on process exit as well).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Path of the nats-server binary (PATH, then Debian's location). */
export function natsServerBinary(): string {
  for (const p of [process.env['NATS_SERVER_BIN'], '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) {
    if (p !== undefined && existsSync(p)) return p;
  }
  return 'nats-server';
}

/**
 * A free TCP port on 127.0.0.1, below the kernel's ephemeral range (32768-60999 on Linux): a port the OS picks from that
 * range can be taken by any outgoing connection between this check and the server's bind (a nats-server then exits
 * with "address already in use"); ports below it are only ever taken by listeners, and this one was free a moment ago.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.unref();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const live = new Set<NatsServer>();
process.once('exit', () => {
  for (const s of live) s.killNow();
});

/** One running nats-server. */
export class NatsServer {
  private proc: ChildProcess | undefined;
  private log = '';

  private constructor(
    readonly name: string,
    /** Address the client port listens on (127.0.0.1 unless started in a network namespace, test/partition/). */
    readonly host: string,
    readonly port: number,
    readonly clusterPort: number | undefined,
    readonly storeDir: string,
    private readonly args: string[],
    /** Command the server runs under (e.g. `ip netns exec <ns>`), empty for none. */
    private readonly wrap: readonly string[] = [],
  ) {}

  /** nats:// URL of the client port. */
  get url(): string {
    return `nats://${this.host}:${this.port}`;
  }

  /** The OS process id (for SIGKILL tests). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /**
   * Starts a server with JetStream; `routes` makes it part of a cluster (ports on 127.0.0.1, or `host:port`).
   * `host` and `wrap` place it elsewhere, e.g. in a network namespace: listen there, run under `wrap`.
   */
  static async start(
    options: {
      name?: string;
      cluster?: { name: string; port: number; routes: (number | string)[] };
      port?: number;
      storeDir?: string;
      host?: string;
      wrap?: readonly string[];
    } = {},
  ): Promise<NatsServer> {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? (await freePort());
    const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'troupe-nats-'));
    const name = options.name ?? `n${port}`;
    const conf = join(storeDir, 'server.conf');
    const lines = [
      `server_name: ${name}`,
      `listen: ${host}:${port}`,
      `jetstream { store_dir: "${storeDir}/js", max_memory_store: 256MB, max_file_store: 2GB }`,
    ];
    if (options.cluster) {
      const routes = options.cluster.routes.map((p) => `nats-route://${typeof p === 'number' ? `127.0.0.1:${p}` : p}`).join(', ');
      lines.push(`cluster { name: ${options.cluster.name}, listen: ${host}:${options.cluster.port}, routes: [${routes}] }`);
    }
    writeFileSync(conf, lines.join('\n') + '\n');
    const server = new NatsServer(name, host, port, options.cluster?.port, storeDir, ['-c', conf], options.wrap);
    await server.launch();
    return server;
  }

  /** (Re)starts the process with the same port and store. */
  async launch(): Promise<void> {
    const [cmd, ...args] = [...this.wrap, natsServerBinary(), ...this.args] as [string, ...string[]];
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    live.add(this);
    const collect = (b: Buffer): void => {
      this.log = (this.log + b.toString()).slice(-20_000);
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);
    const died = new Promise<never>((_, reject) =>
      proc.once('exit', (code) => reject(new Error(`nats-server ${this.name} exited (${code}) during start:\n${this.log}`))),
    );
    died.catch(() => undefined);
    await Promise.race([died, this.waitListening(10_000)]);
  }

  private async waitListening(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const ok = await new Promise<boolean>((resolve) => {
        const sock = tcpConnect(this.port, this.host);
        sock.once('data', (d) => {
          sock.destroy();
          resolve(d.toString().startsWith('INFO'));
        });
        sock.once('error', () => resolve(false));
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`nats-server ${this.name} did not answer on ${this.port}:\n${this.log}`);
  }

  /** Recent server log output. */
  get output(): string {
    return this.log;
  }

  /** SIGKILL, no cleanup by the server. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.proc;
    if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
  }

  /** Synchronous kill used at process exit. */
  killNow(): void {
    try {
      this.proc?.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }

  /** Stops the server and deletes its store. */
  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    live.delete(this);
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

/** Starts a three-server cluster with routes between all members; `host`: the address they listen on (default 127.0.0.1). */
export async function startCluster(size = 3, host?: string): Promise<NatsServer[]> {
  const clusterPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const name = `troupe${Math.random().toString(16).slice(2, 8)}`;
  const route = (p: number): number | string => (host === undefined ? p : `${host}:${p}`);
  return Promise.all(
    clusterPorts.map((port, i) =>
      NatsServer.start({
        name: `${name}-${i}`,
        ...(host === undefined ? {} : { host }),
        cluster: { name, port, routes: clusterPorts.filter((_, j) => j !== i).map(route) },
      }),
    ),
  );
}

/**
 * A {@link startCluster} whose JetStream can place an R3 stream ({@link waitForJetStreamCluster}). A cluster that
 * cannot within `timeoutMs` ("no suitable peers for placement": a peer never joined the meta group; seen once in a
 * clean-clone run on a quiet machine) is stopped and started afresh once, its reason on stderr; a second failure throws.
 */
export async function startReadyCluster(size = 3, timeoutMs = 30_000): Promise<NatsServer[]> {
  for (let attempt = 1; ; attempt++) {
    const servers = await startCluster(size);
    try {
      await waitForJetStreamCluster(
        servers.map((s) => s.url),
        timeoutMs,
      );
      return servers;
    } catch (e) {
      await Promise.all(servers.map((s) => s.stop()));
      if (attempt >= 2) throw e;
      process.stderr.write(`startReadyCluster: ${(e as Error).message}; starting a fresh cluster\n`);
    }
  }
}

/** Resolves once a clustered JetStream can make (and delete) an R3 stream: its meta leader is elected. */
export async function waitForJetStreamCluster(urls: readonly string[], timeoutMs = 30_000): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: [...urls] });
  const until = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2_000 });
        await jsm.streams.add({ name: 'PROBE', subjects: ['probe.x'], num_replicas: 3 });
        await jsm.streams.delete('PROBE');
        return;
      } catch (e) {
        if (Date.now() > until) throw new Error(`JetStream cluster not ready within ${timeoutMs} ms: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await nc.close();
  }
}
