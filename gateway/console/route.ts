/**
 * The console route: serves the page at `/` and its hashed assets under `/console/`, to anyone (the page holds no
 * data; the APIs it calls check credentials), with a strict Content-Security-Policy (this origin only), gzip or
 * brotli, ETags and cache headers. Every other path under `/` is the gateway's usual 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gatewayError, methodNotAllowedError, pathOf } from '../http.js';
import type { HttpRoute } from '../types.js';
import { consoleBundle, type ConsoleAsset } from './build.js';

/** The page's policy: scripts, styles and connections (fetch, WebSocket) of this origin only; no frames, plugins or forms elsewhere. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
} as const;

/** The encoding to send: brotli, then gzip, as the request accepts them (a `q=0` refuses one). */
export function pickEncoding(accept: string | undefined): 'br' | 'gzip' | undefined {
  const accepted = new Map<string, number>();
  for (const part of (accept ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name === undefined || name === '') continue;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const ok = (name: string): boolean => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return undefined;
}

function send(req: IncomingMessage, res: ServerResponse, a: ConsoleAsset, cacheControl: string): void {
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    'content-type': a.type,
    etag: a.etag,
    'cache-control': cacheControl,
    vary: 'accept-encoding',
  };
  if (req.headers['if-none-match'] === a.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const encoding = pickEncoding(typeof req.headers['accept-encoding'] === 'string' ? req.headers['accept-encoding'] : undefined);
  const body = encoding === 'br' ? a.brotli : encoding === 'gzip' ? a.gzip : a.body;
  if (encoding !== undefined) headers['content-encoding'] = encoding;
  headers['content-length'] = String(body.length);
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The console at `/` (mounted last: every longer prefix, /acp, /mcp, …, is matched first). */
export function consoleRoute(): HttpRoute {
  return {
    prefix: '/',
    public: () => true,
    async handle(req, res, _principal, path) {
      const full = pathOf(req);
      const bundle = full === '/' || full === '/index.html' || full.startsWith('/console/') ? await consoleBundle() : undefined;
      const html = full === '/' || full === '/index.html';
      const found = html ? bundle?.html : bundle?.assets.get(full);
      if (found === undefined) throw gatewayError('not_found', `no route for ${req.method ?? 'GET'} ${path === '' ? '/' : full}`);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowedError(`${full} answers GET and HEAD`);
      // The page revalidates every load (a new build names new assets); the assets are named by their hash.
      send(req, res, found, html ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
  };
}
