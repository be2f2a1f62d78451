/**
 * Who serves a data directory. A node started on the embedded default resumes, at start, every run its storage holds
 * as in flight (ADR 0007): a second node on the same directory — a CLI command's embedded node while `troupe start`
 * runs — took over the first one's runs, then left them undriven when it exited. So `troupe start` writes
 * `<dataDir>/node.json` (its pid and gateway URL) while it serves the directory: another `troupe start` refuses the
 * directory, and a client command (`run`, `chat`, `threads`, …) talks to that node's gateway instead of starting its own.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What `node.json` holds. */
export interface DataDirHolder {
  readonly pid: number;
  /** The node's gateway (absent while it starts, or when it runs none). */
  readonly url?: string;
  readonly started: string;
}

const FILE = 'node.json';

/** True while process `pid` exists (signal 0 checks without sending; EPERM: it exists, as another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the gateway at `url` answers its health check within a second. */
async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

/**
 * The live process (not this one) serving `dataDir`, if any. A file left by a process that died does not count, nor
 * one whose gateway does not answer (its pid taken by another process since).
 */
export async function dataDirHolder(dataDir: string): Promise<DataDirHolder | undefined> {
  let held: DataDirHolder;
  try {
    held = JSON.parse(readFileSync(join(resolve(dataDir), FILE), 'utf8')) as DataDirHolder;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(held.pid) || held.pid <= 0 || held.pid === process.pid || !processAlive(held.pid)) return undefined;
  if (held.url !== undefined && !(await answers(held.url))) return undefined;
  return held;
}

/** Marks `dataDir` served by this process (`url`: its gateway); the function returned removes the mark if it is still ours. */
export function holdDataDir(dataDir: string, url?: string): () => void {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, FILE);
  const mark: DataDirHolder = { pid: process.pid, ...(url === undefined ? {} : { url }), started: new Date().toISOString() };
  // Written whole, then renamed: a reader never sees half a file.
  writeFileSync(`${file}.${process.pid}`, JSON.stringify(mark));
  renameSync(`${file}.${process.pid}`, file);
  return () => {
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as DataDirHolder).pid === process.pid) rmSync(file, { force: true });
    } catch {
      // gone already
    }
  };
}
