/**
 * The package as a user gets it: build, `npm pack`, unpack the tarball as `node_modules/troupe`
 * in a temporary app (its dependencies linked from this checkout's node_modules: no network), then
 * run every README example of examples/readme against it, type-check them against the packed
 * types, and run the packed `troupe` bin. No README example can break unnoticed.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { transformSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsServer } from '../nats/server.js';
import { meshClient } from '../cluster/nodes.js';
import { eventually } from '../transport/contract.js';
import { builtCurrent } from '../gateway/cli-fixture.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLES = join(ROOT, 'examples', 'readme');
const tmp = mkdtempSync(join(tmpdir(), 'troupe-pack-'));
const app = join(tmp, 'app');
const timings: Record<string, number> = {};

async function timed<T>(what: string, step: () => Promise<T>): Promise<T> {
  const t = Date.now();
  const out = await step();
  timings[what] = Date.now() - t;
  return out;
}

beforeAll(async () => {
  // The build, unless dist/ already is the build of these sources (a clean clone's `npm ci` ran `prepare`, the build;
  // test/gateway/cli-fixture.ts): rebuilding would cost 20-40 s of CPU and rewrite files that CLI tests running beside
  // this one execute. Incremental: a re-run only compiles what changed (the build info lives in the ignored dist/).
  // `--noCheck`: emit without type-checking the sources (`npm run typecheck` does that), half the build's CPU (38 →
  // 20 s); the JavaScript is byte-for-byte the same and the declarations the same up to the order of union members.
  if (!builtCurrent())
    await timed('build', () =>
      run('npx', ['tsc', '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo', '--noCheck'], {
        cwd: ROOT,
      }),
    );
  const packed = await timed('pack', () => run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: ROOT }));
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
  // The dependencies the tarball declares, from this checkout (the registry is not reachable here).
  for (const dep of readdirSync(join(ROOT, 'node_modules')))
    if (dep !== 'troupe' && dep !== '.bin') symlinkSync(join(ROOT, 'node_modules', dep), join(app, 'node_modules', dep));
  await timed('unpack', () => run('tar', ['xzf', join(tmp, (info as { filename: string }).filename), '-C', join(app, 'node_modules')]));
  renameSync(join(app, 'node_modules', 'package'), join(app, 'node_modules', 'troupe'));
  cpSync(EXAMPLES, app, { recursive: true });
  // Each example also as JavaScript (its types stripped, nothing else changed), run by plain node: the tsx loader cost
  // 1-3 s of CPU per example on top of the example itself. The .ts files are type-checked against the packed types below.
  for (const f of readdirSync(EXAMPLES).filter((f) => f.endsWith('.ts')))
    writeFileSync(
      join(app, f.replace(/\.ts$/, '.mjs')),
      transformSync(readFileSync(join(EXAMPLES, f), 'utf8'), { loader: 'ts', format: 'esm' }).code,
    );
  expect((info as { files: { path: string }[] }).files.map((f) => f.path)).not.toContainEqual(
    expect.stringMatching(/^dist\/test\/|\.test\.js$/),
  );
}, 240_000);
afterAll(() => {
  console.log(`pack test timings (ms): ${JSON.stringify(timings)}`);
  rmSync(tmp, { recursive: true, force: true });
});

// The four examples run at once, each an embedded system: 60 s ran out at load 25-38 (a hang still ends the test).
const node = (file: string) => run(process.execPath, [file.replace(/\.ts$/, '.mjs')], { cwd: app, timeout: 200_000 });

describe('the packed package', () => {
  it('runs every README example from examples/readme', async () => {
    const [kernel, rag, client, sdk] = await timed('examples', () =>
      Promise.all(['kernel.ts', 'rag.ts', 'client.ts', 'langgraph-sdk.ts'].map(node)),
    );
    expect(kernel?.stdout).toContain('counter 2 news {"score":"2-1"}');
    expect(rag?.stdout).toContain('best mars');
    expect(client?.stdout).toContain('tool call {"id"');
    expect(client?.stdout).toContain('"value":98');
    expect(sdk?.stdout).toMatch(/triage said \[offline model\] billing here/);
    expect(sdk?.stdout).toContain('store best hike');
    expect(
      readdirSync(EXAMPLES)
        .filter((f) => f.endsWith('.ts'))
        .sort(),
    ).toEqual(['client.ts', 'kernel.ts', 'langgraph-sdk.ts', 'rag.ts']);
  }, 240_000);

  it('type-checks the examples against the packed types, and its bin answers --help', async () => {
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        include: ['*.ts'],
      }),
    );
    await timed('typecheck', () =>
      run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: app }),
    );
    const help = await run(process.execPath, [join(app, 'node_modules', 'troupe', 'dist', 'cli', 'main.js'), '--help'], { cwd: app });
    expect(help.stdout).toContain('troupe chat');
  }, 120_000);

  it('its bin runs `troupe node` as compiled JavaScript (no TypeScript loader): it joins a mesh and answers', async () => {
    // A kind in plain JavaScript, as a user of the package would write it.
    writeFileSync(
      join(app, 'echo-kind.mjs'),
      'export const kinds = [\n' +
        "  { kind: 'echo', behavior: () => ({ receive: (msg, ctx) => ({ echo: msg.payload, node: ctx.system.node }) }) },\n" +
        '];\n',
    );
    const server = await NatsServer.start();
    const prefix = `pack${process.pid}`;
    const bin = join(app, 'node_modules', 'troupe', 'dist', 'cli', 'main.js');
    const args = ['node', '--nats', server.url, '--prefix', prefix, '--node-id', 'packed', '--module', 'echo-kind.mjs', '--kinds', 'echo'];
    // No NODE_OPTIONS: whatever loader the test runner uses is not passed on.
    const env = { ...process.env, NODE_OPTIONS: '' };
    const proc = spawn(process.execPath, [bin, ...args], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const client = await meshClient([server.url], prefix);
    try {
      await eventually(() => out.includes('joined mesh') || proc.exitCode !== null, 60_000, 'the packed node to join');
      expect(out).toContain('hosting echo');
      let reply: unknown;
      // The client sees the node in membership a moment after the node printed its line.
      await eventually(
        async () => {
          const ref = await client.placement.activate('echo/one').catch(() => undefined);
          reply = await ref?.ask('echo.say', 'hi', { timeoutMs: 5_000 }).catch(() => undefined);
          return reply !== undefined;
        },
        30_000,
        'the echo actor to answer',
      );
      expect(reply).toEqual({ echo: 'hi', node: 'packed' });
    } finally {
      proc.kill('SIGKILL');
      await client.system.shutdown().catch(() => undefined);
      await server.stop();
    }
  }, 120_000);
});
