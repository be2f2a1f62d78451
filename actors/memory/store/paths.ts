/**
 * Field paths into JSON values, in LangGraph's index-field syntax: `$` (the whole value),
 * `a.b`, `a[0]`, `a[-1]`, `a[*].b`, `*` (every field or element) and `{a,b}` (several fields).
 * Used for the fields a namespace embeds and for the fields encrypted at rest.
 */
import { ValidationError } from '../../../protocols/index.js';

/** One step into a value: an object key or an array index. */
export type Step = string | number;
/** A concrete location inside a value (the empty location is the value itself). */
export type Location = readonly Step[];

/** Splits a path into tokens: names, `[i]` / `[*]`, `{a,b}`, `*`; `$` is the empty path. */
export function tokenizePath(path: string): string[] {
  if (path === '$' || path === '') return [];
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i] as string;
    if (c === '.') {
      if (cur !== '') out.push(cur);
      cur = '';
    } else if (c === '[' || c === '{') {
      if (cur !== '') out.push(cur);
      const close = path.indexOf(c === '[' ? ']' : '}', i);
      if (close < 0) throw new ValidationError(`field path "${path}" has an unclosed ${c}`);
      out.push(path.slice(i, close + 1));
      cur = '';
      i = close;
    } else {
      cur += c;
    }
  }
  if (cur !== '') out.push(cur);
  for (const t of out)
    if (t.startsWith('[') && t !== '[*]' && !/^\[-?\d+\]$/.test(t))
      throw new ValidationError(`field path "${path}": ${t} is not [*] or an integer index`);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function walk(value: unknown, tokens: readonly string[], pos: number, at: Step[], out: Location[]): void {
  if (pos >= tokens.length) {
    if (value !== undefined) out.push([...at]);
    return;
  }
  const t = tokens[pos] as string;
  if (t === '[*]' || (t === '*' && Array.isArray(value))) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, tokens, pos + 1, [...at, i], out));
  } else if (t.startsWith('[')) {
    if (!Array.isArray(value)) return;
    let i = Number(t.slice(1, -1));
    if (i < 0) i += value.length;
    if (i >= 0 && i < value.length) walk(value[i], tokens, pos + 1, [...at, i], out);
  } else if (t.startsWith('{')) {
    for (const f of t.slice(1, -1).split(',')) {
      const sub = tokenizePath(f.trim());
      if (sub.length > 0) walk(value, [...sub, ...tokens.slice(pos + 1)], 0, at, out);
    }
  } else if (t === '*') {
    if (isObject(value)) for (const [k, v] of Object.entries(value)) walk(v, tokens, pos + 1, [...at, k], out);
  } else if (isObject(value) && Object.hasOwn(value, t)) {
    walk(value[t], tokens, pos + 1, [...at, t], out);
  }
}

/** Every location `path` reaches in `value` (absent fields reach nothing). */
export function locate(value: unknown, path: string): Location[] {
  const out: Location[] = [];
  walk(value, tokenizePath(path), 0, [], out);
  return out;
}

/** The value at `loc`, or undefined. */
export function getAt(value: unknown, loc: Location): unknown {
  let v = value;
  for (const s of loc) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[s];
  }
  return v;
}

/** Sets the value at a non-empty `loc` inside `root` (mutates; the parents must exist). */
export function setAt(root: unknown, loc: Location, v: unknown): void {
  const parent = getAt(root, loc.slice(0, -1));
  const last = loc[loc.length - 1];
  if (parent === null || typeof parent !== 'object' || last === undefined) return;
  if (v === undefined && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[last as string];
  else (parent as Record<string | number, unknown>)[last] = v;
}

/** Drops locations inside another one of the list (encrypting the parent covers them). */
export function outermost(locs: readonly Location[]): Location[] {
  const key = (l: Location) => JSON.stringify(l);
  const seen = new Set(locs.map(key));
  const within = (l: Location) => l.some((_, i) => seen.has(key(l.slice(0, i))));
  const out: Location[] = [];
  const added = new Set<string>();
  for (const l of locs) {
    const k = key(l);
    if (!within(l) && !added.has(k)) {
      added.add(k);
      out.push(l);
    }
  }
  return out;
}

/** JSON with object keys sorted, so equal values give equal text (and equal embeddings). */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => stableJson(x ?? null)).join(',')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** The texts `path` selects in `value`, for embedding: strings as they are, other values as JSON. */
export function textsAt(value: unknown, path: string): string[] {
  const out: string[] = [];
  for (const loc of locate(value, path)) {
    const v = getAt(value, loc);
    if (v === null || v === undefined) continue;
    const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : stableJson(v);
    if (s.trim() !== '') out.push(s);
  }
  return out;
}
