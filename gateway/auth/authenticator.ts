/**
 * Turns a presented credential (API key or JWT) into a {@link Principal}. With nothing
 * configured auth is off: every caller is tenant `default` with role `admin` — which the
 * server allows only on a loopback address (ADR 0008).
 */
import { DEFAULT_TENANT, registerPresentedSecret, registerSecret } from '../../protocols/index.js';
import { systemClock } from '../../runtime/index.js';
import { gatewayError } from '../http.js';
import type { Principal } from '../types.js';
import { ApiKeyStore, type ApiKeyEntry } from './keys.js';
import { JwtVerifier, looksLikeJwt, type JwtOptions } from './jwt.js';

/** Credentials the gateway accepts (config `gateway.auth`). */
export interface AuthOptions {
  readonly keys?: readonly ApiKeyEntry[];
  readonly jwt?: JwtOptions;
}

/** The principal of every caller while auth is off. */
export const ANONYMOUS_ADMIN: Principal = Object.freeze({
  tenant: DEFAULT_TENANT,
  roles: Object.freeze(['admin'] as const),
  subject: 'anonymous',
});

/** Verifies API keys and JWTs. */
export class Authenticator {
  /** False when no key or JWT key is configured (auth off). */
  readonly enabled: boolean;
  private readonly keys: ApiKeyStore;
  private readonly jwt: JwtVerifier | undefined;

  constructor(options: AuthOptions = {}, now: () => number = () => systemClock.now()) {
    this.keys = new ApiKeyStore(options.keys ?? []);
    this.jwt = options.jwt === undefined ? undefined : new JwtVerifier(options.jwt, now);
    registerSecret(options.jwt?.hs256Secret);
    this.enabled = this.keys.size > 0 || this.jwt !== undefined;
  }

  /**
   * The caller behind `token`; throws `unauthorized` for a missing or bad credential while
   * auth is on. With auth off any token is ignored.
   */
  async authenticate(token: string | undefined): Promise<Principal> {
    if (!this.enabled) return ANONYMOUS_ADMIN;
    if (token === undefined || token.length === 0)
      throw gatewayError('unauthorized', 'credentials required: Authorization: Bearer <API key or JWT>');
    if (token.length > 8192) throw gatewayError('unauthorized', 'credential too long');
    const byKey = this.keys.verify(token);
    // A credential that authenticated is a secret this process now knows: echoed by a tool or model, it is scrubbed.
    if (byKey !== undefined) {
      registerPresentedSecret(token);
      return byKey;
    }
    if (this.jwt !== undefined && looksLikeJwt(token)) {
      const p = await this.jwt.verify(token);
      registerPresentedSecret(token);
      return p;
    }
    throw gatewayError('unauthorized', 'invalid API key');
  }
}
