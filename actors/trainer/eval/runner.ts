/**
 * Runs an evaluation suite's cases with a concurrency limit — each case through a `runCase` the caller gives (the
 * CLI runs it as an agent run through a gateway, embedded or remote) — checks every assertion, and reports: a text
 * table, JSON, JUnit XML, and a per-case comparison of two results.
 */
import { eachLimited } from '../../../protocols/index.js';
import { runAssertion, type AssertContext, type AssertionResult, type CaseRun } from './assertions.js';
import type { EvalCase } from './suite.js';

/** One case's result. */
export interface CaseResult {
  readonly id: string;
  readonly description: string;
  readonly agent: string;
  readonly prompt: number;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly pass: boolean;
  /** Weighted mean of the assertion scores (1 or 0 without assertions). */
  readonly score: number;
  readonly status: CaseRun['status'];
  readonly output: string;
  readonly error?: string;
  readonly latencyMs: number;
  readonly costUsd: number;
  readonly steps: number;
  readonly tools: readonly string[];
  readonly runIds: readonly string[];
  readonly assertions: readonly AssertionResult[];
}

/** A suite's result. */
export interface SuiteResult {
  readonly description: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly passed: number;
  readonly failed: number;
  readonly cases: readonly CaseResult[];
}

/** How to run a suite. */
export interface RunOptions extends AssertContext {
  runCase(c: EvalCase): Promise<CaseRun>;
  /** Cases at once (default 4). */
  readonly concurrency?: number;
  /** Called after each case. */
  onCase?(done: number, total: number, r: CaseResult): void;
  /** Awaited after each case is scored, within its concurrency slot (the CLI posts the score as feedback on its run). */
  afterCase?(r: CaseResult): Promise<void>;
  readonly now?: () => number;
}

/** Checks a case's run against its assertions. */
export async function scoreCase(c: EvalCase, run: CaseRun, ctx: AssertContext): Promise<CaseResult> {
  const assertions: AssertionResult[] = [];
  if (run.status === 'success') for (const a of c.assert) assertions.push(await runAssertion(a, run, c.vars, ctx));
  const weight = assertions.reduce((n, a) => n + a.weight, 0);
  const ok = run.status === 'success';
  const score = !ok
    ? 0
    : weight === 0
      ? assertions.every((a) => a.pass)
        ? 1
        : 0
      : assertions.reduce((n, a) => n + a.score * a.weight, 0) / weight;
  const pass = ok && (c.threshold === undefined ? assertions.every((a) => a.pass) : score >= c.threshold);
  return {
    id: c.id,
    description: c.description,
    agent: c.agent,
    prompt: c.prompt,
    vars: c.vars,
    pass,
    score,
    status: run.status,
    output: run.output,
    ...(run.error === undefined ? {} : { error: run.error }),
    latencyMs: run.latencyMs,
    costUsd: run.costUsd,
    steps: run.steps,
    tools: run.toolCalls.map((t) => t.name),
    runIds: run.runIds,
    assertions,
  };
}

/** Runs every case (at most `concurrency` at once) and scores it; a case whose run throws fails with the error. */
export async function runCases(description: string, cases: readonly EvalCase[], o: RunOptions): Promise<SuiteResult> {
  const now = o.now ?? Date.now;
  const started = now();
  const results: CaseResult[] = new Array<CaseResult>(cases.length);
  let done = 0;
  await eachLimited(cases, o.concurrency ?? 4, async (c, i) => {
    let run: CaseRun;
    try {
      run = await o.runCase(c);
    } catch (e) {
      run = {
        status: 'error',
        output: '',
        error: (e as Error).message,
        toolCalls: [],
        handoffs: [],
        steps: 0,
        latencyMs: 0,
        costUsd: 0,
        runIds: [],
      };
    }
    const r = await scoreCase(c, run, o);
    await o.afterCase?.(r);
    results[i] = r;
    o.onCase?.(++done, cases.length, r);
  });
  const passed = results.filter((r) => r.pass).length;
  return {
    description,
    startedAt: new Date(started).toISOString(),
    durationMs: now() - started,
    passed,
    failed: results.length - passed,
    cases: results,
  };
}

const cut = (s: string, n: number): string => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length <= n ? one : `${one.slice(0, n - 1)}…`;
};

/** A text table: one line per case, then the failed assertions' reasons and the totals. */
export function formatTable(r: SuiteResult): string {
  const rows = r.cases.map((c) => [
    c.pass ? 'PASS' : 'FAIL',
    c.id,
    cut(c.description, 28),
    c.score.toFixed(2),
    `${Math.round(c.latencyMs)}`,
    cut(c.output || c.error || '', 48),
  ]);
  const head = ['', 'case', 'description', 'score', 'ms', 'output'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  const out = [line(head), ...rows.map(line)];
  for (const c of r.cases) {
    if (c.pass) continue;
    if (c.status !== 'success') out.push(`  ✗ ${c.id}: the run ended ${c.status}${c.error === undefined ? '' : `: ${c.error}`}`);
    for (const a of c.assertions) if (!a.pass) out.push(`  ✗ ${c.id} ${a.type}: ${a.reason}`);
  }
  out.push(`${r.passed} passed, ${r.failed} failed of ${r.cases.length} in ${(r.durationMs / 1000).toFixed(1)} s`);
  return out.join('\n');
}

/** True for code units XML 1.0 can carry (tab, newline, carriage return, and from space up, but not U+FFFE/U+FFFF). */
const xmlChar = (code: number): boolean => code === 9 || code === 10 || code === 13 || (code >= 32 && code !== 0xfffe && code !== 0xffff);

/** `s` escaped for XML text and attributes; what XML cannot carry (control characters, lone surrogates) becomes U+FFFD. */
function xml(s: string): string {
  let out = '';
  for (const ch of s.toWellFormed()) {
    if (!xmlChar(ch.charCodeAt(0))) out += '\uFFFD';
    else if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '"') out += '&quot;';
    else if (ch === "'") out += '&apos;';
    else out += ch;
  }
  return out;
}

/** JUnit XML (one testsuite, one testcase per case; failures carry the failed assertions). */
export function toJUnit(r: SuiteResult, name: string): string {
  const cases = r.cases.map((c) => {
    const time = (c.latencyMs / 1000).toFixed(3);
    const head = `    <testcase classname="${xml(name)}.${xml(c.agent)}" name="${xml(`${c.id}: ${c.description}`)}" time="${time}"`;
    if (c.pass) return `${head}/>`;
    const why =
      c.status !== 'success'
        ? [`the run ended ${c.status}${c.error === undefined ? '' : `: ${c.error}`}`]
        : c.assertions.filter((a) => !a.pass).map((a) => `${a.type}: ${a.reason}`);
    return `${head}>\n      <failure message="${xml(why[0] ?? 'failed')}">${xml(why.join('\n'))}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${r.cases.length}" failures="${r.failed}" time="${(r.durationMs / 1000).toFixed(3)}">`,
    `  <testsuite name="${xml(name)}" tests="${r.cases.length}" failures="${r.failed}" timestamp="${r.startedAt}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** What changed per case between two results of a suite (matched by case id). */
export interface CaseChange {
  readonly id: string;
  readonly change: 'fixed' | 'broke' | 'same-pass' | 'same-fail' | 'added' | 'removed';
  readonly before?: number;
  readonly after?: number;
}

/** Compares two results of a suite. */
export function compareResults(a: SuiteResult, b: SuiteResult): CaseChange[] {
  const before = new Map(a.cases.map((c) => [c.id, c]));
  const after = new Map(b.cases.map((c) => [c.id, c]));
  const out: CaseChange[] = [];
  for (const [id, x] of before) {
    const y = after.get(id);
    if (y === undefined) out.push({ id, change: 'removed', before: x.score });
    else
      out.push({
        id,
        change: x.pass === y.pass ? (y.pass ? 'same-pass' : 'same-fail') : y.pass ? 'fixed' : 'broke',
        before: x.score,
        after: y.score,
      });
  }
  for (const [id, y] of after) if (!before.has(id)) out.push({ id, change: 'added', after: y.score });
  return out;
}
