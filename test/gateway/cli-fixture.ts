/** A `troupe` CLI child process serving the gateway, for the CLI gateway tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository root (the CLI's working directory). */
export const ROOT = resolve(import.meta.dirname, '../..');

/** The environment without provider keys or a config file, plus `extra`. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'TROUPE_CONFIG']) delete env[k];
  return env;
}

/** A running CLI: its gateway URL, everything it printed so far, and its exit. */
export interface CliGateway {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  readonly exited: Promise<number | null>;
}

/** Runs `troupe <args>` and resolves once it printed its gateway URL (rejects if it exits first). */
export async function startCliGateway(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliGateway> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
