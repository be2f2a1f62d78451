/**
 * The layering rule, checked on every `.ts` file of the top-level folders (examples/, test/ and
 * bench/ are exempt):
 *
 * 1. A file imports another top-level folder only through one of its public entries: the folder's
 *    `index.ts`, or a sub-entry the package exports (package.json `exports`, e.g. `runtime/jetstream`,
 *    `gateway/client`). Imports inside one top-level folder are free.
 * 2. Dependencies point downward: gateway → actors → supervisors → runtime → protocols. config is
 *    read by every layer above protocols (supervisors, actors and the gateway take their sections of
 *    it) and imports nothing but protocols; cli is the composition root and may import every layer.
 *    No layer imports examples/, test/ or bench/.
 *
 * Today's exceptions are listed in {@link ALLOWED}, each with why; the list only shrinks (an entry
 * that no longer matches an import fails the test, so it is removed when its import is fixed).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The layers and what each may import besides itself. */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  protocols: [],
  config: ['protocols'],
  runtime: ['protocols'],
  supervisors: ['protocols', 'runtime', 'config'],
  actors: ['protocols', 'runtime', 'supervisors', 'config'],
  gateway: ['protocols', 'runtime', 'supervisors', 'actors', 'config'],
  cli: ['protocols', 'runtime', 'supervisors', 'actors', 'gateway', 'config'],
};
const LAYERS = Object.keys(MAY_IMPORT);

/**
 * Imports that break the rule today, as `file -> specifier`. The lead empties this list; do not
 * add to it. Each group says who fixes it.
 */
const ALLOWED: ReadonlySet<string> = new Set<string>([
  // Empty: every import of another folder goes through its public entry. Keep it so.
]);

/** Public entries: each layer's index.ts plus the sub-entries package.json exports. */
function publicEntries(): Set<string> {
  const entries = new Set(LAYERS.map((l) => `${l}/index.ts`));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  for (const target of Object.values(pkg.exports)) {
    const types = typeof target === 'object' && target !== null ? (target as { types?: string }).types : undefined;
    if (types === undefined) continue;
    entries.add(types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts'));
  }
  return entries;
}

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) tsFiles(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Relative specifiers of `import … from`, `export … from`, `import '…'` and `import('…')`. */
function specifiers(source: string): string[] {
  const out: string[] = [];
  const from = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]/.source;
  const bare = /(?:^|[\s;])import\s*['"]([^'"]+)['"]/.source;
  const lazy = /import\(\s*['"]([^'"]+)['"]\s*\)/.source;
  const re = new RegExp(`${from}|${bare}|${lazy}`, 'gm');
  for (const m of source.matchAll(re)) {
    const s = m[1] ?? m[2] ?? m[3];
    if (s !== undefined && s.startsWith('.')) out.push(s);
  }
  return out;
}

interface Violation {
  readonly key: string;
  readonly why: string;
}

function violations(): Violation[] {
  const entries = publicEntries();
  const out: Violation[] = [];
  for (const layer of LAYERS) {
    for (const file of tsFiles(join(ROOT, layer))) {
      const from = relative(ROOT, file).split(sep).join('/');
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const target = relative(ROOT, resolve(dirname(file), spec))
          .split(sep)
          .join('/');
        const top = target.split('/')[0] as string;
        if (top === layer) continue;
        const key = `${from} -> ${spec}`;
        if (!LAYERS.includes(top)) out.push({ key, why: `imports ${top}/, which no layer may import` });
        else if (!(MAY_IMPORT[layer] as readonly string[]).includes(top))
          out.push({ key, why: `${layer}/ may not import ${top}/ (upward)` });
        else if (!entries.has(target.replace(/\.js$/, '.ts'))) out.push({ key, why: `bypasses ${top}/index.ts` });
      }
    }
  }
  return out;
}

describe('layering', () => {
  const found = violations();

  it('every import of another top-level folder goes downward, through a public entry', () => {
    const fresh = found.filter((v) => !ALLOWED.has(v.key)).map((v) => `${v.key}: ${v.why}`);
    expect(fresh).toEqual([]);
  });

  it('the allow-list holds only imports that still exist', () => {
    const keys = new Set(found.map((v) => v.key));
    expect([...ALLOWED].filter((k) => !keys.has(k))).toEqual([]);
  });

  it('the scanner sees the kinds of import it must (so a violation cannot hide)', () => {
    const src = [
      "import { a } from '../x/a.js';",
      "import type {\n  B,\n  C,\n} from '../y/b.js';",
      "export { d } from '../z/d.js';",
      "export * from './e.js';",
      "import '../side/effect.js';",
      "const f = await import('../lazy/f.js');",
      "import { g } from 'zod';",
    ].join('\n');
    expect(specifiers(src)).toEqual(['../x/a.js', '../y/b.js', '../z/d.js', './e.js', '../side/effect.js', '../lazy/f.js']);
    expect(publicEntries()).toContain('gateway/client/index.ts');
  });
});
