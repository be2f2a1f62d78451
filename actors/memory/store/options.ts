/**
 * Store actor options from the `memory` config section (config/schema.ts): sweeper period,
 * default TTL, refresh on read, indexed namespaces, and the cipher for sensitive fields. The
 * composition root calls this once and spawns `memory/store` per tenant with the result.
 */
import { ValidationError } from '../../../protocols/index.js';
import { EncryptionKeyError, ENCRYPTION_KEY_ENV, FieldCipher } from '../crypto.js';
import type { Embedder, VectorIndex } from '../semantic/types.js';
import type { StoreActorOptions } from './behavior.js';
import type { PiiScan } from './sensitive.js';

/** The parts of config `memory` the store reads (structurally the config's shape). */
export interface StoreMemoryConfig {
  readonly store: {
    readonly sweepMs: number;
    readonly defaultTtlMinutes?: number | undefined;
    readonly refreshOnRead: boolean;
    readonly index: readonly { readonly prefix: readonly string[]; readonly fields: readonly string[] }[];
  };
  readonly encryption: {
    readonly key?: string | undefined;
    readonly previousKeys?: readonly string[];
    readonly sensitive: readonly { readonly prefix: readonly string[]; readonly paths: readonly string[] }[];
  };
}

/**
 * Builds {@link StoreActorOptions}. Throws {@link EncryptionKeyError} at startup when sensitive
 * fields are configured without a key, or the key is malformed (the message never shows the key).
 * Indexed namespaces need an `embedder`; without one, index rules other than the default (every
 * namespace, whole value) are a TypeError, and the default indexes nothing (a `query` then says so).
 */
export function storeOptionsFromConfig(
  memory: StoreMemoryConfig,
  extra: { embedder?: Embedder; createIndex?: (dims: number) => VectorIndex; pii?: PiiScan } = {},
): StoreActorOptions {
  const { store, encryption } = memory;
  if (encryption.sensitive.length > 0 && encryption.key === undefined) {
    throw new EncryptionKeyError(
      'memory.encryption.sensitive lists fields to encrypt but no key is configured: ' +
        `set ${ENCRYPTION_KEY_ENV} or memory.encryption.key (32 bytes, hex or base64)`,
    );
  }
  if ((encryption.previousKeys?.length ?? 0) > 0 && encryption.key === undefined) {
    throw new EncryptionKeyError(
      `memory.encryption.previousKeys are set but the current key is not: set ${ENCRYPTION_KEY_ENV} (new writes are sealed under it)`,
    );
  }
  // The default rule (every namespace, whole value) needs an embedder only when one is given;
  // rules someone wrote are a mistake without one.
  const defaultRule = store.index.length === 1 && store.index[0]?.prefix.length === 0 && store.index[0]?.fields.join() === '$';
  if (store.index.length > 0 && extra.embedder === undefined && !defaultRule) {
    throw new ValidationError('memory.store.index names namespaces to embed but no embedder was given to the store');
  }
  const cipher = encryption.key === undefined ? undefined : FieldCipher.fromText(encryption.key, encryption.previousKeys ?? []);
  return {
    sweepMs: store.sweepMs,
    refreshOnRead: store.refreshOnRead,
    ...(store.defaultTtlMinutes === undefined ? {} : { defaultTtlMinutes: store.defaultTtlMinutes }),
    ...(extra.embedder === undefined
      ? {}
      : {
          index: {
            embedder: extra.embedder,
            rules: store.index,
            ...(extra.createIndex === undefined ? {} : { createIndex: extra.createIndex }),
          },
        }),
    encryption: {
      ...(cipher === undefined ? {} : { cipher }),
      sensitive: encryption.sensitive,
      ...(extra.pii === undefined ? {} : { pii: extra.pii }),
    },
  };
}
