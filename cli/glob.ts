/** File arguments with globs (`*`, `?`, `**`, `{a,b}`) expanded, for `troupe ingest` (Node 20 has no fs.glob). */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';

const MAGIC = /[*?{[]/;

/** A glob as a RegExp over `/`-separated paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${glob
          .slice(i + 1, end)
          .split(',')
          .map((p) => p.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
          .join('|')})`;
        i = end;
      }
    } else re += c.replace(/[.+^$()|[\]\\}]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function walk(dir: string, out: string[]): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === '.git') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

/** Expands each argument: a file as is, a directory to its files, a glob to the files it matches (sorted, deduplicated). */
export async function expandFiles(args: readonly string[], cwd = process.cwd()): Promise<string[]> {
  const found = new Set<string>();
  for (const arg of args) {
    const norm = arg.split(sep).join('/');
    if (!MAGIC.test(norm)) {
      const full = resolve(cwd, arg);
      const st = await stat(full).catch(() => undefined);
      if (st === undefined) throw new Error(`no such file: ${arg}`);
      if (st.isDirectory()) {
        const files: string[] = [];
        await walk(full, files);
        files.forEach((f) => found.add(f));
      } else found.add(full);
      continue;
    }
    const parts = norm.split('/');
    const fixed = parts
      .slice(
        0,
        parts.findIndex((p) => MAGIC.test(p)),
      )
      .join('/');
    const base = resolve(cwd, fixed === '' ? '.' : fixed);
    const re = globToRegExp(norm.slice(fixed === '' ? 0 : fixed.length + 1));
    const files: string[] = [];
    await walk(base, files).catch(() => undefined);
    for (const f of files) if (re.test(relative(base, f).split(sep).join('/'))) found.add(f);
  }
  return [...found].sort();
}
