/**
 * LangGraph store matching rules: metadata filters on item values and namespace patterns
 * (prefix / suffix with `*` wildcards, max depth). Pure functions, shared by the store actor
 * and the reference model of its property test.
 */
import { ValidationError } from '../../../protocols/index.js';
import { compareKeys } from '../../../runtime/index.js';

/** Comparison operators a filter may use (the ones LangGraph's stores support). */
export const FILTER_OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte'] as const;
const OPS = new Set<string>(FILTER_OPERATORS);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep JSON equality (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** Throws `bad_request` for an operator LangGraph does not define, before any item is read. */
export function validateFilter(filter: Record<string, unknown>, path = 'filter'): void {
  for (const [k, v] of Object.entries(filter)) {
    if (k.startsWith('$') && !OPS.has(k))
      throw new ValidationError(`${path}: unsupported operator "${k}" (supported: ${FILTER_OPERATORS.join(', ')})`);
    if (isObject(v)) validateFilter(v, `${path}.${k}`);
  }
}

function order(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined; // incomparable: every ordering operator is false
}

function applyOperator(value: unknown, op: string, arg: unknown): boolean {
  if (op === '$eq') return jsonEqual(value, arg);
  if (op === '$ne') return !jsonEqual(value, arg);
  const c = order(value, arg);
  if (c === undefined) return false;
  if (op === '$gt') return c > 0;
  if (op === '$gte') return c >= 0;
  if (op === '$lt') return c < 0;
  return c <= 0; // $lte
}

/** LangGraph's value comparison: operators, nested objects field by field, arrays element-wise, else equality. */
export function compareValue(value: unknown, cond: unknown): boolean {
  if (isObject(cond)) {
    const keys = Object.keys(cond);
    if (keys.some((k) => k.startsWith('$'))) return keys.every((k) => applyOperator(value, k, cond[k]));
    if (!isObject(value)) return false;
    return keys.every((k) => compareValue(value[k], cond[k]));
  }
  if (Array.isArray(cond)) return Array.isArray(value) && value.length === cond.length && cond.every((c, i) => compareValue(value[i], c));
  return jsonEqual(value, cond);
}

/** True when every field of `filter` matches the item's value. */
export function matchesItemFilter(value: Record<string, unknown>, filter: Record<string, unknown> | null | undefined): boolean {
  if (filter === null || filter === undefined) return true;
  return Object.entries(filter).every(([k, cond]) => compareValue(value[k], cond));
}

/** LangGraph's namespace match: `prefix`/`suffix` label by label, `*` matching any one label. */
export function matchesPattern(ns: readonly string[], pattern: readonly string[], side: 'prefix' | 'suffix'): boolean {
  if (ns.length < pattern.length) return false;
  const off = side === 'prefix' ? 0 : ns.length - pattern.length;
  return pattern.every((p, i) => p === '*' || p === ns[off + i]);
}

/** True when `ns` starts with `prefix` exactly (search prefixes have no wildcards, as in LangGraph). */
export function hasNamespacePrefix(ns: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= ns.length && prefix.every((p, i) => p === ns[i]);
}

/** Lists namespaces as LangGraph does: match prefix and suffix, cut to `maxDepth` (deduplicated), sort, page. */
export function listNamespaces(
  all: Iterable<readonly string[]>,
  q: { prefix?: readonly string[] | null; suffix?: readonly string[] | null; maxDepth?: number | null; limit: number; offset: number },
): string[][] {
  const hits = new Map<string, string[]>();
  for (const ns of all) {
    if (q.prefix && !matchesPattern(ns, q.prefix, 'prefix')) continue;
    if (q.suffix && !matchesPattern(ns, q.suffix, 'suffix')) continue;
    const cut = q.maxDepth === null || q.maxDepth === undefined ? [...ns] : ns.slice(0, q.maxDepth);
    hits.set(JSON.stringify(cut), cut);
  }
  return [...hits.values()].sort(compareKeys).slice(q.offset, q.offset + q.limit);
}
