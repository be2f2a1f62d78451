/**
 * Metadata filters for retrieval: `{ field: value }` for equality, or an operator object
 * (`$eq $ne $in $nin $gt $gte $lt $lte $exists`). All fields must match (AND). A field whose
 * value is an array matches `$eq`/`$in` when any element does.
 */
import { z } from 'zod';

/** A metadata value: a scalar or an array of scalars. */
export type MetadataValue = string | number | boolean | null | readonly (string | number | boolean)[];
/** Metadata of a document (and of each of its chunks). */
export type Metadata = Readonly<Record<string, MetadataValue>>;

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/** Schema of one metadata value. */
export const metadataValueSchema = z.union([scalar, z.array(z.union([z.string(), z.number(), z.boolean()])).max(256)]);
/** Schema of metadata. */
export const metadataSchema = z.record(z.string().min(1).max(128), metadataValueSchema);

const ops = z.strictObject({
  $eq: scalar.optional(),
  $ne: scalar.optional(),
  $in: z.array(scalar).max(1000).optional(),
  $nin: z.array(scalar).max(1000).optional(),
  $gt: z.union([z.number(), z.string()]).optional(),
  $gte: z.union([z.number(), z.string()]).optional(),
  $lt: z.union([z.number(), z.string()]).optional(),
  $lte: z.union([z.number(), z.string()]).optional(),
  $exists: z.boolean().optional(),
});
/** Schema of a filter. */
export const filterSchema = z.record(z.string().min(1).max(128), z.union([scalar, ops]));
/** A parsed filter. */
export type MetadataFilter = z.infer<typeof filterSchema>;

type Scalar = string | number | boolean | null;

function anyOf(v: MetadataValue | undefined, pred: (x: Scalar) => boolean): boolean {
  if (v === undefined) return false;
  return Array.isArray(v) ? v.some(pred) : pred(v as Scalar);
}

function cmp(v: MetadataValue | undefined, bound: number | string, ok: (c: number) => boolean): boolean {
  return anyOf(v, (x) => typeof x === typeof bound && ok(x! < bound ? -1 : x! > bound ? 1 : 0));
}

/** True when `metadata` satisfies every clause of `filter`. */
export function matchesFilter(metadata: Metadata, filter: MetadataFilter | undefined): boolean {
  if (filter === undefined) return true;
  for (const [field, clause] of Object.entries(filter)) {
    const v = metadata[field];
    if (clause === null || typeof clause !== 'object') {
      if (!anyOf(v, (x) => x === clause)) return false;
      continue;
    }
    if (clause.$exists !== undefined && (v !== undefined) !== clause.$exists) return false;
    if (clause.$eq !== undefined && !anyOf(v, (x) => x === clause.$eq)) return false;
    if (clause.$ne !== undefined && anyOf(v, (x) => x === clause.$ne)) return false;
    if (clause.$in !== undefined && !anyOf(v, (x) => clause.$in!.includes(x))) return false;
    if (clause.$nin !== undefined && anyOf(v, (x) => clause.$nin!.includes(x))) return false;
    if (clause.$gt !== undefined && !cmp(v, clause.$gt, (c) => c > 0)) return false;
    if (clause.$gte !== undefined && !cmp(v, clause.$gte, (c) => c >= 0)) return false;
    if (clause.$lt !== undefined && !cmp(v, clause.$lt, (c) => c < 0)) return false;
    if (clause.$lte !== undefined && !cmp(v, clause.$lte, (c) => c <= 0)) return false;
  }
  return true;
}

/** Reciprocal rank fusion: each list adds `1 / (k + rank)` (rank from 1) to an id's score. */
export function reciprocalRankFusion(lists: readonly (readonly { readonly id: string }[])[], k = 60): { id: string; score: number }[] {
  const scores = new Map<string, number>();
  for (const list of lists) list.forEach((h, i) => scores.set(h.id, (scores.get(h.id) ?? 0) + 1 / (k + i + 1)));
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}
