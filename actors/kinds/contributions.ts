/**
 * What kinds give each other, made explicit: a kind that takes contributions declares a typed
 * key ({@link contributionKey}); a kind that gives adds values under it while the catalog is
 * being composed; the taker reads them when it is built. One object per catalog, no globals.
 */
import { TroupeError } from '../../protocols/index.js';

/** A typed slot of {@link Contributions}, declared by the kind that reads it. */
export interface ContributionKey<T> {
  readonly name: string;
  /** Carries `T` for the type checker only. */
  readonly _type?: T;
}

/** Declares a contribution slot; `name` shows in errors (e.g. `tool.functions`). */
export function contributionKey<T>(name: string): ContributionKey<T> {
  return { name };
}

/** Values kinds add for other kinds: open while kinds contribute, closed once they are built. */
export class Contributions {
  private readonly values = new Map<ContributionKey<unknown>, unknown[]>();
  private closed = false;

  /** Adds values under `key` (only during the contribute phase). */
  add<T>(key: ContributionKey<T>, ...values: T[]): void {
    if (this.closed) throw new TroupeError('internal', `contribution ${key.name} added after the kinds were built`);
    const list = this.values.get(key) ?? [];
    list.push(...values);
    this.values.set(key, list);
  }

  /** Everything added under `key`, in the order of the kind list. */
  get<T>(key: ContributionKey<T>): readonly T[] {
    return (this.values.get(key) ?? []) as T[];
  }

  /** Ends the contribute phase: later `add`s throw. */
  close(): void {
    this.closed = true;
  }
}
