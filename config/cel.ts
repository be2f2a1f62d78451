// One place that builds CEL environments and compiles expressions (`@marcbachmann/cel-js`): business rules, guardrail
// conditions and workflow conditions and `${…}` expressions all parse, type-check and report errors the same way.
import { Environment, type ASTNode } from '@marcbachmann/cel-js';

/** A CEL variable type as the library names it (`string`, `map`, `list`, `dyn`, …). */
export type CelType = 'string' | 'int' | 'double' | 'bool' | 'map' | 'list' | 'dyn';

/** A compiled CEL expression: call it with the variables; its parsed tree is kept for static checks. */
export type CelProgram = ((vars: Record<string, unknown>) => unknown) & { readonly ast: ASTNode };

/** A CEL environment declaring exactly `variables` (anything else is an error at check time), with size limits. */
export function celEnvironment(variables: Readonly<Record<string, CelType>>): Environment {
  let env = new Environment({ unlistedVariablesAreDyn: false, limits: { maxAstNodes: 2_000, maxDepth: 40 } });
  for (const [name, type] of Object.entries(variables)) env = env.registerVariable(name, type);
  return env;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/**
 * Parses and type-checks `expression` in `env`; with `expect: 'bool'` the result must be a bool (or dyn).
 * Throws an Error whose message says what is wrong (the caller adds which rule, step or field).
 */
export function compileCel(env: Environment, expression: string, expect?: 'bool'): CelProgram {
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = env.parse(expression);
  } catch (e) {
    throw new Error(firstLine((e as Error).message || 'invalid expression'));
  }
  const checked = parsed.check();
  if (!checked.valid) throw new Error(firstLine(checked.error?.message ?? 'invalid expression'));
  if (expect === 'bool' && checked.type !== 'bool' && checked.type !== 'dyn')
    throw new Error(`the condition is a ${checked.type}, not a bool`);
  return parsed as CelProgram;
}
