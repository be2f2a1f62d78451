/**
 * Who serves a data directory. A node started on the embedded default resumes, at start, every run its storage holds
 * as in flight (ADR 0007), and an agent activated there restores every run of that agent in flight: a second node on
 * the same directory — a CLI command's embedded node while `troupe start` runs, or two CLI commands at once — took over
 * the first one's runs, then left them undriven when it exited. So a node holds `<dataDir>/node.json` (its pid, its
 * gateway URL, and whether it is a server or a client command's) while it serves the directory, made create-only so two
 * processes starting at once cannot both hold it: another `troupe start` refuses the directory; a client command
 * (`run`, `chat`, `threads`, …) talks to a server's gateway, or waits for another client command's node to finish.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What `node.json` holds. */
export interface DataDirHolder {
  readonly pid: number;
  /** The node's gateway (absent while it starts, or when it runs none). */
  readonly url?: string;
  readonly started: string;
  /** `cli`: a client command's embedded node, which serves only while that command runs; absent: a server (`troupe start`). */
  readonly role?: 'cli';
  /** The holder's start time ({@link startedAt}): a live process with its pid but another start time is not it. */
  readonly boot?: string;
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

/** When process `pid` started (clock ticks since boot, from /proc), if this system says; it tells a reused pid apart. */
function startedAt(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The mark in `file`, if it parses as one (a file being written by its maker, or garbage, does not). */
function readMark(file: string): DataDirHolder | undefined {
  try {
    const held = JSON.parse(readFileSync(file, 'utf8')) as DataDirHolder;
    return Number.isInteger(held.pid) && held.pid > 0 ? held : undefined;
  } catch {
    return undefined;
  }
}

/** True when `held` is a live process other than this one (the same process that wrote it, not one that reused its pid). */
function live(held: DataDirHolder): boolean {
  if (held.pid === process.pid || !processAlive(held.pid)) return false;
  const boot = held.boot === undefined ? undefined : startedAt(held.pid);
  return boot === undefined || boot === held.boot;
}

/** This process's mark. */
function ownMark(role: 'cli' | undefined, url?: string): DataDirHolder {
  const boot = startedAt(process.pid);
  return {
    pid: process.pid,
    started: new Date().toISOString(),
    ...(url === undefined ? {} : { url }),
    ...(role === undefined ? {} : { role }),
    ...(boot === undefined ? {} : { boot }),
  };
}

/**
 * The live process (not this one) serving `dataDir`, if any. A file left by a process that died does not count, nor
 * one whose pid another process has taken since.
 */
export function dataDirHolder(dataDir: string): DataDirHolder | undefined {
  const held = readMark(join(resolve(dataDir), FILE));
  return held !== undefined && live(held) ? held : undefined;
}

/** A mark nobody can read this long after it was written is garbage, not one being written. */
const UNREADABLE_STALE_MS = 5_000;

/**
 * Takes `dataDir` for this process, create-only: the mark written, or the live process holding it. A mark left by a
 * dead process (or unreadable for {@link UNREADABLE_STALE_MS}) is removed and the take tried again. (Two processes
 * finding the same stale mark at once both remove it; the second removal can then hit the first one's new mark only
 * if that was written between the second's last read and its removal, microseconds.)
 */
export async function takeDataDir(
  dataDir: string,
  role?: 'cli',
): Promise<{ readonly release: () => void } | { readonly holder: DataDirHolder }> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, FILE);
  for (;;) {
    try {
      writeFileSync(file, JSON.stringify(ownMark(role)), { flag: 'wx' });
      return { release: releaser(file) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = readMark(file);
    if (held !== undefined && live(held)) return { holder: held };
    if (held === undefined && !stale(file)) {
      await new Promise((r) => setTimeout(r, 50)); // its maker is writing it
      continue;
    }
    // Dead (or garbage): removed if it is still the mark just read.
    if (JSON.stringify(readMark(file)) === JSON.stringify(held)) rmSync(file, { force: true });
  }
}

/** True when `file` was last written more than {@link UNREADABLE_STALE_MS} ago (or is gone). */
function stale(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs > UNREADABLE_STALE_MS;
  } catch {
    return true;
  }
}

/** Removes `file` if it is still this process's mark. */
function releaser(file: string): () => void {
  return () => {
    if (readMark(file)?.pid === process.pid) rmSync(file, { force: true });
  };
}

/**
 * Rewrites this process's mark on `dataDir` (taken with {@link takeDataDir}) to name its gateway `url`; the function
 * returned removes the mark if it is still ours.
 */
export function holdDataDir(dataDir: string, url: string, role?: 'cli'): () => void {
  const file = join(resolve(dataDir), FILE);
  const mark = ownMark(role, url);
  // Written whole, then renamed: a reader never sees half a file.
  writeFileSync(`${file}.${process.pid}`, JSON.stringify(mark));
  renameSync(`${file}.${process.pid}`, file);
  return releaser(file);
}
