/**
 * Fenced snapshots in a KV bucket. Each write names the revision it replaces (compare-and-set)
 * and records the writer's lease epoch. A new owner loads and at once re-writes the snapshot
 * with its own epoch: that bumps the revision, so every older owner's next write is refused.
 */
import type { KV } from '@nats-io/kv';
import { ConflictError, type Codec } from '../../protocols/index.js';
import type { StateStore, StoredSnapshot } from '../cluster.js';
import { asTroupeError, isWrongLastSequence } from './errors.js';
import type { MeshNames } from './subjects.js';

/** Snapshots of stateful actors, readable by any node. */
export class KvStateStore implements StateStore {
  constructor(
    private readonly kv: KV,
    private readonly names: MeshNames,
    private readonly codec: Codec,
  ) {}

  async load(tenant: string, address: string): Promise<StoredSnapshot | undefined> {
    const e = await this.kv.get(this.names.addressKey(tenant, address)).catch((x: unknown) => {
      throw asTroupeError(x, `could not load the snapshot of ${address}`);
    });
    if (e === null || e.operation !== 'PUT') return undefined;
    const v = this.codec.decodeValue(e.value) as { epoch: number; data: unknown };
    return { data: v.data, epoch: v.epoch, revision: e.revision };
  }

  async save(tenant: string, address: string, data: unknown, epoch: number, expectedRevision: number): Promise<number> {
    const key = this.names.addressKey(tenant, address);
    const bytes = this.codec.encodeValue({ epoch, data });
    try {
      if (expectedRevision === 0) return await this.kv.create(key, bytes);
      return await this.kv.update(key, bytes, expectedRevision);
    } catch (e) {
      if (!isWrongLastSequence(e)) throw asTroupeError(e, `could not save the snapshot of ${address}`);
      const now = await this.load(tenant, address);
      throw new ConflictError(
        `snapshot of ${address} was written by epoch ${now?.epoch ?? '?'} (revision ${now?.revision ?? '?'}); ` +
          `epoch ${epoch} expected revision ${expectedRevision}`,
      );
    }
  }

  async delete(tenant: string, address: string): Promise<void> {
    await this.kv.delete(this.names.addressKey(tenant, address)).catch((e: unknown) => {
      throw asTroupeError(e, `could not delete the snapshot of ${address}`);
    });
  }
}
