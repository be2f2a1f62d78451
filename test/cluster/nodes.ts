/** Separate `troupe node` processes for cluster tests, and a client of the same mesh. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import { JetStreamTransport } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** How long a node process may take to join the mesh. */
const JOIN_MS = 60_000;

/** One `troupe node` child process. */
export class NodeProcess {
  private out = '';
  private readonly listeners = new Set<(chunk: string) => void>();
  readonly exited: Promise<number | null>;

  private constructor(
    readonly id: string,
    private readonly proc: ChildProcess,
  ) {
    const collect = (b: Buffer): void => {
      const chunk = b.toString();
      this.out = (this.out + chunk).slice(-50_000);
      for (const l of this.listeners) l(chunk);
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);
    this.exited = new Promise((r) => proc.once('exit', (code) => r(code)));
  }

  /**
   * Starts `troupe node` hosting the fixture kinds; resolves once it joined the mesh. `wrap`: a command it
   * runs under (e.g. `ip netns exec <ns>`, test/partition/); `--module` in `extra` replaces the fixture kinds.
   */
  static async start(
    id: string,
    servers: string[],
    prefix: string,
    extra: string[] = [],
    env: Record<string, string> = {},
    wrap: readonly string[] = [],
  ): Promise<NodeProcess> {
    const args = [
      '--import',
      'tsx',
      'cli/main.ts',
      'node',
      '--nats',
      servers.join(','),
      '--prefix',
      prefix,
      '--node-id',
      id,
      ...(extra.includes('--module') ? [] : ['--module', 'test/cluster/fixture-kinds.ts']),
      ...extra,
    ];
    const [cmd, ...rest] = [...wrap, process.execPath, ...args] as [string, ...string[]];
    const proc = spawn(cmd, rest, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const node = new NodeProcess(id, proc);
    // A node process compiles its modules at start (tsx): on 2 cores shared with other test files that took 13-35 s.
    const end = Date.now() + JOIN_MS;
    while (!node.out.includes('joined mesh')) {
      if (proc.exitCode !== null) throw new Error(`node ${id} exited during start:\n${node.out}`);
      if (Date.now() > end) throw new Error(`node ${id} did not join within ${JOIN_MS / 1_000} s:\n${node.out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return node;
  }

  /** Calls `fn` with every chunk of output from now on (stdout and stderr as they arrive). */
  onOutput(fn: (chunk: string) => void): void {
    this.listeners.add(fn);
  }

  get output(): string {
    return this.out;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Sends a signal; resolves with the exit code once the process ended. */
  async signal(sig: NodeJS.Signals): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(sig);
    return this.exited;
  }
}

/** A client of the mesh (not a node: it hosts nothing and announces nothing). */
export async function meshClient(
  servers: string[],
  prefix: string,
  extra: { replicas?: number } = {},
): Promise<{ system: ActorSystem & { transport: JetStreamTransport }; placement: MeshNode }> {
  const transport = new JetStreamTransport({ servers, prefix, announce: false, ...extra });
  const system = await createSystem({ node: `client${process.pid}x${Math.random().toString(16).slice(2, 6)}`, transport });
  return { system: system as ActorSystem & { transport: JetStreamTransport }, placement: new MeshNode(system) };
}
