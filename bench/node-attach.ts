/**
 * Attach (issue 19): a `troupe node` process from spawn to joined mesh and to the first message an
 * actor on it handled, as production runs it (the compiled `dist/cli/main.js`, built here when the
 * sources are newer) and under tsx (`npm start`), each beside a bare node + nats.js process that
 * connects and answers core requests (plain node for the compiled path, `--import tsx` for tsx).
 * The node hosts only the cluster fixtures' `counter` kind (`--kinds counter`), so it loads what
 * such a worker needs (ADR 0037); its module is compiled to JavaScript for the compiled path.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { transform } from 'esbuild';
import { meshClient } from '../test/cluster/nodes.js';
import type { KvMembership } from '../runtime/jetstream/index.js';
import type { BenchOptions, Figure, Goal } from './harness.js';

/** The attach goal: spawn → first handled message of the compiled node, in ms. */
export const ATTACH_GOAL_MS = 1_000;

const ROOT = resolve(import.meta.dirname, '..');
/** What `npm run build` compiles (tsconfig.build.json `include`). */
const BUILT = ['protocols', 'runtime', 'supervisors', 'actors', 'gateway', 'config', 'cli', 'index.ts'];
const ENTRY = join(ROOT, 'dist/cli/main.js');

/** How a node is started: the command line before `node --nats …`. */
interface Launch {
  readonly name: string;
  readonly argv: readonly string[];
  /** The bare baseline's node flags (tsx or none). */
  readonly bareFlags: readonly string[];
}

function newestSource(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return path.endsWith('.ts') && !path.endsWith('.test.ts') ? s.mtimeMs : 0;
  if (path.endsWith(join('console', 'app'))) return 0;
  return Math.max(0, ...readdirSync(path).map((n) => newestSource(join(path, n))));
}

/** Runs `npm run build` (tsc) when dist/ is missing or older than a source file; says which. */
function ensureBuilt(log: (line: string) => void): void {
  const built = (() => {
    try {
      return statSync(ENTRY).mtimeMs;
    } catch {
      return 0;
    }
  })();
  if (built >= Math.max(...BUILT.map((p) => newestSource(join(ROOT, p))))) return;
  log('jetstream: dist/ is older than the sources: npm run build (tsc -p tsconfig.build.json)');
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status})`);
}

/** The fixture kinds as JavaScript for the compiled node (they import nothing of ours at run time). */
async function compiledFixture(dir: string): Promise<string> {
  const source = readFileSync(join(ROOT, 'test/cluster/fixture-kinds.ts'), 'utf8');
  const { code } = await transform(source, { loader: 'ts', format: 'esm', target: 'es2022' });
  const file = join(dir, 'fixture-kinds.mjs');
  writeFileSync(file, code);
  return file;
}

async function firstSuccess(t0: number, attempt: () => Promise<boolean>, limitMs = 60_000): Promise<number> {
  while (performance.now() - t0 < limitMs) {
    if (await attempt().catch(() => false)) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no success within ${limitMs} ms`);
}

/**
 * Spawns a node; ms from spawn to its "joined mesh" line (seen as the output arrives) and to the first reply of a
 * counter activated on it (a mesh client polls every 10 ms: membership, `placement.activate`, `counter.get`).
 */
async function attachRun(servers: string[], launch: Launch, no: number): Promise<{ joinedMs: number; firstMs: number }> {
  const prefix = `benchat${process.pid}x${no}`;
  const id = `at${no}`;
  const client = await meshClient(servers, prefix);
  const c = client.system.transport.cluster!;
  const t0 = performance.now();
  const proc = spawn(
    process.execPath,
    [...launch.argv, '--nats', servers.join(','), '--prefix', prefix, '--node-id', id, '--kinds', 'counter'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let joinedMs = Number.NaN;
  proc.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    if (Number.isNaN(joinedMs) && out.includes('joined mesh')) joinedMs = performance.now() - t0;
  });
  proc.stderr.on('data', (b: Buffer) => (out += b.toString()));
  try {
    const firstMs = await firstSuccess(t0, async () => {
      if (proc.exitCode !== null) throw new Error(`node ${id} exited:\n${out}`);
      if (!c.membership.live().some((n) => n.id === id && n.kinds.includes('counter'))) return false;
      const ref = await client.placement.activate(`counter/a${no}`);
      return (await ref.ask<{ node: string }>('counter.get', undefined, { timeoutMs: 1_000 })).node === id;
    });
    return { joinedMs, firstMs };
  } finally {
    proc.kill('SIGKILL');
    await client.system.shutdown().catch(() => undefined);
    (c.membership as KvMembership | undefined)?.stop();
  }
}

const BARE = `import { connect } from '@nats-io/transport-node';
const nc = await connect({ servers: process.argv[1] });
nc.subscribe(process.argv[2], { callback: (_e, m) => m.respond(m.data) });`;

/** Baseline: a bare node process (with `flags`) that connects with nats.js and answers core requests. */
async function bareRun(servers: string[], flags: readonly string[], no: number): Promise<number> {
  const nc = await connect({ servers });
  const subject = `bareattach${process.pid}.${no}`;
  const t0 = performance.now();
  const proc = spawn(process.execPath, [...flags, '--input-type=module', '-e', BARE, servers.join(','), subject], {
    cwd: ROOT,
    stdio: 'ignore',
  });
  try {
    return await firstSuccess(t0, async () => (await nc.request(subject, new Uint8Array([1]), { timeout: 200 }), true));
  } finally {
    proc.kill('SIGKILL');
    await nc.drain();
  }
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const list = (xs: readonly number[]): string => xs.map((x) => Math.round(x).toLocaleString('en-US')).join(' / ');
const latency = (name: string, value: number, base: [string, number]): Figure => ({
  name,
  value,
  unit: 'ms',
  higherIsBetter: false,
  baselines: [{ name: base[0], value: base[1], unit: 'ms' }],
});

/** The attach figures: compiled and tsx nodes, each run interleaved with its bare baseline; median of `runs`. */
export async function attachFigures(
  options: BenchOptions,
  servers: string[],
  runs: number,
): Promise<{ figures: Figure[]; goals: Goal[]; notes: string[] }> {
  ensureBuilt(options.log);
  const dir = mkdtempSync(join(tmpdir(), 'troupe-attach-'));
  try {
    const fixture = await compiledFixture(dir);
    const launches: Launch[] = [
      { name: 'compiled', argv: [ENTRY, 'node', '--module', fixture], bareFlags: [] },
      {
        name: 'tsx',
        argv: ['--import', 'tsx', 'cli/main.ts', 'node', '--module', 'test/cluster/fixture-kinds.ts'],
        bareFlags: ['--import', 'tsx'],
      },
    ];
    options.log(`jetstream: troupe node spawn -> first reply, compiled and tsx, each beside bare node+nats.js (${runs} runs)`);
    const node = new Map(launches.map((l) => [l.name, [] as { joinedMs: number; firstMs: number }[]]));
    const bare = new Map(launches.map((l) => [l.name, [] as number[]]));
    for (let i = 0; i < runs; i++) {
      for (const [k, l] of launches.entries()) {
        node.get(l.name)!.push(await attachRun(servers, l, i * launches.length + k));
        bare.get(l.name)!.push(await bareRun(servers, l.bareFlags, i * launches.length + k));
      }
    }
    const figures: Figure[] = [];
    const notes: string[] = [];
    for (const l of launches) {
      const st = node.get(l.name)!;
      const b = bare.get(l.name)!;
      const base: [string, number] = [`bare node${l.bareFlags.length > 0 ? ' (tsx)' : ''} + nats.js first reply`, median(b)];
      figures.push(
        latency(`node spawn -> first reply (${l.name})`, median(st.map((s) => s.firstMs)), base),
        latency(`node spawn -> joined mesh (${l.name})`, median(st.map((s) => s.joinedMs)), base),
      );
      notes.push(
        `attach runs, ${l.name} (ms): first reply ${list(st.map((s) => s.firstMs))}; joined ${list(st.map((s) => s.joinedMs))}; ` +
          `bare ${list(b)}`,
      );
    }
    const compiled = median(node.get('compiled')!.map((s) => s.firstMs));
    const goals: Goal[] = [
      {
        name: `attach: compiled node spawn -> first handled message <= ${ATTACH_GOAL_MS} ms`,
        met: compiled <= ATTACH_GOAL_MS,
        detail: `median ${Math.round(compiled)} ms (bare node + nats.js ${Math.round(median(bare.get('compiled')!))} ms)`,
      },
    ];
    return { figures, goals, notes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
