/**
 * One node per data directory (cli/data-dir.ts): while `troupe start` serves a directory, a client command without
 * `--url` on the same directory goes to that node's gateway (a second embedded node would resume the first one's runs
 * in flight, then leave them undriven when it exits), a second `troupe start` refuses the directory, and the mark is
 * gone once the node stops; two client commands at once take turns. Real child processes, a real gateway.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, http, runTroupe, startCliGateway, until } from '../gateway/cli-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'troupe-datadir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('one node per data directory', () => {
  it('a client command uses the node serving the directory; a second start refuses it; the mark goes with the node', async () => {
    const data = join(dir, 'data');
    const config = join(dir, 'troupe.json');
    writeFileSync(config, JSON.stringify({ agents: [{ name: 'helper', instructions: 'You help.', tools: ['calculator'] }] }));
    const env = { TROUPE_PORT: '0', TROUPE_DATA_DIR: data };
    const node = await startCliGateway(['start', '--quiet', '--config', config], cleanEnv(env));
    try {
      expect(existsSync(join(data, 'node.json'))).toBe(true);
      // The client command and the second start side by side (each process is seconds of module loading).
      const [r, second] = await Promise.all([
        runTroupe(['run', 'helper', 'what is 6*7?', '--json', '--config', config], env),
        runTroupe(['start', '--quiet', '--config', config], env),
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`using the node serving`);
      expect(r.stderr).toContain(node.url);
      const out = JSON.parse(r.stdout) as { thread_id: string };
      // The run was the serving node's: its gateway has the thread.
      expect((await http('GET', `${node.url}/acp/threads/${out.thread_id}`)).status).toBe(200);

      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(/is served by another node \(pid \d+, http:\/\/127\.0\.0\.1:\d+\)/);
    } finally {
      node.child.kill('SIGINT');
      await node.exited;
    }
    await until('the mark to go', () => (existsSync(join(data, 'node.json')) ? undefined : true), 10_000);
    // With no node serving it, a client command runs its own embedded node again.
    const alone = await runTroupe(['threads', '--config', config], env);
    expect(alone.code, alone.stderr).toBe(0);
    expect(alone.stderr).not.toContain('using the node serving');
  }, 120_000);

  it("two client commands at once with no server: the second waits for the first node, neither takes the other's run", async () => {
    const data = join(dir, 'two');
    const config = join(dir, 'two.json');
    writeFileSync(config, JSON.stringify({ agents: [{ name: 'helper', instructions: 'You help.', tools: ['calculator'] }] }));
    const env = { TROUPE_DATA_DIR: data };
    const [a, b] = await Promise.all([
      runTroupe(['run', 'helper', 'what is 6*7?', '--json', '--config', config], env),
      runTroupe(['run', 'helper', 'what is 5*8?', '--json', '--config', config], env),
    ]);
    for (const r of [a, b]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/newer activation|actor system is stopped|taken over/);
    }
    // Exactly one of them waited for the other's node.
    expect([a, b].filter((r) => /is in use by another troupe command \(pid \d+\); waiting/.test(r.stderr))).toHaveLength(1);
    expect((JSON.parse(a.stdout) as { status: string }).status).toBe('success');
    expect((JSON.parse(b.stdout) as { status: string }).status).toBe('success');
    expect(existsSync(join(data, 'node.json'))).toBe(false);
  }, 120_000);
});
