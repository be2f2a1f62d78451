/**
 * JWT bearer tokens (RFC 7519) verified by `jose` (ADR 0025): HS256 with a shared secret, RS256 with
 * a PEM public key, and any asymmetric algorithm with keys from an OIDC provider's JWKS URL (fetched,
 * cached, refetched when a token names a key id not yet seen — key rotation). The algorithm must be
 * on the allow-list and fit the key it is checked with (no `none`, no HS with an RSA public key);
 * `exp` is required, `nbf`, `iss` and `aud` are checked. Errors say what was wrong, never the token.
 */
import { createHash, createHmac, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { TroupeError, ValidationError, tenantSchema } from '../../protocols/index.js';
import { systemClock } from '../../runtime/index.js';
import { gatewayError } from '../http.js';
import { ROLES, type Principal, type Role } from '../types.js';

/** How tokens are verified (config `gateway.auth.jwt`). */
export interface JwtOptions {
  readonly hs256Secret?: string;
  /** PEM (SPKI or PKCS#1) RSA public key. */
  readonly rs256PublicKey?: string;
  /** An OIDC provider's JWKS (`jwks_uri`): asymmetric keys chosen by the token's `kid`. */
  readonly jwksUrl?: string;
  /** How long a fetched JWKS is trusted before it is fetched again (default 600 s). */
  readonly jwksCacheMaxAgeSec?: number;
  /** Least time between two fetches a token with an unknown `kid` may trigger (default 30 s). */
  readonly jwksCooldownSec?: number;
  /** Bound on one JWKS fetch (default 5000 ms). */
  readonly jwksTimeoutMs?: number;
  /** Accepted `alg` values; default every algorithm a configured key can check. */
  readonly algorithms?: readonly string[];
  readonly issuer?: string;
  readonly audience?: string;
  /** Claim naming the tenant (default `tenant`). */
  readonly tenantClaim?: string;
  /** Claim with the roles: an array or a space-separated string (default `roles`). */
  readonly rolesClaim?: string;
  /** Clock tolerance for `exp` and `nbf` (default 30 s). */
  readonly clockSkewSec?: number;
}

/** Asymmetric algorithms accepted from a JWKS by default. */
export const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** True when `token` has the shape of a JWT (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** Turns jose's errors into 401s that say why, without echoing the token or a claim's value. */
function explain(e: unknown): TroupeError {
  if (e instanceof TroupeError) return e;
  if (e instanceof joseErrors.JWTExpired) return gatewayError('unauthorized', 'token expired');
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    if (e.claim === 'exp') return gatewayError('unauthorized', 'token has no expiry (exp)');
    if (e.claim === 'nbf') return gatewayError('unauthorized', 'token not yet valid (nbf)');
    if (e.claim === 'iss') return gatewayError('unauthorized', 'token issuer not accepted');
    if (e.claim === 'aud') return gatewayError('unauthorized', 'token audience not accepted');
    if (e.claim === 'iat') return gatewayError('unauthorized', 'token issued-at (iat) is invalid');
    return gatewayError('unauthorized', `token claim ${e.claim} is invalid`);
  }
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return gatewayError('unauthorized', 'bad token signature');
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return gatewayError('unauthorized', 'token algorithm is not accepted');
  if (e instanceof joseErrors.JWKSNoMatchingKey)
    return gatewayError('unauthorized', 'token signed by a key the issuer does not publish (kid)');
  if (e instanceof joseErrors.JWKSMultipleMatchingKeys)
    return gatewayError('unauthorized', 'token names no kid and the JWKS has several keys');
  if (e instanceof joseErrors.JWKSTimeout || e instanceof joseErrors.JWKSInvalid || e instanceof TypeError)
    return gatewayError('unavailable', 'the token issuer keys (JWKS) could not be fetched; try again');
  if (e instanceof joseErrors.JWTInvalid || e instanceof joseErrors.JWSInvalid) return gatewayError('unauthorized', 'malformed token');
  return gatewayError('unauthorized', 'invalid token');
}

/** Verifies JWTs with jose and turns their claims into principals. */
export class JwtVerifier {
  private readonly keyFor: JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(
    private readonly options: JwtOptions,
    private readonly now: () => number = () => systemClock.now(),
  ) {
    const secret = options.hs256Secret === undefined ? undefined : new TextEncoder().encode(options.hs256Secret);
    const publicKey = options.rs256PublicKey === undefined ? undefined : createPublicKey(options.rs256PublicKey);
    if (publicKey !== undefined && publicKey.asymmetricKeyType !== 'rsa')
      throw new ValidationError('gateway.auth.jwt.rs256PublicKey must be an RSA public key');
    const jwks =
      options.jwksUrl === undefined
        ? undefined
        : createRemoteJWKSet(new URL(options.jwksUrl), {
            cacheMaxAge: (options.jwksCacheMaxAgeSec ?? 600) * 1000,
            cooldownDuration: (options.jwksCooldownSec ?? 30) * 1000,
            timeoutDuration: options.jwksTimeoutMs ?? 5000,
          });
    if (secret === undefined && publicKey === undefined && jwks === undefined)
      throw new ValidationError('gateway.auth.jwt needs hs256Secret, rs256PublicKey or jwksUrl');
    const usable = [
      ...(secret === undefined ? [] : ['HS256']),
      ...(publicKey === undefined ? [] : ['RS256']),
      ...(jwks === undefined ? [] : JWKS_ALGORITHMS),
    ];
    const wanted = options.algorithms ?? usable;
    for (const a of wanted)
      if (!usable.includes(a))
        throw new ValidationError(
          `gateway.auth.jwt.algorithms: ${a} has no configured key to check it (usable: ${[...new Set(usable)].join(', ')})`,
        );
    this.algorithms = [...new Set(wanted)];
    // Each algorithm family is checked only with its own key: an HS token never meets the RSA key or the JWKS.
    this.keyFor = async (header) => {
      if (header.alg === 'HS256' && secret !== undefined) return secret;
      if (header.alg === 'RS256' && publicKey !== undefined && (jwks === undefined || header.kid === undefined)) return publicKey;
      if (jwks !== undefined && header.alg !== undefined && !header.alg.startsWith('HS')) return jwks(header);
      throw gatewayError('unauthorized', `token algorithm ${String(header.alg).slice(0, 16)} is not accepted`);
    };
  }

  /** The principal a valid token stands for; rejects with `unauthorized` saying why not. */
  async verify(token: string): Promise<Principal> {
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, this.keyFor, {
        algorithms: this.algorithms,
        requiredClaims: ['exp'],
        clockTolerance: this.options.clockSkewSec ?? 30,
        currentDate: new Date(this.now()),
        ...(this.options.issuer === undefined ? {} : { issuer: this.options.issuer }),
        ...(this.options.audience === undefined ? {} : { audience: this.options.audience }),
      }));
    } catch (e) {
      if (e instanceof joseErrors.JOSEAlgNotAllowed) throw gatewayError('unauthorized', `token algorithm ${algOf(token)} is not accepted`);
      throw explain(e);
    }
    return this.principal(claims, token);
  }

  private principal(claims: JWTPayload, token: string): Principal {
    const tenant = claims[this.options.tenantClaim ?? 'tenant'];
    if (typeof tenant !== 'string' || !tenantSchema.safeParse(tenant).success)
      throw gatewayError('unauthorized', 'token names no valid tenant (1-64 of [A-Za-z0-9_-])');
    const raw = claims[this.options.rolesClaim ?? 'roles'];
    const listed: unknown[] = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(' ') : [];
    const roles = listed.filter((r): r is Role => (ROLES as readonly unknown[]).includes(r));
    // A token without `sub` is its own principal (keyed by its hash), never one shared "anonymous" bucket.
    const sub =
      typeof claims.sub === 'string' && claims.sub !== ''
        ? `jwt:${claims.sub}`
        : `jwt#${createHash('sha256').update(token).digest('hex').slice(0, 24)}`;
    return { tenant, roles: roles.length > 0 ? roles : ['user'], subject: sub };
  }
}

/** The `alg` a token's header names, for an error message (at most 16 characters). */
function algOf(token: string): string {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { alg?: unknown };
    return String(header.alg).slice(0, 16);
  } catch {
    return 'unknown';
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
