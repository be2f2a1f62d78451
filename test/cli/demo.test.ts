/** The README's first command runs: `troupe start` (the embedded demo) works end to end and exits cleanly. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT, troupeArgv } from '../gateway/cli-fixture.js';

describe('troupe start (embedded demo)', () => {
  it('runs supervision, agents with tools and a handoff on the offline model, then stops', () => {
    // The gateway on a free port; asks given 30 s instead of 5 (a demo conversation's first ask ran out at load 20).
    const env: NodeJS.ProcessEnv = { ...process.env, TROUPE_PORT: '0', TROUPE_ASK_TIMEOUT_MS: '30000' };
    for (const k of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY']) delete env[k];
    const out = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'start', '--demo-seconds', '2'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain('embedded mode (no NATS, no API keys)');
    expect(out.stdout).toContain('on offline (offline)');
    expect(out.stdout).toMatch(/assistant tool_result .*\\"value\\":98/);
    expect(out.stdout).toContain('triage handoff {"from":"triage","to":"billing"}');
    expect(out.stdout).toMatch(/billing status \{"status":"success"/);
    expect(out.stdout).toMatch(/\[lifecycle\] worker\/flaky busy → failed/);
    expect(out.stdout).toMatch(/troupe: gateway on http:\/\/127\.0\.0\.1:\d+ .*auth OFF \(loopback only\)/);
    expect(out.stdout).toContain('[round 1]');
    expect(out.stdout).toContain('troupe: stopped');
  }, 90_000);

  it('troupe config reports a bad value with its path and source', () => {
    // The built CLI when current (test/gateway/cli-fixture.ts): what is checked here does not depend on the loader.
    const out = spawnSync(process.execPath, troupeArgv(['config']), {
      cwd: ROOT,
      env: { ...process.env, TROUPE_MAILBOX_CAPACITY: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('mailbox.capacity');
    expect(out.stderr).toContain('TROUPE_MAILBOX_CAPACITY');
  }, 90_000);
});
