// Runtime side of workflow expressions (docs/workflows.md): `if` conditions and `${…}` templates compiled once per
// definition with config's CEL helper, evaluated over `{ input, steps, metadata }`. CEL integers come back as
// bigints; results are turned back into JSON values so step inputs and outputs stay plain data.
import { compileWorkflowExpr, splitTemplate } from '../../config/index.js';

/** What an expression reads: the run's input, every step's view, the run's metadata. */
export interface ExprScope {
  readonly input: unknown;
  readonly steps: Record<string, StepView>;
  readonly metadata: Record<string, unknown>;
}

/** A step as expressions see it: `output` only once completed, so `has(steps.x.output)` is false for skipped steps. */
export interface StepView {
  readonly status: string;
  readonly output?: unknown;
  readonly error?: string;
}

/** A compiled template: evaluates to a JSON value (throws an Error naming the expression when CEL fails). */
export type Template = (scope: ExprScope) => unknown;

/** Turns a CEL result into plain JSON data: bigints to numbers (or strings past 2^53), maps to objects. */
export function toPlain(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), toPlain(x)]));
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]));
  return v;
}

function program(expr: string, expect?: 'bool'): (scope: ExprScope) => unknown {
  const p = compileWorkflowExpr(expr, expect);
  return (scope) => {
    try {
      return p(scope as unknown as Record<string, unknown>);
    } catch (e) {
      throw new Error(`\${${expr}}: ${((e as Error).message || 'evaluation failed').split('\n')[0] ?? ''}`);
    }
  };
}

function text(v: unknown): string {
  const p = toPlain(v);
  return typeof p === 'string' ? p : (JSON.stringify(p) ?? 'null');
}

/** A dotted path of identifiers from a root of the scope (`input.text`, `steps.classify.output`): read without CEL. */
const PATH = /^\s*(input|steps|metadata)((?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*$/;

/**
 * The value at a plain path, or `MISSING` when a part is absent or not read from a plain object (then CEL evaluates it,
 * and its error names what is wrong). Same result as CEL where it answers (checked by test/workflow/expr.property.test.ts).
 */
const MISSING = Symbol('missing');
function pathReader(expr: string): ((scope: ExprScope) => unknown) | undefined {
  const m = PATH.exec(expr);
  if (m === null) return undefined;
  const root = m[1] as keyof ExprScope;
  const keys = (m[2] ?? '')
    .split('.')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  return (scope) => {
    let v: unknown = scope[root];
    for (const k of keys) {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, k)) return MISSING;
      v = (v as Record<string, unknown>)[k];
    }
    return v === undefined ? MISSING : v;
  };
}

/** Compiles a template value: a string that is one `${…}` keeps the value's type; other strings concatenate. */
export function compileTemplate(value: unknown): Template {
  if (typeof value === 'string') {
    const parts = splitTemplate(value);
    const [only] = parts;
    if (parts.length === 1 && only !== undefined && 'expr' in only) {
      const p = program(only.expr);
      // A step input is most often a plain path (`${input.text}`): read directly, CEL only when the path is not there.
      const read = pathReader(only.expr);
      if (read !== undefined)
        return (s) => {
          const v = read(s);
          return toPlain(v === MISSING ? p(s) : v);
        };
      return (s) => toPlain(p(s));
    }
    if (parts.every((x) => 'text' in x)) return () => value;
    const compiled = parts.map((x) => ('expr' in x ? program(x.expr) : () => x.text));
    return (s) => compiled.map((f) => text(f(s))).join('');
  }
  if (Array.isArray(value)) {
    const items = value.map(compileTemplate);
    return (s) => items.map((f) => f(s));
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [k, compileTemplate(v)] as const);
    return (s) => Object.fromEntries(entries.map(([k, f]) => [k, f(s)]));
  }
  return () => value;
}

/** Compiles an `if` condition: true runs the step; a non-bool result is an error. */
export function compileCondition(expr: string): (scope: ExprScope) => boolean {
  const p = program(expr, 'bool');
  return (s) => {
    const r = p(s);
    if (typeof r !== 'boolean') throw new Error(`\${${expr}}: expected a bool, got ${typeof r}`);
    return r;
  };
}
