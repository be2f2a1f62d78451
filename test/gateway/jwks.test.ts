/**
 * JWT verification against an OIDC provider's JWKS (ADR 0025): a real local HTTP server serves the key set, keys are
 * made with jose, and the gateway verifies with jose's remote JWKS — cached, refetched for an unknown `kid` (key
 * rotation: the new key's tokens pass, the removed key's are refused). Wrong issuer, audience or expiry is a 401 that
 * says why; `none`, HS with the provider's RSA key and unlisted algorithms are refused; no token or key reaches a
 * response or a log line.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { webcrypto } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK } from 'jose';

type CryptoKey = webcrypto.CryptoKey;
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { JwtVerifier } from '../../gateway/index.js';
import { startNode, type TestNode } from './ws-fixture.js';

const ISSUER = 'https://idp.test/';
const AUDIENCE = 'troupe-api';

interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly privateJwk: JWK;
}

async function makeKey(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return {
    kid,
    privateKey,
    publicKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
    privateJwk: await exportJWK(privateKey),
  };
}

/** The identity provider: serves `keys` as its JWKS and counts the fetches. */
const idp = { keys: [] as JWK[], fetches: 0, server: undefined as Server | undefined, url: '' };

async function token(key: SigningKey, claims: Record<string, unknown> = {}, alg = key.publicJwk.alg ?? 'RS256'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tenant: 'acme', roles: ['admin'], ...claims })
    .setProtectedHeader({ alg, kid: key.kid, typ: 'JWT' })
    .setSubject('alice')
    .setIssuer((claims['iss'] as string | undefined) ?? ISSUER)
    .setAudience((claims['aud'] as string | undefined) ?? AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime((claims['exp'] as number | undefined) ?? now + 600)
    .sign(key.privateKey);
}

let k1: SigningKey;
let k2: SigningKey;

beforeAll(async () => {
  [k1, k2] = await Promise.all([makeKey('key-2026-01'), makeKey('key-2026-02')]);
  idp.server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
    idp.fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: idp.keys }));
  });
  await new Promise<void>((resolve) => idp.server?.listen(0, '127.0.0.1', resolve));
  idp.url = `http://127.0.0.1:${(idp.server.address() as AddressInfo).port}/.well-known/jwks.json`;
});

afterAll(async () => {
  await new Promise((resolve) => idp.server?.close(resolve));
});

const options = (extra: Record<string, unknown> = {}) => ({
  jwksUrl: idp.url,
  issuer: ISSUER,
  audience: AUDIENCE,
  jwksCooldownSec: 0,
  ...extra,
});

describe('JWKS verification', () => {
  it('accepts a token of a published key, fetching the key set once and caching it', async () => {
    idp.keys = [k1.publicJwk];
    idp.fetches = 0;
    const v = new JwtVerifier(options());
    await expect(v.verify(await token(k1))).resolves.toEqual({ tenant: 'acme', roles: ['admin'], subject: 'jwt:alice' });
    await expect(v.verify(await token(k1, { roles: 'viewer operator' }))).resolves.toMatchObject({ roles: ['viewer', 'operator'] });
    expect(idp.fetches).toBe(1);
  });

  it('rotates: a new kid triggers a refetch and passes; the removed key is refused', async () => {
    idp.keys = [k1.publicJwk];
    idp.fetches = 0;
    const v = new JwtVerifier(options());
    await expect(v.verify(await token(k1))).resolves.toMatchObject({ subject: 'jwt:alice' });
    await expect(v.verify(await token(k2))).rejects.toThrow(/does not publish/);
    // The provider rotates: k2 published, k1 withdrawn.
    idp.keys = [k2.publicJwk];
    const before = idp.fetches;
    await expect(v.verify(await token(k2))).resolves.toMatchObject({ subject: 'jwt:alice' });
    expect(idp.fetches).toBeGreaterThan(before);
    await expect(v.verify(await token(k1))).rejects.toThrow(/does not publish \(kid\)/);
  });

  it('waits out the cooldown before refetching for an unknown kid (no fetch storm from forged kids)', async () => {
    idp.keys = [k1.publicJwk];
    idp.fetches = 0;
    const v = new JwtVerifier(options({ jwksCooldownSec: 3600 }));
    await expect(v.verify(await token(k1))).resolves.toMatchObject({ tenant: 'acme' });
    for (let i = 0; i < 5; i++) await expect(v.verify(await token(k2))).rejects.toThrow(/does not publish/);
    expect(idp.fetches).toBe(1);
  });

  it('takes the issuer’s keys only for asymmetric algorithms of the allow-list: no none, no HS with its RSA key', async () => {
    idp.keys = [k1.publicJwk];
    const v = new JwtVerifier(options());
    const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const exp = Math.floor(Date.now() / 1000) + 600;
    const claims = { tenant: 'acme', iss: ISSUER, aud: AUDIENCE, exp };
    await expect(v.verify(`${enc({ alg: 'none', kid: k1.kid })}.${enc(claims)}.`)).rejects.toThrow(/algorithm none is not accepted/);
    // HS256 "signed" with the provider's public key as the HMAC secret.
    const pem = new TextEncoder().encode(await exportSPKI(k1.publicKey));
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: k1.kid }).sign(pem);
    await expect(v.verify(forged)).rejects.toThrow(/algorithm HS256 is not accepted/);
    const es = await makeKey('ec-1', 'ES256');
    idp.keys = [k1.publicJwk, es.publicJwk];
    const rsOnly = new JwtVerifier(options({ algorithms: ['RS256'] }));
    await expect(rsOnly.verify(await token(es))).rejects.toThrow(/algorithm ES256 is not accepted/);
    await expect(new JwtVerifier(options()).verify(await token(es))).resolves.toMatchObject({ tenant: 'acme' });
    expect(() => new JwtVerifier(options({ algorithms: ['HS256'] }))).toThrow(/HS256 has no configured key/);
  });

  it('config: jwksUrl must be http(s); cache, cooldown and algorithms have defaults and bounds', () => {
    const gw = (jwt: Record<string, unknown>) => configSchema.safeParse({ gateway: { auth: { jwt } } });
    const ok = gw({ jwksUrl: idp.url });
    expect(ok.success && ok.data.gateway.auth.jwt).toMatchObject({ jwksUrl: idp.url, jwksCacheMaxAgeSec: 600, jwksCooldownSec: 30 });
    expect(gw({ jwksUrl: 'file:///etc/passwd' }).success).toBe(false);
    expect(gw({ jwksUrl: idp.url, algorithms: ['none'] }).success).toBe(false);
  });
});

describe('JWKS through the gateway', () => {
  let node: TestNode | undefined;
  const logged: string[] = [];
  afterEach(async () => {
    await node?.stop();
    node = undefined;
  });

  it('answers 401 naming what was wrong, and no token or key reaches a response or a log line', async () => {
    idp.keys = [k1.publicJwk];
    node = await startNode({ auth: { jwt: options() }, warn: (m) => logged.push(m) });
    const base = node.gateway.url;
    const call = async (t: string) => {
      const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${t}` } });
      return { status: res.status, text: await res.text() };
    };
    const good = await token(k1);
    expect((await call(good)).status).toBe(200);
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string, RegExp][] = [
      ['wrong issuer', await token(k1, { iss: 'https://evil.test/' }), /token issuer not accepted/],
      ['wrong audience', await token(k1, { aud: 'someone-else' }), /token audience not accepted/],
      ['expired', await token(k1, { exp: now - 3600 }), /token expired/],
      ['unknown key', await token(k2), /does not publish/],
    ];
    const bodies: string[] = [];
    for (const [name, t, why] of cases) {
      const r = await call(t);
      expect(r.status, name).toBe(401);
      expect(JSON.parse(r.text), name).toMatchObject({ code: 'unauthorized', detail: expect.stringMatching(why) });
      bodies.push(r.text);
    }
    const viewer = await call(await token(k1, { roles: ['viewer'] }));
    expect(viewer.status).toBe(403);
    expect(viewer.text).toContain('metrics:read');
    const secrets = [good, ...cases.map((c) => c[1]), String(k1.privateJwk.d), String(k2.privateJwk.d)];
    for (const s of secrets) for (const out of [...bodies, viewer.text, ...logged]) expect(out).not.toContain(s);
  });

  it('a JWKS that cannot be fetched is 503 unavailable, not a silent 200 or a crash', async () => {
    node = await startNode({ auth: { jwt: options({ jwksUrl: 'http://127.0.0.1:9/jwks.json', jwksTimeoutMs: 500 }) } });
    const res = await fetch(`${node.gateway.url}/metrics`, { headers: { authorization: `Bearer ${await token(k1)}` } });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ detail: expect.stringMatching(/JWKS/) });
  });
});
