/**
 * SIGKILL during a run: a process running an agent on the embedded default's lmdb data dir is
 * killed in the middle of a tool call; a new process on the same dir resumes the run from its
 * checkpoint and finishes it. The log holds every event of both lives, gap-free, in order.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../protocols/index.js';
import { LmdbStorage } from '../../runtime/lmdb/index.js';
import { RunStore } from '../../actors/agent/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'troupe-sigkill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the fixture; resolves when `until` matches its output (the process keeps running) or it exits. */
function host(mode: 'start' | 'resume', until: (out: string) => boolean) {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/agent/fixtures/run-host.ts', dir, mode, 'run-1'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const matched = new Promise<string>((resolveMatch, reject) => {
    const timer = setTimeout(() => reject(new Error(`${mode}: no match within 60 s:\n${out}`)), 60_000);
    const check = (b: Buffer): void => {
      out += b.toString();
      if (until(out)) {
        clearTimeout(timer);
        resolveMatch(out);
      }
    };
    proc.stdout.on('data', check);
    proc.stderr.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      if (until(out)) resolveMatch(out);
      else reject(new Error(`${mode} exited without a match:\n${out}`));
    });
  });
  return { proc, matched, exited };
}

const events = (out: string): RunEvent[] =>
  out
    .split('\n')
    .filter((l) => l.startsWith('EVENT '))
    .map((l) => JSON.parse(l.slice(6)) as RunEvent);

describe('SIGKILL during a run', () => {
  it('a killed process leaves the run to its checkpoint; the next process resumes and finishes it', async () => {
    const first = host('start', (out) => events(out).some((e) => e.event === 'tool_call'));
    const before = events(await first.matched);
    first.proc.kill('SIGKILL');
    expect(await first.exited).toBe(null);

    const second = host('resume', (out) => out.includes('END '));
    const out = await second.matched;
    expect(await second.exited).toBe(0);
    const end = JSON.parse(
      out
        .split('\n')
        .find((l) => l.startsWith('END '))!
        .slice(4),
    ) as { status: string; output: string };
    expect(end.status).toBe('success');
    expect(end.output).toContain('slept in resume');

    const storage = new LmdbStorage(dir);
    try {
      const log = await new RunStore(storage).events('default', 'run-1');
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
      // What the first life published is the head of the log, unchanged.
      expect(log.slice(0, before.length)).toEqual(before);
      const after = events(out);
      expect(log.slice(-after.length)).toEqual(after);
      expect(after[0]).toMatchObject({ event: 'status', data: { status: 'running', resumed: 1 } });
      // The call in flight is made again (the tool says where it ran), but announced once.
      expect(log.filter((e) => e.event === 'tool_call')).toHaveLength(1);
      expect(log.filter((e) => e.event === 'tool_result')).toHaveLength(1);
      expect(log.filter((e) => e.event === 'message')).toHaveLength(2); // the model is not asked twice for the tool call
      const record = await new RunStore(storage).run('default', 'run-1');
      expect(record).toMatchObject({ status: 'success', last_seq: log.length });
    } finally {
      await storage.close();
    }
  }, 120_000);
});
