/**
 * The console's assets, built in memory: esbuild bundles and minifies `app/main.tsx` (Preact) once, on the first
 * request or at start, and each asset is kept with its gzip and brotli forms and a content hash (docs/console.md).
 * Nothing is written to disk and no build output is committed.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import { CONSOLE_STYLES } from './styles.js';

/** One asset of the page, ready to send. */
export interface ConsoleAsset {
  readonly type: string;
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly brotli: Buffer;
  /** Strong ETag: a hash of `body`. */
  readonly etag: string;
}

/** The page: its HTML and the hashed script and stylesheet it names. */
export interface ConsoleBundle {
  readonly html: ConsoleAsset;
  /** Path (e.g. `/console/app.3f2a….js`) → asset. */
  readonly assets: ReadonlyMap<string, ConsoleAsset>;
}

function asset(type: string, body: Buffer): ConsoleAsset {
  return {
    type,
    body,
    gzip: gzipSync(body, { level: 9 }),
    brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

/**
 * The app's entry: the TypeScript source next to this file, or, when this file runs compiled from `dist/`, the source
 * the package ships under `gateway/console/app/` (package.json `files`).
 */
function entryPoint(): string {
  const candidates = ['./app/main.tsx', '../../../gateway/console/app/main.tsx'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`console: app source not found (looked at ${candidates.join(', ')})`);
  return found;
}

async function bundle(): Promise<ConsoleBundle> {
  const out = await build({
    entryPoints: [entryPoint()],
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = out.outputFiles[0];
  if (js === undefined) throw new Error('console: esbuild produced no output');
  const script = asset('text/javascript; charset=utf-8', Buffer.from(js.contents));
  const styles = asset('text/css; charset=utf-8', Buffer.from(CONSOLE_STYLES));
  const tag = (a: ConsoleAsset): string => a.etag.slice(1, 13).replace(/[^A-Za-z0-9_-]/g, '');
  const jsPath = `/console/app.${tag(script)}.js`;
  const cssPath = `/console/app.${tag(styles)}.css`;
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<title>Troupe console</title>',
    '<link rel="icon" href="data:,">',
    `<link rel="stylesheet" href="${cssPath}">`,
    `<script type="module" src="${jsPath}"></script>`,
    '</head>',
    '<body><div id="app"><noscript>The Troupe console needs JavaScript.</noscript></div></body>',
    '</html>',
  ].join('\n');
  return {
    html: asset('text/html; charset=utf-8', Buffer.from(html)),
    assets: new Map([
      [jsPath, script],
      [cssPath, styles],
    ]),
  };
}

let cached: Promise<ConsoleBundle> | undefined;

/** The console bundle, built once per process (a failed build is retried on the next call). */
export function consoleBundle(): Promise<ConsoleBundle> {
  if (cached === undefined) {
    cached = bundle();
    cached.catch(() => (cached = undefined));
  }
  return cached;
}
