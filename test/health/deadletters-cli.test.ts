/**
 * `troupe deadletters` as a user runs it (real child processes): against the embedded default's data directory,
 * where a node recorded dead letters, and with `--url` against a running `troupe start` with auth on — an admin
 * key lists and redrives (once), a user key is refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { generateApiKey } from '../../gateway/index.js';
import { openStorage } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { cleanEnv, runTroupe, startCliGateway } from '../gateway/cli-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'troupe-dlq-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function troupe(args: string[], data: string): ReturnType<typeof runTroupe> {
  // The built CLI when current (test/gateway/cli-fixture.ts).
  return runTroupe(args, { TROUPE_DATA_DIR: data });
}

/** Records dead letters in `data` the way an embedded node does: messages to agents while none is running. */
async function recordDeadLetters(data: string, payloads: unknown[]): Promise<void> {
  const config = configSchema.parse({ dataDir: data });
  const system = await createSystem({ config, storage: await openStorage(config, { embedded: 'lmdb' }), warn: () => undefined });
  try {
    for (const p of payloads)
      await system
        .ref('agent/assistant')
        .tell('job.run', p)
        .catch(() => undefined);
  } finally {
    await system.shutdown();
  }
}

// The two tests share nothing (own data directories, own node): they run side by side, and so do the commands of a test
// that need nothing of each other (each CLI process is seconds of CPU spent loading; one at a time left a core idle).
describe.concurrent('troupe deadletters', () => {
  it('lists, shows and redrives (once) the dead letters in the embedded data directory', async ({ expect }) => {
    const data = join(dir, 'embedded');
    await recordDeadLetters(data, [{ n: 1 }, { n: 2 }]);
    const [list, usage] = await Promise.all([
      troupe(['deadletters', 'list', '--address', 'agent/assistant'], data),
      troupe(['deadletters', 'redrive'], data),
    ]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('redrive needs a dead-letter id');
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/ no_recipient +default\/agent\/assistant {2}job\.run$/);
    const id = lines[0]!.split(' ')[0]!;
    const show = await troupe(['deadletters', 'show', id], data);
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ id, reason: 'no_recipient', envelope: { to: 'agent/assistant', payload: { n: 1 } } });
    const first = await troupe(['deadletters', 'redrive', id], data);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`redriven ${id} to agent/assistant (tenant default)`);
    const second = await troupe(['deadletters', 'redrive', id], data);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^already redriven .* nothing sent/);
    const json = await troupe(['deadletters', 'list', '--json', '--limit', '1'], data);
    const page = JSON.parse(json.stdout) as { items: { id: string; redriven?: unknown }[]; next?: string };
    expect(page.items[0]).toMatchObject({ id, redriven: expect.any(Object) });
    expect(page.next).toBe(id);
  }, 300_000);

  it('works with --url and an admin key against a running gateway; a user key gets 403', async ({ expect }) => {
    const data = join(dir, 'served');
    await recordDeadLetters(data, [{ n: 3 }]);
    const admin = generateApiKey();
    const user = generateApiKey();
    const file = join(dir, 'auth.json');
    writeFileSync(
      file,
      JSON.stringify({
        gateway: {
          port: 0,
          auth: {
            keys: [
              { id: 'ops', hash: admin.hash, tenant: 'default', roles: ['admin'] },
              { id: 'dev', hash: user.hash, tenant: 'default', roles: ['user'] },
            ],
          },
        },
      }),
    );
    const node = await startCliGateway(['start', '--config', file, '--quiet'], cleanEnv({ TROUPE_DATA_DIR: data }), { compiled: true });
    try {
      const [list, refused] = await Promise.all([
        troupe(['deadletters', 'list', '--address', 'agent/assistant', '--url', node.url, '--key', admin.key], data),
        troupe(['deadletters', 'list', '--url', node.url, '--key', user.key], data),
      ]);
      expect(list.code, list.stderr).toBe(0);
      const id = list.stdout.trim().split(' ')[0]!;
      expect(list.stdout).toContain('default/agent/assistant');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/HTTP 403 dead letters: missing permission deadletters:manage/);
      expect(refused.stderr).not.toContain(user.key);
      const first = await troupe(['deadletters', 'redrive', id, '--url', node.url, '--key', admin.key], data);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain(`redriven ${id}`);
      const second = await troupe(['deadletters', 'redrive', id, '--url', node.url, '--key', admin.key], data);
      expect(second.stdout).toMatch(/^already redriven/);
    } finally {
      node.child.kill('SIGTERM');
      await node.exited;
    }
  }, 300_000);
});
