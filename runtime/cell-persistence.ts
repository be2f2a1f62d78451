/**
 * Cell persistence: what a cell snapshots, and the fenced store a single activation saves it to.
 * A clustered transport gives each activation a lease epoch; loading re-writes the snapshot under
 * that epoch, so an older owner that still runs is refused on its next save and ends itself.
 */
import { ConflictError } from '../protocols/index.js';
import type { StateStore } from './cluster.js';
import type { Storage } from './storage/index.js';

/** What a cell persists: its state (via `behavior.snapshot`) and the ids it handled last. */
export interface CellSnapshot {
  readonly state: unknown;
  readonly recent: readonly string[];
}

/** Fenced snapshot storage bound to one activation (its lease epoch). */
export interface CellPersistence {
  /** The last snapshot, if any; also fences older owners off (their next save is refused). */
  load(): Promise<CellSnapshot | undefined>;
  /** Saves; rejects with `conflict` when a newer owner wrote meanwhile. */
  save(snapshot: CellSnapshot): Promise<void>;
  /**
   * True for a store that keeps only what passivation saves (the in-process transport, ADR 0036): other ends and acks
   * save nothing, so a stop or a restart still starts from `init` as it always did there.
   */
  readonly parkOnly?: boolean;
}

/** How many of the last handled ids a snapshot carries (the next activation drops their redeliveries). */
export const SNAPSHOT_RECENT_IDS = 256;

/**
 * Fenced persistence of the activation of `address` holding lease `epoch`. `load` refuses (`conflict`)
 * when a newer epoch wrote already, and otherwise claims the snapshot for this epoch; every `save`
 * names the revision it last wrote, so a save after a takeover is refused.
 */
export function fencedPersistence(store: StateStore, tenant: string, address: string, epoch: number): CellPersistence {
  let revision = 0;
  return {
    load: async () => {
      const stored = await store.load(tenant, address);
      if (stored !== undefined && stored.epoch > epoch)
        throw new ConflictError(`${address} was taken over (epoch ${stored.epoch} > ${epoch})`);
      revision = await store.save(tenant, address, stored?.data ?? null, epoch, stored?.revision ?? 0);
      return (stored?.data ?? undefined) as CellSnapshot | undefined;
    },
    save: async (snapshot) => {
      revision = await store.save(tenant, address, snapshot, epoch, revision);
    },
  };
}

/** The bucket where actors passivated on the in-process transport sleep (their snapshots, until they wake). */
export const PARKED_BUCKET = 'parked';

/**
 * Persistence of an actor that passivates on the in-process transport (ADR 0036): passivation writes its snapshot to
 * the node's storage (the data directory by default), and the next activation takes it (reads and deletes it). One
 * node owns the address there, so no fencing is needed.
 */
export function parkedPersistence(storage: Storage, tenant: string, address: string): CellPersistence {
  const bucket = storage.bucket(PARKED_BUCKET);
  const key = [tenant, address];
  return {
    parkOnly: true,
    load: async () => {
      const stored = await bucket.get<CellSnapshot>(key);
      if (stored !== undefined) await bucket.delete(key);
      return stored;
    },
    save: (snapshot) => bucket.put(key, snapshot),
  };
}
