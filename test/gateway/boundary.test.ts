/**
 * The gateway's boundary (fault isolation): browsers cannot drive a node they should not (Origin
 * on every route, Host while auth is off, JSON bodies only as JSON), client values outside the
 * limits are 400s that name the problem, and every limit is keyed by tenant and principal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { request } from 'node:http';
import { WebSocket } from 'ws';
import { CLIENT_LIMITS, inspectWireValue } from '../../protocols/index.js';
import { Gateway, readJson, sendJson, signJwt, type HttpRoute } from '../../gateway/index.js';
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

/** Echoes the caller and the parsed body. */
const echo: HttpRoute = {
  prefix: '/echo',
  async handle(req, res, principal) {
    sendJson(res, 200, { principal, body: req.method === 'GET' ? undefined : await readJson(req) });
  },
};

async function start(options: Partial<Parameters<typeof Gateway.start>[0]> = {}): Promise<Gateway> {
  system = await createSystem({ warn: () => undefined });
  gateway = await Gateway.start({ port: 0, deps: await noAgentDeps(system), routes: [echo], warn: () => undefined, ...options });
  return gateway;
}

/** A raw request with a chosen Host header (fetch does not let a caller set it). */
function raw(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('browsers cannot drive the node', () => {
  it('refuses foreign origins on every route with 403, allows loopback and configured ones', async () => {
    const g = await start({ allowedOrigins: ['https://app.example'] });
    const post = (origin: string | undefined) =>
      fetch(`${g.url}/echo/x`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(origin === undefined ? {} : { origin }) },
        body: '{"a":1}',
      });
    expect((await post('https://evil.example')).status).toBe(403);
    expect(await (await post('https://evil.example')).json()).toMatchObject({
      code: 'forbidden',
      detail: expect.stringContaining('evil.example'),
    });
    for (const ok of [undefined, 'http://localhost:5173', 'http://127.0.0.1:3000', 'https://app.example'])
      expect((await post(ok)).status, String(ok)).toBe(200);
    const metrics = await fetch(`${g.url}/metrics`, { headers: { origin: 'https://evil.example' } });
    expect(metrics.status).toBe(403);
    // Probes stay welcome whatever they send.
    expect((await fetch(`${g.url}/healthz`, { headers: { origin: 'https://evil.example' } })).status).toBe(200);
  });

  it('with auth off, answers only loopback or configured Host names (DNS rebinding), on HTTP and /ws', async () => {
    const g = await start({ allowedHosts: ['troupe.internal'] });
    const at = (host: string) => raw(`${g.url}/echo/x`, 'GET', { host });
    expect((await at('rebound.evil.example')).status).toBe(403);
    expect((await at('rebound.evil.example:7700')).body).toContain('not allowed while auth is off');
    for (const ok of [`127.0.0.1:${g.port}`, 'localhost', `[::1]:${g.port}`, 'troupe.internal:80'])
      expect((await at(ok)).status, ok).toBe(200);
    expect((await raw(`${g.url}/healthz`, 'GET', { host: 'rebound.evil.example' })).status).toBe(200);
    const upgrade = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${g.url.replace(/^http/, 'ws')}/ws`, { headers: { host: 'rebound.evil.example' } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => {
        ws.terminate();
        resolve(101);
      });
      ws.on('error', () => undefined);
    });
    expect(upgrade).toBe(403);
  });

  it('with auth on, any Host is fine (credentials are the defence)', async () => {
    const g = await start({ auth: { jwt: { hs256Secret: 'a-secret-of-thirty-two-characters!!' } } });
    const token = signJwt(
      { sub: 'u', tenant: 'acme', exp: Math.floor(Date.now() / 1000) + 600 },
      { hs256Secret: 'a-secret-of-thirty-two-characters!!' },
    );
    expect((await raw(`${g.url}/echo/x`, 'GET', { host: 'troupe.example.com', authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('parses a body as JSON only when it is declared JSON: text/plain and forms are 415', async () => {
    const g = await start();
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx']) {
      const res = await fetch(`${g.url}/echo/x`, { method: 'POST', headers: { 'content-type': ct }, body: '{"a":1}' });
      expect(res.status, ct).toBe(415);
    }
    const none = await raw(`${g.url}/echo/x`, 'POST', { 'content-length': '7' }, '{"a":1}');
    expect(none.status).toBe(415);
    for (const ct of ['application/json', 'application/json; charset=utf-8', 'application/merge-patch+json']) {
      expect((await fetch(`${g.url}/echo/x`, { method: 'POST', headers: { 'content-type': ct }, body: '{"a":1}' })).status, ct).toBe(200);
    }
    // No body, no content type needed.
    expect((await fetch(`${g.url}/echo/x`, { method: 'POST' })).status).toBe(200);
  });
});

describe('client values outside the limits are 400s naming the problem', () => {
  it('too deep, unpaired surrogates (in values and keys), prototype keys', async () => {
    const g = await start();
    const post = (body: string) => fetch(`${g.url}/echo/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const cases: [string, RegExp][] = [
      [`{"v":${'['.repeat(40)}${']'.repeat(40)}}`, /nested deeper than 32 levels at \$\.v/],
      [`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`, /nested deeper than 32/],
      ['{"v":"a\\ud800b"}', /string at \$\.v contains an unpaired UTF-16 surrogate/],
      ['{"\\udfff":1}', /a key at \$ contains an unpaired UTF-16 surrogate/],
      ['{"m":{"__proto__":{"x":1}}}', /key "__proto__" at \$\.m is not allowed/],
      ['{"constructor":{"prototype":1}}', /key "constructor" at \$ is not allowed/],
    ];
    for (const [body, why] of cases) {
      const res = await post(body);
      expect(res.status, body.slice(0, 40)).toBe(400);
      expect(((await res.json()) as { detail: string }).detail).toMatch(why);
    }
    expect((await post('{"v":"🎭 fine","list":[1,{"a":null}]}')).status).toBe(200);
  });

  it('inspectWireValue: finds every planted problem, passes every JSON value within the limits (property)', () => {
    const clean = (maxDepth: number) =>
      fc.jsonValue({ maxDepth }).filter((v) => JSON.stringify(v).match(/"(__proto__|constructor|prototype)":/) === null);
    const ok = clean(8);
    fc.assert(fc.property(ok, (v) => inspectWireValue(v) === undefined));
    const plant = (v: unknown, depth: number, bad: unknown): unknown => (depth === 0 ? bad : { k: v, n: plant(v, depth - 1, bad) });
    const problems = fc.oneof(
      fc.constant({ bad: '\ud800', problem: 'unpaired_surrogate' }),
      fc.constant({ bad: JSON.parse('{"__proto__":1}') as unknown, problem: 'forbidden_key' }),
      fc.constant({ bad: { constructor: 1 }, problem: 'forbidden_key' }),
      fc
        .integer({ min: CLIENT_LIMITS.maxDepth + 1, max: 500 })
        .map((d) => ({ bad: JSON.parse(`${'['.repeat(d)}${']'.repeat(d)}`) as unknown, problem: 'too_deep' })),
    );
    fc.assert(
      // The value around the planted problem is itself clean, so the problem found is the planted one.
      fc.property(clean(3), fc.integer({ min: 0, max: 20 }), problems, (v, depth, { bad, problem }) => {
        const found = inspectWireValue(plant(v, depth, bad));
        return found !== undefined && (found.problem === problem || found.problem === 'too_deep');
      }),
    );
  });
});

describe('limits are per tenant and principal', () => {
  const SECRET = 'a-secret-of-thirty-two-characters!!';
  const jwt = (claims: Record<string, unknown>) =>
    signJwt({ exp: Math.floor(Date.now() / 1000) + 600, ...claims }, { hs256Secret: SECRET });

  it('one tenant exhausting its bucket does not throttle another tenant’s caller with the same subject', async () => {
    const g = await start({ auth: { jwt: { hs256Secret: SECRET } }, limits: { ratePerSec: 0.001, burst: 2 } });
    const get = (token: string) => fetch(`${g.url}/echo/x`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    const a = jwt({ sub: 'same', tenant: 'tenant-a' });
    const b = jwt({ sub: 'same', tenant: 'tenant-b' });
    expect([await get(a), await get(a), await get(a)]).toEqual([200, 200, 429]);
    expect([await get(b), await get(b), await get(b)]).toEqual([200, 200, 429]);
  });

  it('tokens without `sub` are keyed by the token, not one shared bucket', async () => {
    const g = await start({ auth: { jwt: { hs256Secret: SECRET } }, limits: { ratePerSec: 0.001, burst: 1 } });
    const get = (token: string) => fetch(`${g.url}/echo/x`, { headers: { authorization: `Bearer ${token}` } });
    const one = jwt({ tenant: 'acme', nonce: 1 });
    const two = jwt({ tenant: 'acme', nonce: 2 });
    const first = await get(one);
    expect(first.status).toBe(200);
    const subject = ((await first.json()) as { principal: { subject: string } }).principal.subject;
    expect(subject).toMatch(/^jwt#[0-9a-f]{24}$/);
    expect(subject).not.toContain(one.slice(0, 20));
    expect((await get(one)).status).toBe(429);
    expect((await get(two)).status).toBe(200);
  });
});

describe('/healthz tells the actor system’s real state', () => {
  it('503 with the alarms while a subtree is down, 200 again once it is cleared', async () => {
    const g = await start();
    expect((await fetch(`${g.url}/healthz`)).status).toBe(200);
    (system as ActorSystem).raiseAlarm({ key: 'subtree:acme/supervisor/x', message: 'restarting in 500 ms', tenant: 'acme' });
    const down = await fetch(`${g.url}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({
      status: 'unavailable',
      reason: 'subtree:acme/supervisor/x',
      alarms: [{ key: 'subtree:acme/supervisor/x', message: 'restarting in 500 ms' }],
    });
    const metrics = await (await fetch(`${g.url}/metrics`)).text();
    expect(metrics).toMatch(/^troupe_alarms 1$/m);
    expect(metrics).toMatch(/^troupe_ready 0$/m);
    (system as ActorSystem).clearAlarm('subtree:acme/supervisor/x');
    const up = await fetch(`${g.url}/healthz`);
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({
      status: 'ok',
      node: (system as ActorSystem).node,
      nats: 'none',
      actors: (system as ActorSystem).actors().length,
    });
  });
});
