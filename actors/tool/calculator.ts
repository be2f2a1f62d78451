/**
 * A small arithmetic language, parsed by recursive descent and evaluated on doubles — never
 * `eval` or `Function`. Grammar (lowest precedence first):
 *
 * ```
 * expr    := term (('+' | '-') term)*
 * term    := unary (('*' | '/' | '%') unary)*
 * unary   := ('-' | '+') unary | power
 * power   := primary ('^' unary)?          right-associative; -2^2 = -(2^2)
 * primary := number | constant | name '(' expr (',' expr)* ')' | '(' expr ')'
 * ```
 *
 * Numbers: `12`, `1.5`, `.5`, `1e-3`. Constants: `pi`, `e`. Functions: sqrt, abs, round,
 * floor, ceil, log (natural), exp (one argument); min, max (one or more). Every intermediate
 * value must be a finite real: division or `%` by zero, NaN (e.g. `sqrt(-1)`) and overflow
 * are errors, as are input over {@link MAX_EXPRESSION_LENGTH} characters or nesting deeper
 * than {@link MAX_DEPTH}.
 */
import { ValidationError } from '../../protocols/index.js';

/** Longest accepted expression, in characters. */
export const MAX_EXPRESSION_LENGTH = 1000;
/** Deepest accepted nesting of parentheses, calls and unary signs. */
export const MAX_DEPTH = 64;

/** A rejected expression (`bad_request`); `position` is the 0-based character offset when known. */
export class CalculatorError extends ValidationError {
  override name = 'CalculatorError';
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(position === undefined ? message : `${message} at position ${position}`);
  }
}

type Tok =
  | { kind: 'num'; value: number; text: string; pos: number }
  | { kind: 'name'; value: string; text: string; pos: number }
  | { kind: 'op'; value: string; text: string; pos: number }
  | { kind: 'end'; text: string; pos: number };

const CONSTANTS: ReadonlyMap<string, number> = new Map([
  ['pi', Math.PI],
  ['e', Math.E],
]);
// Maps, not object literals: `constructor` or `toString` must not resolve to anything.
const UNARY_FNS: ReadonlyMap<string, (x: number) => number> = new Map([
  ['sqrt', Math.sqrt],
  ['abs', Math.abs],
  ['round', Math.round],
  ['floor', Math.floor],
  ['ceil', Math.ceil],
  ['log', Math.log],
  ['exp', Math.exp],
]);
const VARIADIC_FNS: ReadonlyMap<string, (...xs: number[]) => number> = new Map([
  ['min', Math.min],
  ['max', Math.max],
]);

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (isDigit(c) || (c === '.' && isDigit(src[i + 1]))) {
      const start = i;
      while (isDigit(src[i])) i++;
      if (src[i] === '.') {
        i++;
        while (isDigit(src[i])) i++;
      }
      if (
        (src[i] === 'e' || src[i] === 'E') &&
        (isDigit(src[i + 1]) || ((src[i + 1] === '+' || src[i + 1] === '-') && isDigit(src[i + 2])))
      ) {
        i += 2;
        while (isDigit(src[i])) i++;
      }
      const value = Number(src.slice(start, i));
      if (!Number.isFinite(value)) throw new CalculatorError(`number ${src.slice(start, i)} is too large`, start);
      out.push({ kind: 'num', value, text: src.slice(start, i), pos: start });
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i] as string)) i++;
      out.push({ kind: 'name', value: src.slice(start, i).toLowerCase(), text: src.slice(start, i), pos: start });
    } else if ('+-*/%^(),'.includes(c)) {
      out.push({ kind: 'op', value: c, text: c, pos: i });
      i++;
    } else {
      throw new CalculatorError(`unexpected character ${JSON.stringify(c)}`, i);
    }
  }
  out.push({ kind: 'end', text: '', pos: src.length });
  return out;
}

function checked(v: number, what: string, pos: number): number {
  if (Number.isNaN(v)) throw new CalculatorError(`${what} is not a real number`, pos);
  if (!Number.isFinite(v)) throw new CalculatorError(`${what} overflows to ${v < 0 ? '-' : ''}infinity`, pos);
  return v;
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.i] as Tok;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === v;
  }
  private expect(v: string): void {
    if (!this.isOp(v)) throw this.unexpected(`expected '${v}'`);
    this.i++;
  }
  private unexpected(hint?: string): CalculatorError {
    const t = this.peek();
    const what = t.kind === 'end' ? 'unexpected end of expression' : `unexpected ${JSON.stringify(t.text)}`;
    return new CalculatorError(hint === undefined ? what : `${what} (${hint})`, t.pos);
  }
  private enter(pos: number): void {
    if (++this.depth > MAX_DEPTH) throw new CalculatorError(`expression nests deeper than ${MAX_DEPTH} levels`, pos);
  }

  parseAll(): number {
    if (this.peek().kind === 'end') throw new CalculatorError('empty expression');
    const v = this.expr();
    if (this.peek().kind !== 'end') throw this.unexpected('expected an operator or the end');
    return v;
  }

  private expr(): number {
    let v = this.term();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || (t.value !== '+' && t.value !== '-')) return v;
      this.i++;
      const r = this.term();
      v = checked(t.value === '+' ? v + r : v - r, t.value === '+' ? 'sum' : 'difference', t.pos);
    }
  }

  private term(): number {
    let v = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || (t.value !== '*' && t.value !== '/' && t.value !== '%')) return v;
      this.i++;
      const r = this.unary();
      if (t.value === '*') v = checked(v * r, 'product', t.pos);
      else if (r === 0) throw new CalculatorError(t.value === '/' ? 'division by zero' : 'modulo by zero', t.pos);
      else v = checked(t.value === '/' ? v / r : v % r, t.value === '/' ? 'quotient' : 'remainder', t.pos);
    }
  }

  private unary(): number {
    const t = this.peek();
    if (t.kind === 'op' && (t.value === '-' || t.value === '+')) {
      this.i++;
      this.enter(t.pos);
      const v = this.unary();
      this.depth--;
      return t.value === '-' ? -v : v;
    }
    return this.power();
  }

  private power(): number {
    const base = this.primary();
    const t = this.peek();
    if (t.kind !== 'op' || t.value !== '^') return base;
    this.i++;
    this.enter(t.pos);
    const exponent = this.unary();
    this.depth--;
    return checked(Math.pow(base, exponent), 'power', t.pos);
  }

  private primary(): number {
    const t = this.peek();
    if (t.kind === 'num') {
      this.i++;
      return t.value;
    }
    if (t.kind === 'op' && t.value === '(') {
      this.i++;
      this.enter(t.pos);
      const v = this.expr();
      this.expect(')');
      this.depth--;
      return v;
    }
    if (t.kind === 'name') {
      this.i++;
      if (!this.isOp('(')) {
        const c = CONSTANTS.get(t.value);
        if (c !== undefined) return c;
        if (UNARY_FNS.has(t.value) || VARIADIC_FNS.has(t.value))
          throw new CalculatorError(`function ${t.value} needs its arguments in parentheses`, t.pos);
        throw new CalculatorError(`unknown name ${JSON.stringify(t.value)} (constants: pi, e)`, t.pos);
      }
      return this.call(t.value, t.pos);
    }
    throw this.unexpected("expected a number, a name or '('");
  }

  private call(name: string, pos: number): number {
    const unary = UNARY_FNS.get(name);
    const variadic = VARIADIC_FNS.get(name);
    if (unary === undefined && variadic === undefined) {
      throw new CalculatorError(
        `unknown function ${JSON.stringify(name)} (functions: ${[...UNARY_FNS.keys(), ...VARIADIC_FNS.keys()].join(', ')})`,
        pos,
      );
    }
    this.expect('(');
    this.enter(pos);
    const args = [this.expr()];
    while (this.isOp(',')) {
      this.i++;
      args.push(this.expr());
    }
    this.expect(')');
    this.depth--;
    if (unary !== undefined) {
      if (args.length !== 1) throw new CalculatorError(`${name} takes 1 argument, got ${args.length}`, pos);
      return checked(unary(args[0] as number), `${name}(...)`, pos);
    }
    return checked((variadic as (...xs: number[]) => number)(...args), `${name}(...)`, pos);
  }
}

/** Evaluates an arithmetic expression; throws {@link CalculatorError} on bad input. */
export function evaluateExpression(expression: string): number {
  if (expression.length > MAX_EXPRESSION_LENGTH)
    throw new CalculatorError(`expression is too long: ${expression.length} characters > ${MAX_EXPRESSION_LENGTH}`);
  return new Parser(tokenize(expression)).parseAll();
}
