// Workflow expressions (docs/workflows.md): `if` conditions and `${…}` templates are CEL over `input`, `steps` and
// `metadata`. Templates are split here, compiled with the shared CEL helper, and the step ids an expression reads
// are collected from its tree so the loader can refuse a reference to a step that cannot have run.
import type { ASTNode } from '@marcbachmann/cel-js';
import { celEnvironment, compileCel, type CelProgram } from './cel.js';

let env: ReturnType<typeof celEnvironment> | undefined;
const compiled = new Map<string, CelProgram>();

/** Compiles a workflow expression (a condition with `expect: 'bool'`), once per text; throws an Error saying what is wrong. */
export function compileWorkflowExpr(expression: string, expect?: 'bool'): CelProgram {
  const key = `${expect ?? ''}\u0000${expression}`;
  const hit = compiled.get(key);
  if (hit !== undefined) return hit;
  env ??= celEnvironment({ input: 'dyn', steps: 'map', metadata: 'map' });
  const p = compileCel(env, expression, expect);
  if (compiled.size >= 10_000) compiled.clear();
  compiled.set(key, p);
  return p;
}

/** One piece of a template string: literal text or a CEL expression. */
export type TemplatePart = { text: string } | { expr: string };

/**
 * Splits a string into literal text and `${…}` expressions (braces and quoted strings inside an expression are
 * skipped over, so `${ {'a': 1}['a'] }` is one expression). Throws on an unclosed or empty `${`.
 */
export function splitTemplate(s: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let i = 0;
  let text = '';
  while (i < s.length) {
    const at = s.indexOf('${', i);
    if (at < 0) {
      text += s.slice(i);
      break;
    }
    text += s.slice(i, at);
    let depth = 1;
    let j = at + 2;
    let quote: string | undefined;
    for (; j < s.length && depth > 0; j++) {
      const c = s[j];
      if (quote !== undefined) {
        if (c === '\\') j++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '{') depth++;
      else if (c === '}') depth--;
    }
    if (depth > 0) throw new Error(`unclosed "\${" at character ${at}`);
    const expr = s.slice(at + 2, j - 1).trim();
    if (expr === '') throw new Error(`empty "\${}" at character ${at}`);
    if (text !== '') parts.push({ text });
    text = '';
    parts.push({ expr });
    i = j;
  }
  if (text !== '') parts.push({ text });
  return parts;
}

/** Every `${…}` expression in a template value (strings at any depth of objects and arrays), with its JSON path. */
export function templateExpressions(value: unknown, path: (string | number)[] = []): { expr: string; path: (string | number)[] }[] {
  if (typeof value === 'string') return splitTemplate(value).flatMap((p) => ('expr' in p ? [{ expr: p.expr, path }] : []));
  if (Array.isArray(value)) return value.flatMap((v, i) => templateExpressions(v, [...path, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => templateExpressions(v, [...path, k]));
  return [];
}

type Node = { op: string; args: unknown };

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && 'op' in v && 'args' in v;
}

function isStepsId(v: unknown): boolean {
  return isNode(v) && v.op === 'id' && v.args === 'steps';
}

/**
 * The step ids an expression reads (`steps.x…`, `steps['x']…`) and the input fields (`input.x`). `dynamic` is true
 * when it indexes `steps` with a computed key or reads `steps` whole: then which steps it reads cannot be known.
 */
export function stepReferences(ast: ASTNode): { ids: Set<string>; dynamic: boolean; inputs: Set<string> } {
  const ids = new Set<string>();
  const inputs = new Set<string>();
  let dynamic = false;
  const seen = new Set<unknown>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (!isNode(v) || seen.has(v)) return;
    seen.add(v);
    const args = v.args;
    if ((v.op === '.' || v.op === '.?') && Array.isArray(args) && isStepsId(args[0]) && typeof args[1] === 'string') {
      ids.add(args[1]);
      return;
    }
    if ((v.op === '.' || v.op === '.?') && Array.isArray(args) && isNode(args[0]) && args[0].op === 'id' && args[0].args === 'input') {
      if (typeof args[1] === 'string') inputs.add(args[1]);
      return;
    }
    if ((v.op === '[]' || v.op === '[?]') && Array.isArray(args) && isStepsId(args[0])) {
      const key: unknown = args[1];
      if (isNode(key) && key.op === 'value' && typeof key.args === 'string') ids.add(key.args);
      else dynamic = true;
      visit(key);
      return;
    }
    if (isStepsId(v)) {
      dynamic = true;
      return;
    }
    if (Array.isArray(args)) for (const a of args) visit(a);
    else visit(args);
  };
  visit(ast);
  return { ids, dynamic, inputs };
}
