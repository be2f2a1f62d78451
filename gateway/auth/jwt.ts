/**
 * JWT bearer tokens (RFC 7519) verified with node:crypto: HS256 with a shared secret, RS256
 * with a PEM public key. The algorithm must match a configured key (no `none`, no HS/RS
 * confusion); `exp` is required, `nbf`, `iss` and `aud` are checked when present or configured.
 */
import { createHash, createHmac, createPrivateKey, createPublicKey, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { ValidationError, tenantSchema } from '../../protocols/index.js';
import { systemClock } from '../../runtime/index.js';
import { gatewayError } from '../http.js';
import { ROLES, type Principal, type Role } from '../types.js';

/** How tokens are verified (config `gateway.auth.jwt`). */
export interface JwtOptions {
  readonly hs256Secret?: string;
  /** PEM (SPKI or PKCS#1) RSA public key. */
  readonly rs256PublicKey?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** Claim naming the tenant (default `tenant`). */
  readonly tenantClaim?: string;
  /** Claim with the roles: an array or a space-separated string (default `roles`). */
  readonly rolesClaim?: string;
  readonly clockSkewSec?: number;
}

const b64json = (part: string): unknown => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

/** True when `token` has the shape of a JWT (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** Verifies JWTs and turns their claims into principals. */
export class JwtVerifier {
  private readonly secret: Buffer | undefined;
  private readonly publicKey: KeyObject | undefined;

  constructor(
    private readonly options: JwtOptions,
    private readonly now: () => number = () => systemClock.now(),
  ) {
    this.secret = options.hs256Secret === undefined ? undefined : Buffer.from(options.hs256Secret, 'utf8');
    this.publicKey = options.rs256PublicKey === undefined ? undefined : createPublicKey(options.rs256PublicKey);
    if (this.publicKey !== undefined && this.publicKey.asymmetricKeyType !== 'rsa')
      throw new ValidationError('gateway.auth.jwt.rs256PublicKey must be an RSA public key');
    if (this.secret === undefined && this.publicKey === undefined)
      throw new ValidationError('gateway.auth.jwt needs hs256Secret or rs256PublicKey');
  }

  /** The principal a valid token stands for; rejects with `unauthorized` saying why not. */
  verify(token: string): Principal {
    const parts = token.split('.');
    if (parts.length !== 3) throw gatewayError('unauthorized', 'malformed token');
    const [h, p, s] = parts as [string, string, string];
    let header: { alg?: unknown; typ?: unknown };
    let claims: Record<string, unknown>;
    try {
      header = b64json(h) as typeof header;
      claims = b64json(p) as typeof claims;
    } catch {
      throw gatewayError('unauthorized', 'malformed token');
    }
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
      throw gatewayError('unauthorized', 'malformed token claims');
    const data = Buffer.from(`${h}.${p}`, 'utf8');
    const sig = Buffer.from(s, 'base64url');
    if (header.alg === 'HS256' && this.secret !== undefined) {
      const want = createHmac('sha256', this.secret).update(data).digest();
      if (sig.length !== want.length || !timingSafeEqual(sig, want)) throw gatewayError('unauthorized', 'bad token signature');
    } else if (header.alg === 'RS256' && this.publicKey !== undefined) {
      if (!verify('RSA-SHA256', data, this.publicKey, sig)) throw gatewayError('unauthorized', 'bad token signature');
    } else {
      throw gatewayError('unauthorized', `token algorithm ${String(header.alg)} is not accepted`);
    }
    const now = this.now() / 1000;
    const skew = this.options.clockSkewSec ?? 30;
    if (typeof claims['exp'] !== 'number') throw gatewayError('unauthorized', 'token has no expiry (exp)');
    if (now - skew >= claims['exp']) throw gatewayError('unauthorized', 'token expired');
    if (typeof claims['nbf'] === 'number' && now + skew < claims['nbf']) throw gatewayError('unauthorized', 'token not yet valid');
    if (this.options.issuer !== undefined && claims['iss'] !== this.options.issuer)
      throw gatewayError('unauthorized', 'token issuer not accepted');
    if (this.options.audience !== undefined) {
      const aud = claims['aud'];
      const list = Array.isArray(aud) ? aud : [aud];
      if (!list.includes(this.options.audience)) throw gatewayError('unauthorized', 'token audience not accepted');
    }
    const tenant = claims[this.options.tenantClaim ?? 'tenant'];
    if (typeof tenant !== 'string' || !tenantSchema.safeParse(tenant).success)
      throw gatewayError('unauthorized', 'token names no valid tenant (1-64 of [A-Za-z0-9_-])');
    const raw = claims[this.options.rolesClaim ?? 'roles'];
    const listed = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(' ') : [];
    const roles = listed.filter((r): r is Role => (ROLES as readonly unknown[]).includes(r));
    // A token without `sub` is its own principal (keyed by its hash), never one shared "anonymous" bucket.
    const sub =
      typeof claims['sub'] === 'string' && claims['sub'] !== ''
        ? `jwt:${claims['sub']}`
        : `jwt#${createHash('sha256').update(token).digest('hex').slice(0, 24)}`;
    return { tenant, roles: roles.length > 0 ? roles : ['user'], subject: sub };
  }
}

/** Signs a token (HS256 with a secret, RS256 with a PEM private key): for tests, benches and tooling. */
export function signJwt(claims: Record<string, unknown>, key: { hs256Secret: string } | { rs256PrivateKey: string }): string {
  const alg = 'hs256Secret' in key ? 'HS256' : 'RS256';
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');
  const data = `${enc({ alg, typ: 'JWT' })}.${enc(claims)}`;
  const sig =
    'hs256Secret' in key
      ? createHmac('sha256', key.hs256Secret).update(data).digest()
      : sign('RSA-SHA256', Buffer.from(data), createPrivateKey(key.rs256PrivateKey));
  return `${data}.${sig.toString('base64url')}`;
}
