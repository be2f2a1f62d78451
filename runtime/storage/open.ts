/**
 * Picks and opens the storage backend a configuration asks for (ADR 0006). `auto` means
 * JetStream KV on the JetStream transport; on the memory transport it means whatever the
 * caller names as `embedded`: the `troupe` CLI persists (lmdb in `dataDir`), a library
 * `createSystem()` keeps memory, so tests and scripts leave no data directories behind.
 * Takes a structural slice of the config, so the runtime does not import config/. The lmdb and
 * JetStream backends are loaded on demand (ADR 0014): a memory-only node never loads their packages.
 */
import { resolve } from 'node:path';
import { ValidationError } from '../../protocols/index.js';
import { MemoryStorage } from './memory.js';
import type { Storage } from './types.js';

/** What `storage.kind` may say. */
export type StorageKind = 'auto' | 'memory' | 'lmdb' | 'jetstream';

/** The part of the Troupe config that decides the storage backend. */
export interface StorageConfig {
  readonly dataDir: string;
  readonly storage?: { readonly kind: StorageKind; readonly timeoutMs?: number };
  readonly transport:
    | { readonly kind: 'memory' }
    | {
        readonly kind: 'jetstream';
        readonly servers: readonly string[];
        readonly prefix?: string;
        readonly streamReplicas?: number;
        readonly token?: string;
        readonly user?: string;
        readonly pass?: string;
      };
}

/** Options of {@link openStorage}. */
export interface OpenStorageOptions {
  /** What `auto` means on the memory transport (default `memory`; the `troupe start` CLI passes `lmdb`). */
  readonly embedded?: 'memory' | 'lmdb';
}

/** The concrete backend `config` selects (no I/O). */
export function storageKindFor(config: StorageConfig, options: OpenStorageOptions = {}): 'memory' | 'lmdb' | 'jetstream' {
  const kind = config.storage?.kind ?? 'auto';
  if (kind !== 'auto') return kind;
  return config.transport.kind === 'jetstream' ? 'jetstream' : (options.embedded ?? 'memory');
}

/** Opens the backend `config` selects; lmdb lives in `<dataDir>/storage.lmdb`. */
export async function openStorage(config: StorageConfig, options: OpenStorageOptions = {}): Promise<Storage> {
  const kind = storageKindFor(config, options);
  if (kind === 'memory') return new MemoryStorage();
  if (kind === 'lmdb') {
    const { LmdbStorage } = await import('./lmdb.js');
    return new LmdbStorage(resolve(config.dataDir));
  }
  const t = config.transport;
  if (t.kind !== 'jetstream')
    throw new ValidationError(
      'storage.kind "jetstream" needs the jetstream transport (transport.kind "jetstream" with servers, or TROUPE_NATS_URL)',
    );
  const { JetStreamStorage } = await import('./jetstream.js');
  const connection = {
    ...(t.token === undefined ? {} : { token: t.token }),
    ...(t.user === undefined ? {} : { user: t.user, pass: t.pass }),
  };
  return JetStreamStorage.connect({
    servers: t.servers,
    prefix: t.prefix,
    replicas: t.streamReplicas,
    connection,
    timeoutMs: config.storage?.timeoutMs,
  });
}
