/**
 * A template that is one plain path (`${input.text}`, `${steps.a.output}`) is read without CEL (actors/workflow/expr.ts):
 * for random JSON inputs, step views and paths, it gives what CEL gives, and fails where CEL fails.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileWorkflowExpr } from '../../config/index.js';
import { compileTemplate, toPlain, type ExprScope } from '../../actors/workflow/expr.js';

const key = fc.constantFrom('a', 'b', 'text', 'output', 'status', 'length', 'x_1');
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;
const view = fc.oneof(
  fc.record({ status: fc.constant('completed'), output: json }),
  fc.record({ status: fc.constantFrom('skipped', 'running', 'pending') }),
  fc.record({ status: fc.constant('failed'), error: fc.string() }),
);
const scope = fc.record({
  input: json,
  steps: fc.dictionary(fc.constantFrom('a', 'b', 'classify'), view, { maxKeys: 3 }),
  metadata: fc.dictionary(key, json, { maxKeys: 3 }),
});
const path = fc
  .tuple(
    fc.constantFrom('input', 'steps', 'metadata'),
    fc.array(fc.constantFrom('a', 'b', 'classify', 'text', 'output', 'status', 'length'), { maxLength: 4 }),
  )
  .map(([root, keys]) => [root, ...keys].join('.'));

/** The template's result through CEL alone, or the error it throws. */
function viaCel(expr: string, s: ExprScope): { ok: unknown } | { error: true } {
  try {
    return { ok: toPlain(compileWorkflowExpr(expr)(s as unknown as Record<string, unknown>)) };
  } catch {
    return { error: true };
  }
}

describe('plain-path templates', () => {
  it('read what CEL reads, and fail where it fails', () => {
    fc.assert(
      fc.property(scope, path, (s, p) => {
        const expected = viaCel(p, s);
        let got: { ok: unknown } | { error: true };
        try {
          got = { ok: compileTemplate(`\${${p}}`)(s) };
        } catch {
          got = { error: true };
        }
        expect(got).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('take the input of a step whose path exists at every depth', () => {
    const s: ExprScope = {
      input: { text: 'hi', n: 3, o: { a: [1, 2] } },
      steps: { c: { status: 'completed', output: { x: null } } },
      metadata: {},
    };
    expect(compileTemplate('${input.text}')(s)).toBe('hi');
    expect(compileTemplate('${ input . o }')(s)).toEqual({ a: [1, 2] });
    expect(compileTemplate('${steps.c.output.x}')(s)).toBeNull();
    expect(() => compileTemplate('${steps.d.output}')(s)).toThrow(/steps\.d\.output/);
  });
});
