/** Gateway auth: hashed API keys, JWT (HS256/RS256), per-caller rate and connection limits. */
export { ApiKeyStore, hashApiKey, generateApiKey } from './keys.js';
export type { ApiKeyEntry } from './keys.js';
export { JwtVerifier, signJwt, looksLikeJwt } from './jwt.js';
export type { JwtOptions } from './jwt.js';
export { Authenticator, ANONYMOUS_ADMIN } from './authenticator.js';
export type { AuthOptions } from './authenticator.js';
export { RateLimiter, ConnectionLimiter } from './rate-limit.js';
export type { RateLimitOptions } from './rate-limit.js';
