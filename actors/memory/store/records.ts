/**
 * How the long-term store lays out one tenant in the `store` bucket of `system.storage`
 * (docs/memory.md). A namespace is one key segment, its labels joined by `.` (labels cannot
 * contain dots), so one namespace's items are one prefix listing:
 *   [tenant, 'i', ns, key]            → {@link StoredItem}
 *   [tenant, 'n', ns]                 → { namespace } while the namespace holds an item
 *   [tenant, 'x', expiresAt, ns, key] → 1: the TTL sweeper's queue, in expiry order
 *   [tenant, 'v', ns, key]            → {@link StoredVectors}: the item's embeddings
 */
import { seqKey, type StorageKey } from '../../../runtime/index.js';
import type { StoreItem } from '../../../protocols/index.js';
import type { Step } from './paths.js';

/** Bucket holding every tenant's long-term store. */
export const STORE_BUCKET = 'store';

/** An item as stored. Times are epoch ms; `value` holds sealed fields where `enc` says. */
export interface StoredItem {
  readonly namespace: string[];
  readonly key: string;
  readonly value: unknown;
  readonly created: number;
  readonly updated: number;
  /** TTL in minutes (refreshed reads push `expires` out by this much). */
  readonly ttl?: number;
  expires?: number;
  /** The put's `index` argument: false (not indexed) or field paths; absent = the namespace's fields. */
  readonly index?: false | string[];
  /** Locations of sealed (encrypted) fields; `[]` alone means the whole value. */
  readonly enc?: Step[][];
  /** True when vectors were stored for the item (so deleting it deletes them, with or without an embedder). */
  vec?: true;
}

/** An item's embeddings: the embedder that made them and one vector per embedded text. */
export interface StoredVectors {
  readonly model: string;
  readonly vectors: Uint8Array[];
}

/** The namespace's key segment. */
export const nsSegment = (namespace: readonly string[]): string => namespace.join('.');

/** Key of an item. */
export const itemKey = (tenant: string, ns: string, key: string): StorageKey => [tenant, 'i', ns, key];
/** Prefix of a namespace's items. */
export const itemPrefix = (tenant: string, ns: string): StorageKey => [tenant, 'i', ns];
/** Key of a namespace marker. */
export const nsKey = (tenant: string, ns: string): StorageKey => [tenant, 'n', ns];
/** Prefix of every namespace marker. */
export const nsPrefix = (tenant: string): StorageKey => [tenant, 'n'];
/** Key of an expiry entry. */
export const ttlKey = (tenant: string, expires: number, ns: string, key: string): StorageKey => [tenant, 'x', seqKey(expires), ns, key];
/** Prefix of the expiry queue. */
export const ttlPrefix = (tenant: string): StorageKey => [tenant, 'x'];
/** Key of an item's vectors. */
export const vecKey = (tenant: string, ns: string, key: string): StorageKey => [tenant, 'v', ns, key];
/** Prefix of every item's vectors. */
export const vecPrefix = (tenant: string): StorageKey => [tenant, 'v'];

/** True when the item's TTL has run out at `now`. */
export function isExpired(item: StoredItem, now: number): boolean {
  return item.expires !== undefined && item.expires <= now;
}

/** The API shape of an item with its (decrypted) value. */
export function toApiItem(item: StoredItem, value: Record<string, unknown>): StoreItem {
  return {
    namespace: [...item.namespace],
    key: item.key,
    value,
    created_at: new Date(item.created).toISOString(),
    updated_at: new Date(item.updated).toISOString(),
  };
}
