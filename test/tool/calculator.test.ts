/** The calculator: a property against a reference evaluator over expression trees, and rejections. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalculatorError, TOOL_CALL, calculatorTool, evaluateExpression, spawnTool, type ToolCallResult } from '../../actors/tool/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';

type Expr =
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'const'; readonly name: 'pi' | 'e' }
  | { readonly k: 'neg'; readonly a: Expr }
  | { readonly k: 'bin'; readonly op: '+' | '-' | '*' | '/' | '%' | '^'; readonly a: Expr; readonly b: Expr }
  | { readonly k: 'fn'; readonly name: 'sqrt' | 'abs' | 'round' | 'floor' | 'ceil' | 'log' | 'exp'; readonly a: Expr }
  | { readonly k: 'minmax'; readonly name: 'min' | 'max'; readonly args: readonly Expr[] };

class RefError extends Error {}

/** Reference semantics: IEEE doubles, every operation's result must be finite, no division by zero. */
function refEval(e: Expr): number {
  const fin = (v: number): number => {
    if (!Number.isFinite(v)) throw new RefError('not finite');
    return v;
  };
  switch (e.k) {
    case 'num':
      return e.v;
    case 'const':
      return e.name === 'pi' ? Math.PI : Math.E;
    case 'neg':
      return -refEval(e.a);
    case 'fn':
      return fin(Math[e.name](refEval(e.a)));
    case 'minmax': {
      const xs = e.args.map(refEval);
      return fin(e.name === 'min' ? Math.min(...xs) : Math.max(...xs));
    }
    case 'bin': {
      const a = refEval(e.a);
      const b = refEval(e.b);
      switch (e.op) {
        case '+':
          return fin(a + b);
        case '-':
          return fin(a - b);
        case '*':
          return fin(a * b);
        case '/':
          if (b === 0) throw new RefError('division by zero');
          return fin(a / b);
        case '%':
          if (b === 0) throw new RefError('modulo by zero');
          return fin(a % b);
        case '^':
          return fin(Math.pow(a, b));
      }
    }
  }
}

const PREC = { '+': 1, '-': 1, '*': 2, '/': 2, '%': 2, '^': 4 } as const;
function prec(e: Expr): number {
  if (e.k === 'bin') return PREC[e.op];
  return e.k === 'neg' ? 3 : 5;
}

/** Every operation in parentheses, spaced. */
function printFull(e: Expr): string {
  switch (e.k) {
    case 'num':
      return String(e.v);
    case 'const':
      return e.name;
    case 'neg':
      return `(-(${printFull(e.a)}))`;
    case 'fn':
      return `${e.name}(${printFull(e.a)})`;
    case 'minmax':
      return `${e.name}(${e.args.map(printFull).join(', ')})`;
    case 'bin':
      return `(${printFull(e.a)} ${e.op} ${printFull(e.b)})`;
  }
}

/** Only the parentheses precedence and associativity need, unspaced. */
function printMin(e: Expr): string {
  const wrap = (x: Expr, needed: boolean): string => (needed ? `(${printMin(x)})` : printMin(x));
  switch (e.k) {
    case 'num':
    case 'const':
      return printFull(e);
    case 'fn':
      return `${e.name}(${printMin(e.a)})`;
    case 'minmax':
      return `${e.name}(${e.args.map(printMin).join(',')})`;
    case 'neg':
      return `-${wrap(e.a, prec(e.a) < 3)}`;
    case 'bin': {
      const p = PREC[e.op];
      if (e.op === '^') return `${wrap(e.a, prec(e.a) <= 4)}^${wrap(e.b, prec(e.b) < 3)}`;
      return `${wrap(e.a, prec(e.a) < p)}${e.op}${wrap(e.b, prec(e.b) <= p)}`;
    }
  }
}

const leaf: fc.Arbitrary<Expr> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 20 }).map((v): Expr => ({ k: 'num', v })) },
  {
    weight: 2,
    arbitrary: fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((v): Expr => ({ k: 'num', v: Math.abs(v) })),
  },
  { weight: 1, arbitrary: fc.constantFrom<'pi' | 'e'>('pi', 'e').map((name): Expr => ({ k: 'const', name })) },
);

const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { maxDepth: 5, depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ k: fc.constant('neg' as const), a: tie('expr') }),
    fc.record({ k: fc.constant('bin' as const), op: fc.constantFrom('+', '-', '*', '/', '%', '^'), a: tie('expr'), b: tie('expr') }),
    fc.record({
      k: fc.constant('fn' as const),
      name: fc.constantFrom('sqrt', 'abs', 'round', 'floor', 'ceil', 'log', 'exp'),
      a: tie('expr'),
    }),
    fc.record({
      k: fc.constant('minmax' as const),
      name: fc.constantFrom('min', 'max'),
      args: fc.array(tie('expr'), { minLength: 1, maxLength: 3 }),
    }),
  ),
}));

function outcome(f: () => number): { ok: true; v: number } | { ok: false } {
  try {
    return { ok: true, v: f() };
  } catch (e) {
    if (e instanceof RefError || e instanceof CalculatorError) return { ok: false };
    throw e;
  }
}

describe('calculator', () => {
  it('agrees with the reference evaluator on generated expressions (full and minimal parentheses)', () => {
    fc.assert(
      fc.property(expr, (e) => {
        const want = outcome(() => refEval(e));
        for (const src of [printFull(e), printMin(e)]) {
          fc.pre(src.length <= 1000);
          expect({ src, ...outcome(() => evaluateExpression(src)) }).toEqual({ src, ...want });
        }
      }),
      { numRuns: 1500 },
    );
  });

  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['7 - 2 - 1', 4],
    ['8 / 4 / 2', 1],
    ['2 ^ 3 ^ 2', 512],
    ['-2 ^ 2', -4],
    ['(-2) ^ 2', 4],
    ['2 ^ -1', 0.5],
    ['10 % 4', 2],
    ['-7 % 3', -1],
    ['sqrt(16) + abs(-3)', 7],
    ['min(3, 1, 2) + max(1, 5)', 6],
    ['round(2.5) + floor(-1.5) + ceil(1.2)', 3],
    ['log(e) + exp(0)', 2],
    ['PI', Math.PI],
    ['.5 + 1e-3 + 2E2', 200.501],
    ['--3', 3],
    ['+4', 4],
  ])('%s = %d', (src, value) => {
    expect(evaluateExpression(src)).toBeCloseTo(value, 12);
  });

  it.each([
    ['', /empty expression/],
    ['   ', /empty expression/],
    ['2 +', /unexpected end of expression/],
    ['(1 + 2', /expected '\)'/],
    ['1 + 2)', /unexpected "\)" .*at position 5/],
    ['2 3', /unexpected "3"/],
    ['1..2', /unexpected "\.2" \(expected an operator or the end\) at position 2/],
    ['2 $ 3', /unexpected character "\$" at position 2/],
    ['1 / 0', /division by zero at position 2/],
    ['1 / (2 - 2)', /division by zero/],
    ['5 % 0', /modulo by zero/],
    ['sqrt(-1)', /sqrt\(\.\.\.\) is not a real number/],
    ['log(0)', /log\(\.\.\.\) overflows to -infinity/],
    ['10 ^ 400', /power overflows to infinity at position 3/],
    ['1e400', /number 1e400 is too large/],
    ['foo', /unknown name "foo"/],
    ['foo(1)', /unknown function "foo"/],
    ['constructor', /unknown name "constructor"/],
    ['toString(1)', /unknown function "tostring"/],
    ['__proto__', /unknown name/],
    ['sqrt', /needs its arguments in parentheses/],
    ['sqrt(1, 2)', /sqrt takes 1 argument, got 2/],
    ['min()', /unexpected "\)"/],
    ['process.exit(1)', /unexpected character "\."/],
    ['eval("1")', /unexpected character/],
    ['1'.repeat(1001), /too long: 1001 characters > 1000/],
    [`${'('.repeat(100)}1${')'.repeat(100)}`, /nests deeper than 64/],
    [`${'-'.repeat(100)}1`, /nests deeper than 64/],
  ])('rejects %j', (src, why) => {
    expect(() => evaluateExpression(src)).toThrow(CalculatorError);
    expect(() => evaluateExpression(src)).toThrow(why);
  });
});

describe('calculator tool', () => {
  let system: ActorSystem;
  beforeAll(async () => {
    system = await createSystem();
    await spawnTool(system, calculatorTool);
  });
  afterAll(() => system.shutdown());
  const call = (expression: unknown): Promise<ToolCallResult> =>
    system.ref('tool/calculator').ask<ToolCallResult>(TOOL_CALL, { name: 'calculator', arguments: { expression } });

  it('answers the value as text and structuredContent', async () => {
    expect(await call('(2 + 3) * sqrt(16) / 2^3')).toEqual({
      content: [{ type: 'text', text: '{"expression":"(2 + 3) * sqrt(16) / 2^3","value":2.5}' }],
      structuredContent: { expression: '(2 + 3) * sqrt(16) / 2^3', value: 2.5 },
    });
  });

  it('answers clear error results for bad input', async () => {
    expect(await call('1 / 0')).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'cannot evaluate: division by zero at position 2' }],
    });
    const long = await call('1+'.repeat(600) + '1');
    expect(long.isError).toBe(true);
    expect(long.content[0]).toMatchObject({ text: expect.stringMatching(/expression: Too big|too_big|at most 1000|1000/i) as unknown });
    expect((await call(42)).isError).toBe(true);
  });
});
