/**
 * What any value arriving from outside (an HTTP body, a query string, a WebSocket frame, an A2A or
 * MCP message, an envelope from another node) must satisfy before it reaches an actor: bounded
 * nesting, no unpaired UTF-16 surrogates (they cannot be stored or sent as UTF-8), no object keys
 * that reach prototypes (`__proto__`, `constructor`, `prototype`), bounded sizes. A value that
 * fails is the sender's error, answered 4xx / a typed error frame (ADR 0015).
 */
import { ValidationError } from './errors.js';

/** Limits of {@link inspectWireValue}. */
export interface WireLimits {
  /** Deepest nesting of arrays and objects (the value itself is depth 0). */
  readonly maxDepth: number;
  /** Most array items plus object keys in the whole value. */
  readonly maxNodes: number;
  /** Longest string (or key), in UTF-16 code units. */
  readonly maxStringLength: number;
}

/**
 * Limits for values clients send. The depth leaves room below the codec's 64 for the records
 * that wrap a client value in storage and on the wire (store items, run events, envelopes).
 */
export const CLIENT_LIMITS: WireLimits = Object.freeze({ maxDepth: 32, maxNodes: 200_000, maxStringLength: 16 * 1024 * 1024 });

/** Object keys refused everywhere: assigning them reaches or replaces a prototype. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** What is wrong with a value, and where (`$.a.b[2]`). */
export interface WireProblem {
  readonly path: string;
  readonly problem: 'too_deep' | 'too_many_nodes' | 'string_too_long' | 'unpaired_surrogate' | 'forbidden_key' | 'unsupported_type';
  readonly message: string;
}

function keyPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key.isWellFormed() ? key.slice(0, 40) : '?')}]`;
}

/**
 * The first problem of a JSON-like value (null, booleans, numbers, strings, arrays, plain
 * objects), or undefined when it is fine. Iterative: a hostile nesting cannot exhaust the stack.
 */
export function inspectWireValue(value: unknown, limits: WireLimits = CLIENT_LIMITS): WireProblem | undefined {
  const stack: { v: unknown; depth: number; path: string }[] = [{ v: value, depth: 0, path: '$' }];
  let nodes = 0;
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop() as { v: unknown; depth: number; path: string };
    switch (typeof v) {
      case 'string':
        if (v.length > limits.maxStringLength)
          return { path, problem: 'string_too_long', message: `string at ${path} is longer than ${limits.maxStringLength} characters` };
        if (!v.isWellFormed())
          return { path, problem: 'unpaired_surrogate', message: `string at ${path} contains an unpaired UTF-16 surrogate` };
        continue;
      case 'number':
      case 'boolean':
      case 'undefined':
        continue;
      case 'object':
        break;
      default:
        return { path, problem: 'unsupported_type', message: `a ${typeof v} at ${path} is not a JSON value` };
    }
    if (v === null) continue;
    if (depth >= limits.maxDepth)
      return { path, problem: 'too_deep', message: `value nested deeper than ${limits.maxDepth} levels at ${path}` };
    if (Array.isArray(v)) {
      nodes += v.length;
      if (nodes > limits.maxNodes)
        return { path, problem: 'too_many_nodes', message: `value has more than ${limits.maxNodes} items and keys` };
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], depth: depth + 1, path: `${path}[${i}]` });
      continue;
    }
    if (v instanceof Uint8Array || v instanceof Date) continue;
    const keys = Object.keys(v);
    nodes += keys.length;
    if (nodes > limits.maxNodes)
      return { path, problem: 'too_many_nodes', message: `value has more than ${limits.maxNodes} items and keys` };
    for (const k of keys) {
      if (FORBIDDEN_KEYS.has(k))
        return { path: keyPath(path, k), problem: 'forbidden_key', message: `key ${JSON.stringify(k)} at ${path} is not allowed` };
      if (k.length > limits.maxStringLength)
        return { path, problem: 'string_too_long', message: `a key at ${path} is longer than ${limits.maxStringLength} characters` };
      if (!k.isWellFormed())
        return { path, problem: 'unpaired_surrogate', message: `a key at ${path} contains an unpaired UTF-16 surrogate` };
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i] as string;
      stack.push({ v: (v as Record<string, unknown>)[k], depth: depth + 1, path: keyPath(path, k) });
    }
  }
  return undefined;
}

/** Throws a `bad_request` {@link ValidationError} naming the first problem of `value` (`what`: e.g. "request body"). */
export function assertWireValue(value: unknown, what: string, limits: WireLimits = CLIENT_LIMITS): void {
  const p = inspectWireValue(value, limits);
  if (p !== undefined) throw new ValidationError(`${what}: ${p.message}`, { details: { path: p.path, problem: p.problem } });
}

/**
 * Parses JSON text and checks it with {@link assertWireValue}. Malformed JSON, and JSON nested
 * too deep for the parser itself, are `bad_request` too.
 */
export function parseWireJson(text: string, what: string, limits: WireLimits = CLIENT_LIMITS): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ValidationError(`${what} is not valid JSON: ${(e as Error).message.slice(0, 200)}`);
  }
  assertWireValue(value, what, limits);
  return value;
}
