/** Separate `troupe node` processes for cluster tests, and a client of the same mesh. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { transformSync } from 'esbuild';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import { JetStreamTransport } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';
import { builtCurrent } from '../gateway/cli-fixture.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** How long a node process may take to join the mesh. */
const JOIN_MS = 60_000;

/** The fixture kinds a node hosts unless `--module` names others. */
const FIXTURE_KINDS = 'test/cluster/fixture-kinds.ts';

const compiled = new Map<string, string | undefined>();

/** Node processes still running: killed when the test process exits (a failed `Promise.all` of starts loses the rest). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

/**
 * `module` (a test module under test/, relative to the root) as JavaScript in dist/test/ (ignored by git, left out of
 * the package), with the test modules it imports: its imports of the sources then load dist/'s build, the one the CLI
 * runs. Undefined when it imports a file that is neither under test/ nor built. Type-only imports are erased.
 */
function compiledModule(module: string): string | undefined {
  if (compiled.has(module)) return compiled.get(module);
  compiled.set(module, undefined); // an import cycle ends here
  const { code } = transformSync(readFileSync(join(ROOT, module), 'utf8'), { loader: 'ts', format: 'esm', target: 'node20' });
  // Every specifier: `from '…'`, `import '…'`, `import('…')` (a false match only makes the check stricter).
  for (const [, spec] of code.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
    if (!spec!.startsWith('.')) continue; // a package or node:
    const dep = relative(ROOT, resolve(ROOT, dirname(module), spec!.replace(/\.js$/, '.ts')));
    const usable = dep.startsWith('test/')
      ? compiledModule(dep) !== undefined
      : existsSync(join(ROOT, 'dist', dep.replace(/\.ts$/, '.js')));
    if (!usable) return undefined;
  }
  const out = join(ROOT, 'dist', module.replace(/\.ts$/, '.js'));
  mkdirSync(dirname(out), { recursive: true });
  // Written beside and renamed: a node another test file starts at the same time reads a whole file.
  const part = `${out}.${process.pid}.tmp`;
  writeFileSync(part, code);
  renameSync(part, out);
  compiled.set(module, out);
  return out;
}

/**
 * The node arguments that run `troupe <args>` hosting `module`: the compiled CLI (dist/) with the module compiled to
 * JavaScript when dist/ is current and the module allows it (a node start took 7.5 s of CPU under tsx, 5 s compiled),
 * else cli/main.ts and the module through tsx.
 */
function nodeArgv(args: readonly string[], module: string | undefined, source: boolean): string[] {
  const js = source || !builtCurrent() ? undefined : module === undefined ? null : compiledModule(module);
  if (js === undefined) return ['--import', 'tsx', 'cli/main.ts', ...args, ...(module === undefined ? [] : ['--module', module])];
  return [join(ROOT, 'dist', 'cli', 'main.js'), ...args, ...(js === null ? [] : ['--module', js])];
}

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
   * The node runs compiled (dist/, test/cluster/nodes.ts `nodeArgv`) when it can; `source`: always through tsx from the
   * sources (a test of what the sources load).
   */
  static async start(
    id: string,
    servers: string[],
    prefix: string,
    extra: string[] = [],
    env: Record<string, string> = {},
    wrap: readonly string[] = [],
    options: { source?: boolean } = {},
  ): Promise<NodeProcess> {
    const at = extra.indexOf('--module');
    const module = at === -1 ? FIXTURE_KINDS : extra[at + 1];
    const rest = at === -1 ? extra : [...extra.slice(0, at), ...extra.slice(at + 2)];
    const args = nodeArgv(
      ['node', '--nats', servers.join(','), '--prefix', prefix, '--node-id', id, ...rest],
      module,
      options.source === true,
    );
    const [cmd, ...argv] = [...wrap, process.execPath, ...args] as [string, ...string[]];
    const proc = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const node = new NodeProcess(id, proc);
    running.add(proc);
    void node.exited.then(() => running.delete(proc));
    // A node process loads its modules at start: under tsx, on 2 cores shared with other test files, that took 13-35 s.
    const end = Date.now() + JOIN_MS;
    while (!node.out.includes('joined mesh')) {
      if (proc.exitCode !== null) throw new Error(`node ${id} exited during start:\n${node.out}`);
      if (Date.now() > end) {
        // Not left running: the caller never gets it to stop (one left from a failed start kept heartbeating for good).
        await node.signal('SIGKILL');
        throw new Error(`node ${id} did not join within ${JOIN_MS / 1_000} s:\n${node.out}`);
      }
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

/**
 * Starts nodes side by side on one server (making the mesh's streams and buckets is idempotent; each start is seconds of
 * module loading, one after another they left a core idle). Every node that started is added to `into`, for the
 * caller to stop, also when another failed; the first failure is thrown then.
 */
export async function startNodes(into: NodeProcess[], starts: readonly (() => Promise<NodeProcess>)[]): Promise<void> {
  const results = await Promise.allSettled(starts.map((start) => start()));
  for (const r of results) if (r.status === 'fulfilled') into.push(r.value);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
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
