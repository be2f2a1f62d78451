/**
 * Cell persistence: what a cell snapshots, and the fenced store a single activation saves it to.
 * A clustered transport gives each activation a lease epoch; loading re-writes the snapshot under
 * that epoch, so an older owner that still runs is refused on its next save and ends itself.
 */
import { ConflictError } from '../protocols/index.js';
import type { StateStore } from './cluster.js';

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
