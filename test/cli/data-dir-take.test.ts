/**
 * Taking a data directory (cli/data-dir.ts): create-only, so processes starting at once never hold it together, and a
 * mark left by a dead process, by a process whose pid was reused since, or unreadable for seconds, is taken over.
 * Real child processes for the race.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataDirHolder, takeDataDir } from '../../cli/data-dir.js';

const root = mkdtempSync(join(tmpdir(), 'troupe-take-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CHILD = join(import.meta.dirname, 'fixtures', 'take-data-dir.ts');

function child(dir: string, log: string, holdMs: number): Promise<number | null> {
  const p = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, log, String(holdMs)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve) => p.on('exit', resolve));
}

/** A pid no process has now: a child that ran and exited. */
async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => p.on('exit', r));
  return p.pid as number;
}

describe('taking a data directory', () => {
  it('six processes at once: each holds it in turn, never two at the same time', async () => {
    const dir = join(root, 'race');
    const log = join(root, 'race.log');
    writeFileSync(log, '');
    const codes = await Promise.all(Array.from({ length: 6 }, () => child(dir, log, 100)));
    expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(12);
    // Sorted by time, takes and releases alternate: nobody took it while another held it.
    const events = lines.map((l) => l.split(' ')).map(([what, pid, t]) => ({ what, pid, t: Number(t) }));
    events.sort((a, b) => a.t - b.t);
    for (let i = 0; i < events.length; i += 2) {
      expect(events[i]).toMatchObject({ what: 'take' });
      expect(events[i + 1]).toMatchObject({ what: 'release', pid: events[i]?.pid });
    }
    expect(new Set(events.map((e) => e.pid)).size).toBe(6);
  }, 60_000);

  it('takes over a mark left by a dead process, or by one whose pid another process has now, or garbage left for seconds', async () => {
    const dir = join(root, 'stale');
    const file = join(dir, 'node.json');
    // Held by this test's own live process first: another taker sees it held.
    const first = await takeDataDir(dir);
    expect('release' in first).toBe(true);
    const mark = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; boot?: string };
    expect(mark.pid).toBe(process.pid);
    if ('release' in first) first.release();

    const cases: [string, () => Promise<void>][] = [
      ['dead pid', async () => writeFileSync(file, JSON.stringify({ pid: await deadPid(), started: 'x' }))],
      // A live pid (the test runner's parent) with another start time: the pid was reused.
      ['reused pid', async () => writeFileSync(file, JSON.stringify({ pid: process.ppid, started: 'x', boot: '1' }))],
      [
        'garbage',
        async () => {
          writeFileSync(file, '{"pid":');
          utimesSync(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
        },
      ],
    ];
    for (const [name, leave] of cases) {
      await leave();
      expect(dataDirHolder(dir), name).toBeUndefined();
      const taken = await takeDataDir(dir);
      expect('release' in taken, name).toBe(true);
      expect((JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid, name).toBe(process.pid);
      if ('release' in taken) taken.release();
    }
    // A live holder with its own start time is not taken over.
    writeFileSync(file, JSON.stringify({ pid: process.ppid, started: 'x' }));
    const held = await takeDataDir(dir);
    expect(held).toEqual({ holder: expect.objectContaining({ pid: process.ppid }) });
  }, 30_000);
});
