/**
 * A `troupe node` loads what it uses (ADR 0037): on a real nats-server, a node hosting only a module's plain kind
 * (`--kinds counter`) joins the mesh without loading the actors layer, the gateway, the PII detector's libraries or
 * OpenTelemetry, while a node hosting a built-in kind (`--kinds tool`) loads the actors layer (so the check can fail)
 * and still not the gateway. Every module a node loads is recorded by a loader hook (fixtures/record-loads.mjs).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG_REDACTION_MODULE } from '../../actors/index.js';
import { LOG_REDACTION_URL } from '../../cli/log.js';
import { NatsServer } from '../nats/server.js';
import { NodeProcess } from '../cluster/nodes.js';

const ROOT = resolve(import.meta.dirname, '../..');
const HOOK = join(import.meta.dirname, 'fixtures/record-loads.mjs');
let server: NatsServer;
const nodes: NodeProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'troupe-lazy-'));

beforeAll(async () => {
  server = await NatsServer.start();
}, 30_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.signal('SIGKILL')));
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a node hosting `kinds`; resolves with the repository folders and packages it loaded until it joined. */
async function loadsOf(id: string, kinds: string): Promise<{ folders: Set<string>; packages: Set<string> }> {
  const file = join(dir, `${id}.loads`);
  // From the sources (not dist/): the folders below are the sources' top-level folders.
  const node = await NodeProcess.start(
    id,
    [server.url],
    `lazy${process.pid}`,
    ['--kinds', kinds],
    { NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import ${HOOK}`, TROUPE_TEST_LOADS: file },
    [],
    { source: true },
  );
  nodes.push(node);
  expect(node.output).toContain(`hosting ${kinds}`);
  const folders = new Set<string>();
  const packages = new Set<string>();
  for (const url of readFileSync(file, 'utf8').split('\n')) {
    if (!url.startsWith('file:')) continue;
    const path = decodeURIComponent(new URL(url).pathname);
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
    if (pkg !== undefined) packages.add(pkg);
    else if (path.startsWith(`${ROOT}/`)) folders.add(path.slice(ROOT.length + 1).split('/')[0] as string);
  }
  return { folders, packages };
}

describe('troupe node loads what its kinds need', () => {
  it('names the same log redaction module as the actors layer', () => {
    expect(LOG_REDACTION_URL).toBe(LOG_REDACTION_MODULE);
  });

  it('a node hosting only a module kind loads neither actors nor the gateway; one hosting tools loads actors only', async () => {
    const [plain, tools] = await Promise.all([loadsOf('lzc', 'counter'), loadsOf('lzt', 'tool')]);
    expect([...plain.folders].sort()).toEqual(['cli', 'config', 'protocols', 'runtime', 'supervisors', 'test']);
    // (esbuild is not among them: tsx, which runs the node here, loads it.)
    const heavy = ['compromise', 'openai', '@anthropic-ai/sdk', '@modelcontextprotocol/sdk', 'ws', 'prom-client', 'jose', 'hnswlib-node'];
    expect(heavy.filter((p) => plain.packages.has(p))).toEqual([]);
    expect([...plain.packages].filter((p) => p.startsWith('@opentelemetry/'))).toEqual([]);
    expect(plain.packages).toContain('@nats-io/transport-node');

    expect(tools.folders).toContain('actors');
    expect(tools.packages).toContain('@modelcontextprotocol/sdk');
    expect(tools.folders).not.toContain('gateway');
  }, 120_000);
});
