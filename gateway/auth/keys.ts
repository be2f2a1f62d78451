/**
 * API keys: 256-bit random secrets handed to callers once; only their SHA-256 is stored
 * (ADR 0008: a key that cannot be guessed needs no slow hash). Each is bound to a tenant and roles.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ValidationError, tenantSchema } from '../../protocols/index.js';
import type { Principal, Role } from '../types.js';

/** An API key as config stores it: never the secret, only its hash. */
export interface ApiKeyEntry {
  readonly id: string;
  /** `sha256:<64 hex digits>` of the key. */
  readonly hash: string;
  readonly tenant: string;
  readonly roles: readonly Role[];
}

const PREFIX = 'sha256:';

/** The stored form of a key. */
export function hashApiKey(key: string): string {
  return PREFIX + createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Makes a new key (`trp_` + 43 base64url characters) and the hash to put in config. */
export function generateApiKey(): { key: string; hash: string } {
  const key = `trp_${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key) };
}

/** Verifies presented keys against the stored hashes. */
export class ApiKeyStore {
  private readonly byHash = new Map<string, { entry: ApiKeyEntry; digest: Buffer }>();

  constructor(entries: readonly ApiKeyEntry[]) {
    for (const e of entries) {
      if (!e.hash.startsWith(PREFIX) || e.hash.length !== PREFIX.length + 64)
        throw new ValidationError(`API key ${e.id}: hash must be "sha256:" and 64 hex digits`);
      if (!tenantSchema.safeParse(e.tenant).success)
        throw new ValidationError(`API key ${e.id}: tenant ${JSON.stringify(e.tenant)} is not 1-64 of [A-Za-z0-9_-]`);
      const hex = e.hash.slice(PREFIX.length).toLowerCase();
      this.byHash.set(hex, { entry: e, digest: Buffer.from(hex, 'hex') });
    }
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The principal of a valid key, or undefined. */
  verify(key: string): Principal | undefined {
    const digest = createHash('sha256').update(key, 'utf8').digest();
    const hit = this.byHash.get(digest.toString('hex'));
    // The map is keyed by the digest of a high-entropy secret; compare in constant time anyway.
    if (hit === undefined || !timingSafeEqual(hit.digest, digest)) return undefined;
    return { tenant: hit.entry.tenant, roles: hit.entry.roles, subject: `key:${hit.entry.id}` };
  }
}
