/** Gateway auth: hashed API keys, JWT on jose (HS256/RS256/JWKS), the permission matrix, per-caller rate and connection limits. */
export { ApiKeyStore, hashApiKey, generateApiKey } from './keys.js';
export type { ApiKeyEntry } from './keys.js';
export { JwtVerifier, signJwt, looksLikeJwt } from './jwt.js';
export type { JwtOptions } from './jwt.js';
export { Authenticator, ANONYMOUS_ADMIN } from './authenticator.js';
export type { AuthOptions } from './authenticator.js';
export { RateLimiter, ConnectionLimiter } from './rate-limit.js';
export type { RateLimitOptions } from './rate-limit.js';
export {
  PERMISSIONS,
  PERMISSION_NAMES,
  ROLE_PERMISSIONS,
  ROLE_DESCRIPTIONS,
  can,
  rolesWith,
  requirePermission,
  permissionMatrixMarkdown,
} from './permissions.js';
export type { Permission } from './permissions.js';
export { THREAD_OWNER, withThreadOwner, withoutOwnerChange, mayRead, assertVisible } from './ownership.js';
export { JWKS_ALGORITHMS } from './jwt.js';
