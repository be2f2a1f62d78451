/**
 * Encryption at rest for sensitive fields: AES-256-GCM (node:crypto), a random 12-byte IV per
 * value, the field's location bound in as additional authenticated data (so a ciphertext moved
 * to another item or field fails to open), and a key id stored beside it so a wrong key is
 * reported as such instead of decrypting to garbage. Plaintext is never logged or put in errors.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { TroupeError, ValidationError, registerSecret } from '../../protocols/index.js';

/** Environment variable holding the key (32 bytes as 64 hex digits or base64). */
export const ENCRYPTION_KEY_ENV = 'TROUPE_ENCRYPTION_KEY';

/** A bad or missing key at startup: `bad_request`, the configuration (not a request) being at fault. */
export class EncryptionKeyError extends ValidationError {
  override readonly name = 'EncryptionKeyError';
}

/**
 * A value that cannot be opened: written under another key, or altered. Code `conflict`: the
 * stored data conflicts with the configured key, so the store answers with this error and keeps
 * serving other items instead of crashing on every delivery.
 */
export class DecryptionError extends TroupeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('conflict', message, options);
    this.name = 'DecryptionError';
  }
}

/** A sealed value as stored: the marker, algorithm, key id, and base64 IV, tag and ciphertext. */
export interface Sealed {
  readonly $sealed: 'aes-256-gcm';
  readonly kid: string;
  readonly iv: string;
  readonly tag: string;
  readonly ct: string;
}

/** True when `v` has the shape of a {@link Sealed} value. */
export function isSealed(v: unknown): v is Sealed {
  if (v === null || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  return (
    s.$sealed === 'aes-256-gcm' &&
    typeof s.kid === 'string' &&
    typeof s.iv === 'string' &&
    typeof s.tag === 'string' &&
    typeof s.ct === 'string'
  );
}

/**
 * Reads a 32-byte key written as 64 hex digits or as base64 (standard or URL-safe). Throws
 * {@link EncryptionKeyError} with a message that never repeats the key.
 */
export function parseEncryptionKey(text: string): Buffer {
  const t = text.trim();
  registerSecret(t); // key material: no message or log line may show it, in any of its spellings
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) {
    const b = Buffer.from(t, 'base64');
    if (b.length === 32) return b;
    throw new EncryptionKeyError(
      `the encryption key decodes to ${b.length} bytes; AES-256 needs 32 (make one with: openssl rand -base64 32)`,
    );
  }
  throw new EncryptionKeyError('the encryption key is neither 64 hex digits nor base64 (make one with: openssl rand -base64 32)');
}

/** Key id: the first 8 bytes of a SHA-256 over the key, hex (identifies the key, reveals nothing usable). */
function keyId(key: Buffer): string {
  return createHash('sha256').update('troupe-field-key\u0000').update(key).digest('hex').slice(0, 16);
}

function checkKey(key: Uint8Array): Buffer {
  if (key.length !== 32) throw new EncryptionKeyError(`AES-256 needs a 32-byte key, got ${key.length} bytes`);
  return Buffer.from(key);
}

/**
 * Seals JSON values under the current AES-256 key and opens them under it or under a previous
 * key (rotation: set the new key, keep the old one in `previous`; items are re-sealed under the
 * new key when they are written again).
 */
export class FieldCipher {
  /** Id of the current key. */
  readonly kid: string;
  private readonly key: Buffer;
  private readonly keys = new Map<string, Buffer>();

  constructor(key: Uint8Array, previous: readonly Uint8Array[] = []) {
    this.key = checkKey(key);
    this.kid = keyId(this.key);
    for (const k of previous.map(checkKey)) this.keys.set(keyId(k), k);
    this.keys.set(this.kid, this.key);
  }

  /** A cipher from key text (hex or base64), with previous keys for reading; see {@link parseEncryptionKey}. */
  static fromText(text: string, previous: readonly string[] = []): FieldCipher {
    return new FieldCipher(parseEncryptionKey(text), previous.map(parseEncryptionKey));
  }

  /** Encrypts the JSON form of `value`; `aad` names where it is stored (item and field). */
  seal(value: unknown, aad: string): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const json = JSON.stringify(value === undefined ? null : value);
    const ct = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
    return {
      $sealed: 'aes-256-gcm',
      kid: this.kid,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ct: ct.toString('base64'),
    };
  }

  /** Decrypts a sealed value stored at `aad`; throws {@link DecryptionError} for another key or altered bytes. */
  open(sealed: Sealed, aad: string, where = 'a sealed field'): unknown {
    const key = this.keys.get(sealed.kid);
    if (key === undefined) {
      const ids = [...this.keys.keys()].join(', ');
      throw new DecryptionError(
        `cannot decrypt ${where}: it was encrypted with key id ${sealed.kid}, the configured keys have id ${ids} ` +
          `(${ENCRYPTION_KEY_ENV} is not the key the data was written with)`,
      );
    }
    let text: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      text = Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]).toString('utf8');
    } catch (e) {
      throw new DecryptionError(`cannot decrypt ${where}: authentication failed (the ciphertext was altered or moved from another item)`, {
        cause: e,
      });
    }
    return JSON.parse(text) as unknown;
  }
}
