/** Gateway auth: hashed API keys, JWT HS256/RS256, the loopback-only rule for auth off, rate limits. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ApiKeyStore, Authenticator, CLOSE, generateApiKey, hashApiKey, JwtVerifier, RateLimiter, signJwt } from '../../gateway/index.js';
import { startNode, WsClient, type TestNode, wsCleanup } from './ws-fixture.js';
import { systemClock } from '../../runtime/index.js';

let node: TestNode | undefined;
const connect = wsCleanup(
  () => node,
  () => (node = undefined),
);

const { key: KEY, hash: HASH } = generateApiKey();
const SECRET = 'hs256-secret-for-tests-0123456789abcdef';
const rsa = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const other = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const NOW = 1_800_000_000_000;
const exp = NOW / 1000 + 3600;
const jwtOptions = {
  hs256Secret: SECRET,
  rs256PublicKey: rsa.publicKey,
  issuer: 'https://issuer.test',
  audience: 'troupe',
  clockSkewSec: 30,
};
const claims = { sub: 'u1', tenant: 'acme', roles: ['user'], iss: 'https://issuer.test', aud: 'troupe', exp };

describe('API keys', () => {
  it('stores only a sha256 hash and verifies the key in constant time', () => {
    expect(HASH).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(HASH).not.toContain(KEY);
    const store = new ApiKeyStore([{ id: 'k1', hash: HASH, tenant: 'acme', roles: ['user', 'agent'] }]);
    expect(store.verify(KEY)).toEqual({ tenant: 'acme', roles: ['user', 'agent'], subject: 'key:k1' });
    expect(store.verify(`${KEY}x`)).toBeUndefined();
    expect(() => new ApiKeyStore([{ id: 'bad', hash: 'md5:abc', tenant: 'acme', roles: ['user'] }])).toThrow(/sha256/);
    expect(() => new ApiKeyStore([{ id: 'bad', hash: HASH, tenant: 'a*b', roles: ['user'] }])).toThrow(/tenant/);
  });

  it('accepts no other string than the key (property)', () => {
    const store = new ApiKeyStore([{ id: 'k1', hash: HASH, tenant: 'acme', roles: ['user'] }]);
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => s === KEY || store.verify(s) === undefined));
  });
});

describe('JWT', () => {
  const v = new JwtVerifier(jwtOptions, () => NOW);
  it('accepts valid HS256 and RS256 tokens and maps claims to a principal', async () => {
    await expect(v.verify(signJwt(claims, { hs256Secret: SECRET }))).resolves.toEqual({
      tenant: 'acme',
      roles: ['user'],
      subject: 'jwt:u1',
    });
    await expect(
      v.verify(signJwt({ ...claims, roles: 'admin agent', aud: ['x', 'troupe'] }, { rs256PrivateKey: rsa.privateKey })),
    ).resolves.toEqual({
      tenant: 'acme',
      roles: ['admin', 'agent'],
      subject: 'jwt:u1',
    });
  });

  it.each([
    ['expired', { ...claims, exp: NOW / 1000 - 60 }, /expired/],
    ['no exp', { ...claims, exp: undefined }, /expiry/],
    ['not yet valid', { ...claims, nbf: NOW / 1000 + 600 }, /not yet/],
    ['wrong issuer', { ...claims, iss: 'https://evil.test' }, /issuer/],
    ['wrong audience', { ...claims, aud: 'other' }, /audience/],
    ['no tenant', { ...claims, tenant: undefined }, /tenant/],
    ['wildcard tenant', { ...claims, tenant: '*' }, /tenant/],
  ])('rejects a token: %s', async (_name, c, why) => {
    await expect(v.verify(signJwt(c, { hs256Secret: SECRET }))).rejects.toThrow(why);
  });

  it('rejects bad signatures, alg none and algorithm confusion', async () => {
    await expect(v.verify(signJwt(claims, { hs256Secret: 'another secret' }))).rejects.toThrow(/signature/);
    await expect(v.verify(signJwt(claims, { rs256PrivateKey: other.privateKey }))).rejects.toThrow(/signature/);
    const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    await expect(v.verify(`${enc({ alg: 'none' })}.${enc(claims)}.`)).rejects.toThrow(/algorithm/);
    // HS256 signed with the RSA public key as the secret must not pass on an RS256-only verifier.
    const rsOnly = new JwtVerifier({ rs256PublicKey: rsa.publicKey }, () => NOW);
    await expect(rsOnly.verify(signJwt(claims, { hs256Secret: rsa.publicKey }))).rejects.toThrow(/algorithm/);
    const tampered = signJwt(claims, { hs256Secret: SECRET }).split('.');
    tampered[1] = enc({ ...claims, tenant: 'globex' });
    await expect(v.verify(tampered.join('.'))).rejects.toThrow(/signature/);
    await expect(v.verify('a.b')).rejects.toThrow(/malformed/);
  });
});

describe('rate limiter', () => {
  it('allows the burst, then refills at the rate, per key', () => {
    let now = 0;
    const r = new RateLimiter({ ratePerSec: 10, burst: 5 }, () => now);
    for (let i = 0; i < 5; i++) expect(r.take('a')).toBe(0);
    expect(r.take('a')).toBe(100);
    expect(r.take('b')).toBe(0);
    now += 100;
    expect(r.take('a')).toBe(0);
    expect(r.take('a')).toBeGreaterThan(0);
  });
});

describe('auth rules of the gateway', () => {
  it('refuses a non-loopback address without auth, says auth is off on loopback', async () => {
    await expect(startNode({ host: '0.0.0.0' })).rejects.toThrow(/refusing to serve 0\.0\.0\.0 without auth/);
    node = await startNode();
    expect(node.gateway.auth.enabled).toBe(false);
    expect(node.gateway.banner()).toMatch(/auth OFF \(loopback only\)/);
  });

  it('serves a non-loopback address when auth is configured', async () => {
    node = await startNode({ host: '0.0.0.0', auth: { keys: [{ id: 'k1', hash: HASH, tenant: 'acme', roles: ['user'] }] } });
    expect(node.gateway.banner()).toMatch(/auth on/);
    const res = await fetch(`http://127.0.0.1:${node.gateway.port}/metrics`);
    expect(res.status).toBe(401);
  });

  it('authenticates /ws by header, by hello token (API key or JWT), and refuses bad credentials', async () => {
    node = await startNode({
      auth: { keys: [{ id: 'k1', hash: HASH, tenant: 'acme', roles: ['user'] }], jwt: jwtOptions },
      clock: { ...systemClock, now: () => NOW },
    });
    const byHeader = await connect(node, { authorization: `Bearer ${KEY}` });
    expect(await byHeader.type('welcome')).toMatchObject({ tenant: 'acme' });

    const byHello = await connect(node);
    byHello.send({ type: 'hello', token: signJwt({ ...claims, tenant: 'globex' }, { rs256PrivateKey: rsa.privateKey }) });
    expect(await byHello.type('welcome')).toMatchObject({ tenant: 'globex' });

    await expect(WsClient.connect(node.url, { authorization: 'Bearer nope' })).rejects.toMatchObject({ status: 401 });
    await expect(WsClient.connect(`${node.url}?token=${KEY}`)).rejects.toMatchObject({ status: 400 });

    const bad = await connect(node);
    bad.send({ type: 'hello', token: signJwt({ ...claims, exp: NOW / 1000 - 3600 }, { hs256Secret: SECRET }) });
    expect(await bad.type('error')).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('expired') });
    expect((await bad.closed).code).toBe(CLOSE.POLICY);
  });

  it('lets an authenticated connection not switch tenants', async () => {
    node = await startNode({
      auth: { keys: [{ id: 'k1', hash: HASH, tenant: 'acme', roles: ['user'] }], jwt: jwtOptions },
      clock: { ...systemClock, now: () => NOW },
    });
    const c = await connect(node, { authorization: `Bearer ${KEY}` });
    await c.type('welcome');
    c.send({ type: 'hello', token: signJwt({ ...claims, tenant: 'globex' }, { hs256Secret: SECRET }) });
    expect(await c.type('error')).toMatchObject({ code: 'forbidden' });
  });

  it('authenticator: anonymous admin while off, unauthorized without a token while on', async () => {
    await expect(new Authenticator().authenticate(undefined)).resolves.toMatchObject({ tenant: 'default', roles: ['admin'] });
    const on = new Authenticator({ keys: [{ id: 'k1', hash: hashApiKey('k'), tenant: 'acme', roles: ['user'] }] });
    await expect(on.authenticate(undefined)).rejects.toThrow(/credentials required/);
    await expect(on.authenticate('k')).resolves.toMatchObject({ tenant: 'acme' });
  });
});
