/**
 * Sensitive fields of store items: which paths an item must seal (config rules per namespace
 * prefix plus the put's `sensitive` flag), sealing them before the item is written, opening them
 * when it is read. Each sealed field is bound to tenant, namespace, key and location.
 */
import { ValidationError } from '../../../protocols/index.js';
import { DecryptionError, ENCRYPTION_KEY_ENV, EncryptionKeyError, isSealed, type FieldCipher } from '../crypto.js';
import { hasNamespacePrefix } from './filter.js';
import { getAt, locate, outermost, setAt, tokenizePath, type Location, type Step } from './paths.js';

/** Fields sealed in every item under a namespace prefix (config `memory.encryption.sensitive`). */
export interface SensitiveRule {
  readonly prefix: readonly string[];
  readonly paths: readonly string[];
}

/** True when a text holds personal data (the guardrails' `pii` detector contributes one, see kind.ts). */
export type PiiScan = (text: string) => boolean;

/** The locations of the string fields in `value` that `scan` finds personal data in. */
export function piiLocations(value: unknown, scan: PiiScan, at: Step[] = []): Location[] {
  if (typeof value === 'string') return value !== '' && scan(value) ? [[...at]] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => piiLocations(v, scan, [...at, i]));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => piiLocations(v, scan, [...at, k]));
  return [];
}

/**
 * Seals and opens an item's sensitive fields; without a cipher, refuses to store any. With a cipher and a
 * {@link PiiScan}, every string field the scan finds personal data in is sealed too, whatever the rules say.
 */
export class SensitiveFields {
  constructor(
    private readonly tenant: string,
    private readonly cipher: FieldCipher | undefined,
    private readonly rules: readonly SensitiveRule[],
    private readonly pii?: PiiScan,
  ) {
    for (const r of rules) for (const path of r.paths) tokenizePath(path); // a malformed path fails at startup, not at the first put
    if (cipher === undefined && rules.length > 0) {
      throw new EncryptionKeyError(
        'sensitive fields are configured (memory.encryption.sensitive) but no encryption key is: ' +
          `set ${ENCRYPTION_KEY_ENV} or memory.encryption.key to 32 bytes (hex or base64)`,
      );
    }
  }

  /** The paths to seal in an item of `namespace` put with `flag` (true = the whole value). */
  paths(namespace: readonly string[], flag: boolean | readonly string[] | null | undefined): string[] {
    const out = this.rules.filter((r) => hasNamespacePrefix(namespace, r.prefix)).flatMap((r) => r.paths);
    if (flag === true) out.push('$');
    else if (Array.isArray(flag)) out.push(...(flag as readonly string[]));
    if (out.length > 0 && this.cipher === undefined) {
      throw new ValidationError(
        `this store has no encryption key, so it cannot keep sensitive fields: set ${ENCRYPTION_KEY_ENV} (32 bytes, hex or base64)`,
      );
    }
    return out;
  }

  private aad(ns: string, key: string, loc: Location): string {
    return `troupe.store\u0000${this.tenant}\u0000${ns}\u0000${key}\u0000${JSON.stringify(loc)}`;
  }

  /** Seals the fields `paths` reach in `value`; returns the value to store and the sealed locations. */
  seal(value: Record<string, unknown>, paths: readonly string[], ns: string, key: string): { stored: unknown; enc: Step[][] | undefined } {
    if (this.cipher === undefined) return { stored: value, enc: undefined };
    const found = this.pii === undefined ? [] : piiLocations(value, this.pii);
    if (paths.length === 0 && found.length === 0) return { stored: value, enc: undefined };
    const locs = outermost([...paths.flatMap((p) => locate(value, p)), ...found]);
    if (locs.length === 0) return { stored: value, enc: undefined };
    if (locs.some((l) => l.length === 0)) return { stored: this.cipher.seal(value, this.aad(ns, key, [])), enc: [[]] };
    const stored = structuredClone(value);
    for (const loc of locs) setAt(stored, loc, this.cipher.seal(getAt(value, loc), this.aad(ns, key, loc)));
    return { stored, enc: locs.map((l) => [...l]) };
  }

  /** Opens the sealed fields of a stored value (the reverse of {@link seal}). */
  open(stored: unknown, enc: readonly Step[][] | undefined, ns: string, key: string): Record<string, unknown> {
    if (enc === undefined || enc.length === 0) return stored as Record<string, unknown>;
    const where = (loc: Location) => `field ${loc.length === 0 ? '$' : loc.join('.')} of item "${key}" in namespace ${ns}`;
    if (this.cipher === undefined) {
      throw new DecryptionError(`${where(enc[0] ?? [])} is encrypted but no encryption key is configured (${ENCRYPTION_KEY_ENV})`);
    }
    const cipher = this.cipher;
    const openAt = (loc: Location, v: unknown): unknown => {
      if (!isSealed(v)) throw new DecryptionError(`${where(loc)} should be sealed but is not: the stored item is damaged`);
      return cipher.open(v, this.aad(ns, key, loc), where(loc));
    };
    if (enc.some((l) => l.length === 0)) return openAt([], stored) as Record<string, unknown>;
    const value = structuredClone(stored) as Record<string, unknown>;
    for (const loc of enc) setAt(value, loc, openAt(loc, getAt(stored, loc)));
    return value;
  }

  /** A copy of `value` without its sealed fields (what may be embedded for search). */
  static redact(value: Record<string, unknown>, enc: readonly Step[][] | undefined): Record<string, unknown> | undefined {
    if (enc === undefined || enc.length === 0) return value;
    if (enc.some((l) => l.length === 0)) return undefined;
    const copy = structuredClone(value);
    // Deepest first, so array indexes of earlier removals do not shift later ones.
    for (const loc of [...enc].sort((a, b) => b.length - a.length)) setAt(copy, loc, undefined);
    return copy;
  }
}
