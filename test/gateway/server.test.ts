/** The HTTP server: routes by prefix, auth for routes, error mapping, body and rate limits, CORS. */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../protocols/index.js';
import {
  Gateway,
  gatewayError,
  generateApiKey,
  rateLimitedError,
  readJson,
  sendJson,
  unprocessableError,
  type HttpRoute,
} from '../../gateway/index.js';
import { createSystem } from '../../supervisors/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { noAgentDeps } from './catalog-fixture.js';

let system: ActorSystem | undefined;
let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.close();
  await system?.shutdown();
  gateway = undefined;
  system = undefined;
});

const key = generateApiKey();

/** A route that echoes what it was given, or throws what the path names. */
const echo: HttpRoute = {
  prefix: '/echo',
  public: (path) => path.startsWith('/open'),
  async handle(req, res, principal, path) {
    if (path === '/conflict') throw new ConflictError('thread t1 is busy');
    if (path === '/unprocessable') throw unprocessableError('limit must be a positive integer');
    if (path === '/missing') throw gatewayError('not_found', 'thread t9 not found');
    if (path === '/limited') throw rateLimitedError(2500);
    if (path === '/boom') throw new Error('secret internals');
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    sendJson(res, 200, { principal, path, body });
  },
};

async function start(options: Partial<Parameters<typeof Gateway.start>[0]> = {}): Promise<Gateway> {
  system = await createSystem({ warn: () => undefined });
  gateway = await Gateway.start({ port: 0, deps: await noAgentDeps(system), routes: [echo], warn: () => undefined, ...options });
  return gateway;
}

const auth = { authorization: `Bearer ${key.key}` };
const keys = [{ id: 'k', hash: key.hash, tenant: 'acme', roles: ['user' as const] }];

/** A POST without content-length (chunked), so only the streaming limit can stop it. */
function chunkedPost(url: string, chunks: string[], headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('gateway HTTP server', () => {
  it('routes by prefix with the path after it, and 404s what no route claims', async () => {
    const g = await start();
    const res = await fetch(`${g.url}/echo/a/b?x=1`);
    expect(await res.json()).toMatchObject({ path: '/a/b', principal: { tenant: 'default', roles: ['admin'] } });
    expect(await (await fetch(`${g.url}/echo`)).json()).toMatchObject({ path: '' });
    const miss = await fetch(`${g.url}/echox`);
    expect(miss.status).toBe(404);
    expect(await miss.json()).toMatchObject({ detail: expect.stringContaining('/echox'), code: 'not_found' });
    expect((await fetch(`${g.url}/ws`)).status).toBe(426);
  });

  it('needs credentials on routes when auth is on, except public paths', async () => {
    const g = await start({ auth: { keys } });
    const denied = await fetch(`${g.url}/echo/x`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe('Bearer');
    expect(await denied.json()).toMatchObject({ detail: expect.stringContaining('credentials required') });
    expect((await fetch(`${g.url}/echo/x`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect(await (await fetch(`${g.url}/echo/x`, { headers: auth })).json()).toMatchObject({
      principal: { tenant: 'acme', subject: 'key:k' },
    });
    expect(await (await fetch(`${g.url}/echo/open/card`)).json()).toMatchObject({ principal: { subject: 'public', roles: [] } });
  });

  it('maps errors to statuses with {detail}; internal errors hide their message', async () => {
    const g = await start();
    const cases: [string, number, string][] = [
      ['/conflict', 409, 'thread t1 is busy'],
      ['/unprocessable', 422, 'limit must be a positive integer'],
      ['/missing', 404, 'thread t9 not found'],
      ['/limited', 429, 'rate limit exceeded'],
      ['/boom', 500, 'internal error'],
    ];
    for (const [path, status, detail] of cases) {
      const res = await fetch(`${g.url}/echo${path}`);
      expect(res.status, path).toBe(status);
      expect((await res.json()) as { detail: string }).toMatchObject({ detail });
    }
    expect((await fetch(`${g.url}/echo/limited`)).headers.get('retry-after')).toBe('3');
  });

  it('reads JSON bodies: 400 for malformed JSON, 413 past the limit (declared or streamed)', async () => {
    const g = await start({ limits: { bodyBytes: 2048 } });
    const ok = await fetch(`${g.url}/echo/x`, {
      method: 'POST',
      body: JSON.stringify({ a: 1 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(await ok.json()).toMatchObject({ body: { a: 1 } });
    const bad = await fetch(`${g.url}/echo/x`, { method: 'POST', body: '{"a":', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ detail: expect.stringContaining('not valid JSON') });
    const big = await fetch(`${g.url}/echo/x`, { method: 'POST', body: JSON.stringify({ a: 'x'.repeat(4096) }) });
    expect(big.status).toBe(413);
    const streamed = await chunkedPost(`${g.url}/echo/x`, ['{"a":"', 'y'.repeat(1500), 'y'.repeat(1500), '"}']);
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body)).toMatchObject({ code: 'too_large' });
  });

  it('lets a client still uploading an oversized body read its 413 (no reset), and cuts a body past the drop bound', async () => {
    const g = await start({ limits: { bodyBytes: 2048 } });
    /** Posts `total` bytes in 256 KiB chunks without waiting for an answer, as fetch does. */
    const upload = (total: number): Promise<{ status: number; written: number; error?: string }> =>
      new Promise((resolve) => {
        const req = request(`${g.url}/echo/x`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': String(total) },
        });
        const chunk = Buffer.alloc(256 * 1024, 32);
        let written = 0;
        let status = 0;
        let settled = false;
        const finish = (error?: string): void => {
          if (!settled) resolve({ status, written, ...(error === undefined ? {} : { error }) });
          settled = true;
        };
        const pump = (): void => {
          while (written < total && !req.destroyed) {
            written += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          if (!req.destroyed) req.end();
        };
        req.on('error', (e) => finish((e as NodeJS.ErrnoException).code ?? e.message));
        req.on('response', (res) => {
          status = res.statusCode ?? 0;
          res.resume();
          res.on('end', () => setImmediate(() => finish()));
        });
        pump();
      });
    // A server that answers at once and closes resets the upload still under way (EPIPE / ECONNRESET, no answer).
    for (let i = 0; i < 3; i++) expect(await upload(8 * 1024 * 1024)).toEqual({ status: 413, written: 8 * 1024 * 1024 });
    const big = await fetch(`${g.url}/echo/x`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(4 * 1024 * 1024, 32),
    });
    expect(big.status).toBe(413);
    expect(
      (await fetch(`${g.url}/echo/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":2}' })).status,
    ).toBe(200);
    // Past 32 MiB dropped, the server answers and closes: a 64 MiB upload is cut before its end.
    const cut = await upload(64 * 1024 * 1024);
    expect(cut.written).toBeLessThan(64 * 1024 * 1024);
  });

  it('rate-limits per key with 429 and retry-after', async () => {
    const g = await start({ auth: { keys }, limits: { ratePerSec: 1, burst: 3 } });
    const statuses: number[] = [];
    let retry: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${g.url}/echo/x`, { headers: auth });
      statuses.push(res.status);
      if (res.status === 429) retry = res.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(retry)).toBeGreaterThanOrEqual(1);
    expect(await g.metrics.valueOf(g.metrics.rateLimited)).toBe(2);
  });

  it('answers CORS preflights for loopback and allowed origins only', async () => {
    const g = await start({ allowedOrigins: ['https://app.example'] });
    const pre = (origin: string) =>
      fetch(`${g.url}/echo/x`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
    const allowed = await pre('https://app.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect((await pre('http://localhost:3000')).headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect((await pre('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('says which port is taken when it cannot listen', async () => {
    const g = await start();
    await expect(Gateway.start({ port: g.port, deps: await noAgentDeps(system!) })).rejects.toThrow(
      `cannot listen on 127.0.0.1:${g.port}: address in use (set TROUPE_PORT`,
    );
  });

  it('refuses a WebSocket upgrade from a foreign origin and on other paths', async () => {
    const g = await start();
    const { WsClient } = await import('./ws-fixture.js');
    const base = g.url.replace(/^http/, 'ws');
    await expect(WsClient.connect(`${base}/ws`, { origin: 'https://evil.example' })).rejects.toMatchObject({ status: 403 });
    await expect(WsClient.connect(`${base}/other`)).rejects.toMatchObject({ status: 404 });
    const ok = await WsClient.connect(`${base}/ws`, { origin: 'http://127.0.0.1:5173' });
    ok.ws.terminate();
  });
});
