/**
 * What actors/workflow/expr.ts reads without CEL gives what CEL gives, and fails where CEL fails, for random JSON
 * inputs, step views and expressions: a template that is one plain path (`${input.text}`, `${steps.a.output}`), and a
 * condition of paths, string and bool literals, `!`, `&&`, `||`, `==`, `!=`, `contains`, `startsWith`, `endsWith`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileWorkflowExpr } from '../../config/index.js';
import { compileCondition, compileTemplate, toPlain, type ExprScope } from '../../actors/workflow/expr.js';

const key = fc.constantFrom('a', 'b', 'text', 'output', 'status', 'length', 'x_1');
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.constantFrom('bill', 'my bill is wrong', 'b', ''),
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
    fc.array(fc.constantFrom('a', 'b', 'classify', 'text', 'output', 'status', 'length', 'constructor'), { maxLength: 4 }),
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

/** A condition over the scope: the forms read without CEL, mixed with a few it leaves to CEL (numbers, `has`, `size`). */
const word = fc.constantFrom("'bill'", "'b'", "''", "'my bill'", 'true', 'false');
const condition: fc.Arbitrary<string> = fc.letrec<{ c: string; v: string }>((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, path, word, fc.constant('3'), fc.constant('size(input)')),
  c: fc.oneof(
    { depthSize: 'small' },
    fc.tuple(tie('v'), fc.constantFrom('contains', 'startsWith', 'endsWith'), tie('v')).map(([a, f, b]) => `${a}.${f}(${b})`),
    fc.tuple(tie('v'), fc.constantFrom('==', '!='), tie('v')).map(([a, o, b]) => `${a} ${o} ${b}`),
    tie('v'),
    path.map((p) => `has(${p})`),
    tie('c').map((c) => `!(${c})`),
    fc.tuple(tie('c'), fc.constantFrom('&&', '||'), tie('c')).map(([a, o, b]) => `(${a}) ${o} (${b})`),
  ),
})).c;

describe('conditions', () => {
  it('answer what CEL answers, and fail where it fails', () => {
    let compiled = 0;
    fc.assert(
      fc.property(scope, condition, (s, c) => {
        let cel: (v: Record<string, unknown>) => unknown;
        let cond: (v: ExprScope) => boolean;
        try {
          cel = compileWorkflowExpr(c, 'bool');
          cond = compileCondition(c);
        } catch {
          return; // refused at load (a type error): never evaluated
        }
        compiled++;
        let expected: { ok: unknown } | { error: true };
        try {
          const r = cel(s as unknown as Record<string, unknown>);
          expected = typeof r === 'boolean' ? { ok: r } : { error: true };
        } catch {
          expected = { error: true };
        }
        let got: { ok: unknown } | { error: true };
        try {
          got = { ok: cond(s) };
        } catch {
          got = { error: true };
        }
        expect(got).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
    expect(compiled).toBeGreaterThan(1000);
  });

  it("read the issue's conditions on a step's output", () => {
    const s = (output: unknown): ExprScope => ({ input: {}, steps: { classify: { status: 'completed', output } }, metadata: {} });
    const bill = compileCondition("steps.classify.output.contains('bill')");
    const notBill = compileCondition("!steps.classify.output.contains('bill')");
    expect([bill(s('a bill')), notBill(s('a bill')), bill(s('hello')), notBill(s('hello'))]).toEqual([true, false, false, true]);
    expect(() => bill(s(3))).toThrow(/contains/);
    expect(() => bill({ input: {}, steps: { classify: { status: 'skipped' } }, metadata: {} })).toThrow(/output/);
  });
});
