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

/** What a condition read without CEL gives when only CEL can answer (a missing key, another type: CEL's error or rule). */
const ASK_CEL = Symbol('ask CEL');
/** A part of a condition read without CEL: its value, or {@link ASK_CEL}. */
type Direct = (scope: ExprScope) => unknown;

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};
const STRING_TESTS: Readonly<Record<string, (s: string, x: string) => boolean>> = {
  contains: (s, x) => s.includes(x),
  startsWith: (s, x) => s.startsWith(x),
  endsWith: (s, x) => s.endsWith(x),
};

/**
 * A condition's tree read without CEL, when it is made only of paths from the scope's roots, string and bool
 * literals, `!`, `&&`, `||`, `==` and `!=` between two strings or two bools, and `contains`, `startsWith` and
 * `endsWith` of strings; undefined for any other tree. At run time any other value (a missing key, a number, a
 * list…) answers {@link ASK_CEL}, and CEL evaluates the whole condition: it decides what only it knows (errors,
 * conversions, short-circuits over errors). Every result it gives is CEL's (test/workflow/expr.property.test.ts).
 * CEL's interpreter checks the runtime type of each `dyn` value it reads: a condition costs it tens of µs per step.
 */
function direct(n: unknown): Direct | undefined {
  if (typeof n !== 'object' || n === null || !('op' in n) || !('args' in n)) return undefined;
  const { op, args } = n as { op: unknown; args: unknown };
  const pair = (): [Direct, Direct] | undefined => {
    if (!Array.isArray(args) || args.length !== 2) return undefined;
    const [a, b] = [direct(args[0]), direct(args[1])];
    return a === undefined || b === undefined ? undefined : [a, b];
  };
  switch (op) {
    case 'id':
      return args === 'input' || args === 'steps' || args === 'metadata' ? (s) => s[args] : undefined;
    case 'value':
      return typeof args === 'string' || typeof args === 'boolean' ? () => args : undefined;
    case '.': {
      if (!Array.isArray(args) || typeof args[1] !== 'string') return undefined;
      const of = direct(args[0]);
      const key = args[1];
      if (of === undefined) return undefined;
      return (s) => {
        const v = of(s);
        if (!isPlainObject(v) || !Object.hasOwn(v, key)) return ASK_CEL;
        const x = v[key];
        return x === undefined ? ASK_CEL : x;
      };
    }
    case '!_': {
      const of = direct(args);
      if (of === undefined) return undefined;
      return (s) => {
        const v = of(s);
        return typeof v === 'boolean' ? !v : ASK_CEL;
      };
    }
    case '&&':
    case '||': {
      const both = pair();
      if (both === undefined) return undefined;
      const [a, b] = both;
      return (s) => {
        const x = a(s);
        const y = b(s);
        if (typeof x !== 'boolean' || typeof y !== 'boolean') return ASK_CEL;
        return op === '&&' ? x && y : x || y;
      };
    }
    case '==':
    case '!=': {
      const both = pair();
      if (both === undefined) return undefined;
      const [a, b] = both;
      return (s) => {
        const x = a(s);
        const y = b(s);
        if (typeof x !== typeof y || (typeof x !== 'string' && typeof x !== 'boolean')) return ASK_CEL;
        return op === '==' ? x === y : x !== y;
      };
    }
    case 'rcall': {
      if (!Array.isArray(args) || typeof args[0] !== 'string' || !Array.isArray(args[2]) || args[2].length !== 1) return undefined;
      const test = Object.hasOwn(STRING_TESTS, args[0]) ? STRING_TESTS[args[0]] : undefined;
      const [of, arg] = [direct(args[1]), direct(args[2][0])];
      if (test === undefined || of === undefined || arg === undefined) return undefined;
      return (s) => {
        const v = of(s);
        const x = arg(s);
        if (typeof v !== 'string' || typeof x !== 'string' || !v.isWellFormed() || !x.isWellFormed()) return ASK_CEL;
        return test(v, x);
      };
    }
    default:
      return undefined;
  }
}

/** Compiles an `if` condition: true runs the step; a non-bool result is an error. */
export function compileCondition(expr: string): (scope: ExprScope) => boolean {
  const p = program(expr, 'bool');
  const read = direct(compileWorkflowExpr(expr, 'bool').ast);
  return (s) => {
    if (read !== undefined) {
      const v = read(s);
      if (typeof v === 'boolean') return v;
    }
    const r = p(s);
    if (typeof r !== 'boolean') throw new Error(`\${${expr}}: expected a bool, got ${typeof r}`);
    return r;
  };
}
