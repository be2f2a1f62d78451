/**
 * Fenced snapshots in a KV bucket. Each write names the revision it replaces (compare-and-set)
 * and records the writer's lease epoch. A new owner loads and at once re-writes the snapshot
 * with its own epoch: that bumps the revision, so every older owner's next write is refused.
 */
import type { KV } from '@nats-io/kv';
import { ConflictError, type Codec } from '../../protocols/index.js';
import type { StateStore, StoredSnapshot } from '../cluster.js';
import { casCreate, casPut } from './cas.js';
import { asTroupeError, isTransient, isWrongLastSequence, retryTransient } from './errors.js';

import type { MeshNames } from './subjects.js';

/** How long a snapshot read or write retries through an outage or a stream leader election. */
const RETRY_MS = 12_000;

/** Snapshots of stateful actors, readable by any node. */
export class KvStateStore implements StateStore {
  constructor(
    private readonly kv: KV,
    private readonly names: MeshNames,
    private readonly codec: Codec,
    /**
     * The same bucket on a handle with a short request timeout, for reads (default `kv`). A read sent while the bucket
     * elects a leader is never answered: on the 2 s handle a new activation's snapshot load, sent just before the
     * election ended, waited out the rest of the timeout (tallies activated 0.5–1.5 s after the state bucket's election
     * in the forced leader-kill test). Reads are safe to repeat; writes stay on `kv` (a timed-out write may have landed).
     */
    private readonly readKv: KV = kv,
  ) {}

  async load(tenant: string, address: string): Promise<StoredSnapshot | undefined> {
    const e = await this.read(tenant, address).catch((x: unknown) => {
      throw asTroupeError(x, `could not load the snapshot of ${address}`);
    });
    if (e === undefined) return undefined;
    const v = this.codec.decodeValue(e.value) as { epoch: number; data: unknown };
    return { data: v.data, epoch: v.epoch, revision: e.revision };
  }

  /** The stored entry (through an outage or election, for {@link RETRY_MS}). */
  private async read(tenant: string, address: string): Promise<{ value: Uint8Array; revision: number } | undefined> {
    const e = await retryTransient(() => this.readKv.get(this.names.addressKey(tenant, address)), RETRY_MS);
    return e === null || e.operation !== 'PUT' ? undefined : { value: e.value, revision: e.revision };
  }

  /**
   * Compare-and-set on `expectedRevision`. A write whose answer was lost (its server died, the request timed out) is
   * tried again; when the retry finds the revision moved, the entry is read back: if it holds exactly these bytes, the
   * lost write landed and the save succeeded. The actor's effects are durable when this resolves (acks wait for it).
   */
  async save(tenant: string, address: string, data: unknown, epoch: number, expectedRevision: number): Promise<number> {
    const key = this.names.addressKey(tenant, address);
    const bytes = this.codec.encodeValue({ epoch, data });
    let uncertain = false;
    const write = async (): Promise<number> => {
      try {
        return expectedRevision === 0 ? await casCreate(this.kv, key, bytes) : await casPut(this.kv, key, bytes, expectedRevision);
      } catch (e) {
        if (isTransient(e)) uncertain = true;
        throw e;
      }
    };
    try {
      return await retryTransient(write, RETRY_MS);
    } catch (e) {
      if (!isWrongLastSequence(e)) throw asTroupeError(e, `could not save the snapshot of ${address}`);
      const stored = uncertain ? await this.read(tenant, address).catch(() => undefined) : undefined;
      if (stored !== undefined && Buffer.compare(stored.value, bytes) === 0) return stored.revision;
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
