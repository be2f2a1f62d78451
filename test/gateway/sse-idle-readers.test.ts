/**
 * SSE readers that never read (issue 10): 200 clients join one long run's ACP event stream and
 * never read. Each is cut off once it leaves `gateway.limits.sendBufferBytes` unread, and after
 * they leave the process's memory returns to within 20 % of its baseline. Runs the scenario of
 * bench/sse-idle-readers.ts in a child process with `--expose-gc`, so the heap can be measured.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli-fixture.js';

describe('SSE readers that never read', () => {
  it('are cut off at their send bound, and the memory they held is returned', () => {
    const out = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/sse-idle-readers.ts', '200'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(out.status, out.stderr).toBe(0);
    const r = JSON.parse(out.stdout.trim().split('\n').at(-1) as string) as Record<string, number>;
    expect(r['cutBeforeLeaving']).toBe(200);
    expect(r['laterHeap'], JSON.stringify(r)).toBeLessThanOrEqual((r['baseHeap'] as number) * 1.2);
    // Resident memory is returned to the OS lazily and is noisier: a looser bound, still far from +160 MB.
    expect(r['laterRss'], JSON.stringify(r)).toBeLessThanOrEqual((r['baseRss'] as number) * 1.35);
  }, 150_000);
});
