/** Throw-away directories for storage tests, removed when the test process exits. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dirs: string[] = [];
process.once('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A new empty directory under the OS temp dir. */
export function tempDir(tag = 'storage'): string {
  const d = mkdtempSync(join(tmpdir(), `troupe-${tag}-`));
  dirs.push(d);
  return d;
}
