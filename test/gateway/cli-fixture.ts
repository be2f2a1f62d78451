/** A `troupe` CLI child process serving the gateway, for the CLI gateway tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** The repository root (the CLI's working directory). */
export const ROOT = resolve(import.meta.dirname, '../..');

/** The modification time of `file` (ms), undefined when it does not exist. */
function mtime(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Whether dist/ holds the build of the sources as they are now: every TypeScript source that tsconfig.build.json
 * compiles has its .js in dist/ written after it, and after both tsconfigs. A clean clone has it (`npm ci` runs
 * `prepare`, the build); a source edited since, a build never run or one under way make it false.
 */
export function builtCurrent(): boolean {
  const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[]; exclude: string[] };
  const skipped = build.exclude.filter((e) => !e.includes('*')).map((e) => join(ROOT, e));
  const since = Math.max(...['tsconfig.json', 'tsconfig.build.json'].map((f) => mtime(join(ROOT, f)) ?? Infinity));
  const current = (source: string): boolean => {
    const out = mtime(join(ROOT, 'dist', relative(ROOT, source).replace(/\.ts$/, '.js')));
    return out !== undefined && out >= since && out >= (mtime(source) ?? Infinity);
  };
  const walk = (path: string): boolean => {
    if (skipped.includes(path)) return true;
    if (!statSync(path).isDirectory()) return !path.endsWith('.ts') || path.endsWith('.d.ts') || path.endsWith('.test.ts') || current(path);
    return readdirSync(path).every((name) => walk(join(path, name)));
  };
  return build.include.every((i) => walk(join(ROOT, i)));
}

/**
 * The node arguments that run `troupe`: the compiled CLI when {@link builtCurrent} (a heavy command, `threads` or
 * `run`, took 7.6 s of CPU through the tsx loader, 4.7 s compiled), else cli/main.ts through tsx. Only for commands
 * that load no TypeScript module of their own (`--module x.ts` needs tsx).
 */
export function troupeArgv(args: readonly string[]): string[] {
  return builtCurrent() ? [join(ROOT, 'dist', 'cli', 'main.js'), ...args] : ['--import', 'tsx', 'cli/main.ts', ...args];
}

/** The environment without provider keys or a config file, plus `extra`. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'TROUPE_CONFIG']) delete env[k];
  return env;
}

/** Runs `troupe args` to its exit (stdin closed) with {@link cleanEnv} plus `env`: its exit code and what it printed. */
export function runTroupe(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, troupeArgv(args), { cwd: ROOT, env: cleanEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end();
  return new Promise((ok) => child.once('close', (code) => ok({ code, stdout, stderr })));
}

/** A running CLI: its gateway URL, everything it printed so far, and its exit. */
export interface CliGateway {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  readonly exited: Promise<number | null>;
}

/**
 * Runs `troupe <args>` and resolves once it printed its gateway URL (rejects if it exits first): through
 * {@link troupeArgv} (the built CLI when current); `compiled: false`, always cli/main.ts through tsx.
 */
export async function startCliGateway(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { compiled?: boolean } = {},
): Promise<CliGateway> {
  const argv = options.compiled === false ? ['--import', 'tsx', 'cli/main.ts', ...args] : troupeArgv(args);
  const child = spawn(process.execPath, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = await new Promise<string>((ok, fail) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /troupe: gateway on (http:\/\/127\.0\.0\.1:\d+) /.exec(out);
      if (m !== null) ok(m[1] as string);
    });
    void exited.then(() => fail(new Error(`troupe ${args[0] ?? ''} exited:\n${out}`)));
  });
  return { child, url, output: () => out, exited };
}

/** A JSON request to a gateway: the status and the body (`{}` when empty). */
export async function http(method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** Polls `probe` every 100 ms until it answers something other than undefined; throws naming `what` after `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
