/**
 * How the gateway serves the console: at `/` on the embedded default (startGateway, as `troupe start` and every
 * `troupe node --gateway` do), with the strict CSP, compressed bodies, ETags and cache headers; the API routes keep
 * their prefixes and unknown paths stay 404. Prints the compressed bytes of a first load.
 */
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { CONSOLE_CSP, pickEncoding } from '../../gateway/console/index.js';
import { startGateway, type Gateway } from '../../gateway/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { noAgentDeps } from '../gateway/catalog-fixture.js';

let system: ActorSystem;
let gateway: Gateway;
beforeAll(async () => {
  system = await createSystem({ warn: () => undefined });
  const config = configSchema.parse({ gateway: { port: 0 } });
  gateway = await startGateway(await noAgentDeps(system), config.gateway);
}, 30_000);
afterAll(async () => {
  await gateway?.close();
  await system?.shutdown();
});

interface Answer {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  /** The body as sent (still compressed). */
  readonly body: Buffer;
}

/** A plain HTTP request (fetch would undo the compression this test checks). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${gateway.url}${path}`, { method, headers: { 'accept-encoding': 'identity', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = res.headers;
        resolve({
          status: res.statusCode ?? 0,
          headers: { get: (n) => (typeof h[n] === 'string' ? (h[n] as string) : null) },
          body: Buffer.concat(chunks),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serving the console', () => {
  it('serves the page with the strict policy, compressed, and its hashed assets cached for good', async () => {
    const page = await get('/', { 'accept-encoding': 'gzip, deflate, br' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-encoding')).toBe('br');
    expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).toContain("connect-src 'self'");
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const pageBytes = page.body;
    const html = brotliDecompressSync(pageBytes).toString();
    const assets = [...html.matchAll(/(?:src|href)="(\/console\/[^"]+)"/g)].map((m) => m[1] as string);
    expect(assets).toHaveLength(2);
    expect(html).not.toMatch(/https?:\/\//);
    let first = pageBytes.length;
    for (const path of assets) {
      const res = await get(path, { 'accept-encoding': 'br' });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      first += res.body.length;
      const gz = await get(path, { 'accept-encoding': 'gzip' });
      expect(gz.headers.get('content-encoding')).toBe('gzip');
      const plain = await get(path);
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
      // Revalidation answers 304 without a body.
      const etag = plain.headers.get('etag') ?? '';
      expect((await get(path, { 'if-none-match': etag })).status).toBe(304);
    }
    console.log(`console first load: ${first} bytes (brotli: page, script and stylesheet)`);
    expect(first).toBeLessThan(60_000);
  });

  it('keeps the API routes and the 404s: only the page and its assets are served', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect(
      (await fetch(`${gateway.url}/acp/assistants/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }))
        .status,
    ).toBe(200);
    const missing = await get('/nothing-here');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString())).toMatchObject({ code: 'not_found' });
    expect((await get('/console/app.nope.js')).status).toBe(404);
    expect((await get('/', {}, 'DELETE')).status).toBe(405);
    expect((await get('/index.html')).status).toBe(200);
  });

  it('picks brotli, then gzip, as the request accepts them', () => {
    expect(pickEncoding('gzip, br')).toBe('br');
    expect(pickEncoding('gzip, br;q=0')).toBe('gzip');
    expect(pickEncoding('identity')).toBeUndefined();
    expect(pickEncoding(undefined)).toBeUndefined();
    expect(pickEncoding('*')).toBe('br');
  });
});
