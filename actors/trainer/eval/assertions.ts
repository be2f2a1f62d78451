/**
 * Assertions of evaluation suites, on what a case's run produced: its answer (`equals`, `contains`, `icontains`,
 * `contains-any`, `contains-all`, `starts-with`, `regex`, `is-json`, `contains-json`, `similar` with the offline
 * embedder, `llm-rubric` with a judge agent), its cost and latency, and its trajectory from the run's events
 * (`tool-used`, `tool-sequence`, `handoff`, `step-count`); `cel` takes a CEL expression over all of it. A `not-`
 * prefix negates any of them. Nothing is `eval`ed.
 */
import { celEnvironment, compileCel } from '../../../config/index.js';
import { isDeepStrictEqual } from 'node:util';
import type { Assertion, AssertionType } from './suite.js';

/** What one case's run produced. */
export interface CaseRun {
  readonly status: 'success' | 'error' | 'cancelled' | 'interrupted';
  readonly output: string;
  readonly error?: string;
  /** Tool calls in the order they were made. */
  readonly toolCalls: readonly { readonly name: string; readonly arguments: unknown }[];
  /** Agents the conversation was handed to, in order. */
  readonly handoffs: readonly string[];
  /** Model replies (steps) the run took. */
  readonly steps: number;
  readonly latencyMs: number;
  readonly costUsd: number;
  readonly runIds: readonly string[];
}

/** What assertions may need besides the run. */
export interface AssertContext {
  /** Cosine similarity of two texts with the offline embedder. */
  similarity?(a: string, b: string): Promise<number>;
  /** A judge's verdict on `output` against `rubric`. */
  judge?(
    rubric: string,
    output: string,
    vars: Readonly<Record<string, unknown>>,
  ): Promise<{ pass: boolean; score: number; reason: string }>;
}

/** One assertion's outcome. */
export interface AssertionResult {
  readonly type: string;
  readonly pass: boolean;
  readonly score: number;
  readonly reason: string;
  readonly weight: number;
  readonly metric?: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : v === undefined ? [] : [str(v)]);

/** The first JSON value (object or array) inside `text`, if any. */
export function findJson(text: string): unknown {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '{' && c !== '[') continue;
    const close = c === '{' ? '}' : ']';
    for (let j = text.lastIndexOf(close); j > i; j = text.lastIndexOf(close, j - 1)) {
      try {
        return JSON.parse(text.slice(i, j + 1));
      } catch {
        // a shorter candidate may parse
      }
    }
  }
  return undefined;
}

/** True when `sub` ⊆ `value`: every key of an object (recursively) and every item of an array found in it. */
function containsValue(value: unknown, sub: unknown): boolean {
  if (typeof sub !== 'object' || sub === null) return isDeepStrictEqual(value, sub);
  if (Array.isArray(sub)) return Array.isArray(value) && sub.every((s) => value.some((v) => containsValue(v, s)));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.entries(sub).every(([k, v]) => Object.hasOwn(value, k) && containsValue((value as Record<string, unknown>)[k], v));
}

let celEnv: ReturnType<typeof celEnvironment> | undefined;
const celCache = new Map<string, (vars: Record<string, unknown>) => unknown>();

/** Compiles a CEL assertion (cached; the shared compiler, config/cel.ts); throws naming what is wrong. */
export function compileEvalCel(expression: string): (vars: Record<string, unknown>) => unknown {
  const hit = celCache.get(expression);
  if (hit !== undefined) return hit;
  celEnv ??= celEnvironment({
    output: 'string',
    status: 'string',
    vars: 'map',
    tools: 'list',
    handoffs: 'list',
    steps: 'int',
    latency_ms: 'double',
    cost: 'double',
  });
  let f: (vars: Record<string, unknown>) => unknown;
  try {
    f = compileCel(celEnv, expression);
  } catch (e) {
    throw new Error(`cel: ${(e as Error).message}`);
  }
  celCache.set(expression, f);
  return f;
}

type Outcome = { pass: boolean; score?: number; reason: string };

async function check(
  type: AssertionType,
  a: Assertion,
  run: CaseRun,
  vars: Readonly<Record<string, unknown>>,
  ctx: AssertContext,
): Promise<Outcome> {
  const out = run.output;
  const value = a.value;
  const yes = (pass: boolean, reason: string): Outcome => ({ pass, reason });
  switch (type) {
    case 'equals':
      return yes(
        out.trim() === str(value).trim(),
        `output ${out.trim() === str(value).trim() ? 'equals' : 'differs from'} ${JSON.stringify(str(value))}`,
      );
    case 'contains':
      return yes(out.includes(str(value)), `output ${out.includes(str(value)) ? 'contains' : 'lacks'} ${JSON.stringify(str(value))}`);
    case 'icontains': {
      const hit = out.toLowerCase().includes(str(value).toLowerCase());
      return yes(hit, `output ${hit ? 'contains' : 'lacks'} ${JSON.stringify(str(value))} (any case)`);
    }
    case 'contains-any': {
      const hits = list(value).filter((v) => out.includes(v));
      return yes(hits.length > 0, hits.length > 0 ? `output contains ${JSON.stringify(hits[0])}` : 'output contains none of them');
    }
    case 'contains-all': {
      const missing = list(value).filter((v) => !out.includes(v));
      return yes(missing.length === 0, missing.length === 0 ? 'output contains all of them' : `output lacks ${JSON.stringify(missing)}`);
    }
    case 'starts-with':
      return yes(
        out.startsWith(str(value)),
        `output ${out.startsWith(str(value)) ? 'starts' : 'does not start'} with ${JSON.stringify(str(value))}`,
      );
    case 'regex': {
      const re = new RegExp(str(value));
      return yes(re.test(out), `output ${re.test(out) ? 'matches' : 'does not match'} /${str(value)}/`);
    }
    case 'is-json': {
      try {
        const parsed: unknown = JSON.parse(out);
        const ok = value === undefined || containsValue(parsed, value);
        return yes(ok, ok ? 'output is JSON' : 'output is JSON without the expected fields');
      } catch {
        return yes(false, 'output is not JSON');
      }
    }
    case 'contains-json': {
      const found = findJson(out);
      const ok = found !== undefined && (value === undefined || containsValue(found, value));
      return yes(
        ok,
        found === undefined ? 'output holds no JSON' : ok ? 'output holds the JSON' : 'output holds JSON without the expected fields',
      );
    }
    case 'similar': {
      if (ctx.similarity === undefined) throw new Error('similar needs an embedder');
      const threshold = a.threshold ?? 0.75;
      const scores = await Promise.all(list(value).map((v) => (ctx.similarity as NonNullable<AssertContext['similarity']>)(out, v)));
      const best = Math.max(...scores, 0);
      return {
        pass: best >= threshold,
        score: best,
        reason: `similarity ${best.toFixed(3)} ${best >= threshold ? '≥' : '<'} ${threshold}`,
      };
    }
    case 'llm-rubric': {
      if (ctx.judge === undefined) throw new Error('llm-rubric needs a judge agent');
      const v = await ctx.judge(str(value), out, vars);
      const pass = a.threshold === undefined ? v.pass : v.score >= a.threshold;
      return { pass, score: v.score, reason: `judge: ${v.reason}` };
    }
    case 'cost': {
      const max = a.threshold ?? Number(value);
      return yes(run.costUsd <= max, `cost $${run.costUsd.toFixed(6)} ${run.costUsd <= max ? '≤' : '>'} $${max}`);
    }
    case 'latency': {
      const max = a.threshold ?? Number(value);
      return yes(run.latencyMs <= max, `latency ${Math.round(run.latencyMs)} ms ${run.latencyMs <= max ? '≤' : '>'} ${max} ms`);
    }
    case 'tool-used': {
      const used = new Set(run.toolCalls.map((c) => c.name));
      const missing = list(value).filter((t) => !used.has(t));
      if (value === undefined) return yes(used.size > 0, used.size > 0 ? `tools used: ${[...used].join(', ')}` : 'no tool used');
      return yes(
        missing.length === 0,
        missing.length === 0
          ? `used ${list(value).join(', ')}`
          : `not used: ${missing.join(', ')} (used: ${[...used].join(', ') || 'none'})`,
      );
    }
    case 'tool-sequence': {
      // The expected tools in this order, other calls allowed between them.
      const want = list(value);
      let i = 0;
      for (const c of run.toolCalls) if (c.name === want[i]) i++;
      const names = run.toolCalls.map((c) => c.name).join(' → ') || 'none';
      return yes(i === want.length, `${i === want.length ? 'called' : 'did not call'} ${want.join(' → ')} in order (calls: ${names})`);
    }
    case 'handoff': {
      const ok = value === undefined ? run.handoffs.length > 0 : run.handoffs.includes(str(value));
      return yes(ok, `handoffs: ${run.handoffs.join(', ') || 'none'}`);
    }
    case 'step-count': {
      const v = value as { min?: number; max?: number } | number | undefined;
      const min = typeof v === 'number' ? v : (v?.min ?? 0);
      const max = typeof v === 'number' ? v : (v?.max ?? a.threshold ?? Number.POSITIVE_INFINITY);
      return yes(run.steps >= min && run.steps <= max, `${run.steps} steps (allowed ${min}–${max})`);
    }
    case 'cel': {
      const f = compileEvalCel(str(value));
      const r = f({
        output: out,
        status: run.status,
        vars: { ...vars },
        tools: run.toolCalls.map((c) => c.name),
        handoffs: [...run.handoffs],
        steps: BigInt(run.steps),
        latency_ms: run.latencyMs,
        cost: run.costUsd,
      });
      return yes(r === true, `${str(value)} is ${String(r)}`);
    }
  }
}

/** Checks one assertion; an assertion that cannot be checked (a bad regex, no judge) fails with the reason. */
export async function runAssertion(
  a: Assertion,
  run: CaseRun,
  vars: Readonly<Record<string, unknown>>,
  ctx: AssertContext,
): Promise<AssertionResult> {
  const negated = a.type.startsWith('not-');
  const type = (negated ? a.type.slice(4) : a.type) as AssertionType;
  let o: Outcome;
  try {
    o = await check(type, a, run, vars, ctx);
  } catch (e) {
    return {
      type: a.type,
      pass: false,
      score: 0,
      reason: `cannot check: ${(e as Error).message}`,
      weight: a.weight,
      ...(a.metric === undefined ? {} : { metric: a.metric }),
    };
  }
  const pass = negated ? !o.pass : o.pass;
  const score = o.score === undefined ? (pass ? 1 : 0) : negated ? 1 - o.score : o.score;
  return {
    type: a.type,
    pass,
    score,
    reason: negated ? `not (${o.reason})` : o.reason,
    weight: a.weight,
    ...(a.metric === undefined ? {} : { metric: a.metric }),
  };
}
