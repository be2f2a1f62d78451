/**
 * ADR 0014: the embedded kernel (createSystem with the memory transport and memory storage) loads
 * neither lmdb nor any @nats-io module. A child process records every module URL it resolves.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'troupe-loads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the fixture in a child process; returns every resolved URL and its output. */
function loads(name: string, extra?: string): { urls: string[]; stdout: string } {
  const log = join(dir, `${name}.log`);
  const args = ['--import', 'tsx', '--import', './test/runtime/fixtures/record-loads.mjs', 'test/runtime/fixtures/embedded-kernel.ts'];
  const out = spawnSync(process.execPath, extra === undefined ? args : [...args, extra], {
    cwd: ROOT,
    env: { ...process.env, TROUPE_LOAD_LOG: log },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(out.status, out.stderr).toBe(0);
  return {
    urls: readFileSync(log, 'utf8')
      .split('\n')
      .filter((u) => u !== ''),
    stdout: out.stdout,
  };
}

const heavy = (u: string): boolean => /\/node_modules\/(lmdb|@nats-io)\//.test(u) || /^(node:)?(lmdb|@nats-io\/)/.test(u);

describe('the embedded kernel loads no NATS and no lmdb', () => {
  it('creates a memory node, runs an actor and shuts down without resolving lmdb or @nats-io', () => {
    const { urls, stdout } = loads('embedded');
    expect(stdout).toContain('answer=hi');
    expect(urls.some((u) => u.endsWith('/runtime/system.ts'))).toBe(true);
    expect(urls.some((u) => u.includes('/node_modules/xstate/'))).toBe(true);
    expect(urls.filter(heavy)).toEqual([]);
  });

  it('the recorder sees them when an entry point that needs them is imported (control)', () => {
    const { urls } = loads('control', '../../../runtime/jetstream/index.js');
    expect(urls.some((u) => u.includes('/node_modules/@nats-io/'))).toBe(true);
    const lmdb = loads('control-lmdb', '../../../runtime/lmdb/index.js');
    expect(lmdb.urls.some((u) => u.includes('/node_modules/lmdb/'))).toBe(true);
  });
});
