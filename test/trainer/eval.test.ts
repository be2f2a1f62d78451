/**
 * Evaluation suites: parsing with errors that name file, test and field; expansion over prompts and agents with
 * `defaultTest`; every assertion type passing and failing (and negated) on a run's answer, cost, latency and
 * trajectory; JUnit XML that carries any text; and `troupe eval` as a user runs it (a real child process on an
 * embedded node): a table, exit code 1 on a failed case, JSON and JUnit files, `compare`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { expandCases, parseSuite, runAssertion, runCases, toJUnit, type CaseRun, type SuiteResult } from '../../actors/index.js';
import { ROOT, cleanEnv, troupeArgv } from '../gateway/cli-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'troupe-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RUN: CaseRun = {
  status: 'success',
  output: 'The total is 42. Details: {"total": 42, "items": [{"sku": "a1"}, {"sku": "b2"}]}',
  toolCalls: [
    { name: 'lookup', arguments: {} },
    { name: 'calculator', arguments: {} },
    { name: 'clock', arguments: {} },
  ],
  handoffs: ['billing'],
  steps: 3,
  latencyMs: 120,
  costUsd: 0.002,
  runIds: ['r1'],
};

const check = (type: string, value?: unknown, extra: Record<string, unknown> = {}) =>
  runAssertion(
    { type, value, weight: 1, ...extra },
    RUN,
    { city: 'Oslo' },
    { similarity: (a, b) => Promise.resolve(a.includes(b) ? 0.9 : 0.1) },
  );

describe('suites', () => {
  it('parses a promptfoo-style suite and expands tests × prompts × agents with defaultTest merged', () => {
    const suite = parseSuite(
      `description: s
prompts: ["Q: {{q}}", "Question — {{q}} ({{lang}})"]
providers: [triage, {id: "agent:billing"}]
defaultTest:
  vars: {lang: en}
  assert: [{type: latency, threshold: 5000}]
tests:
  - vars: {q: one}
    assert: [{type: contains, value: one}]
  - description: two turns
    vars: {q: two}
    turns: ["{{q}}", "and {{lang}}?"]
`,
      'suite.yaml',
    );
    const cases = expandCases(suite, 'suite.yaml');
    expect(cases.map((c) => c.id)).toEqual([
      't1-p1-triage',
      't1-p1-billing',
      't1-p2-triage',
      't1-p2-billing',
      't2-p1-triage',
      't2-p1-billing',
      't2-p2-triage',
      't2-p2-billing',
    ]);
    expect(cases[2]?.turns).toEqual(['Question — one (en)']);
    expect(cases[4]?.turns).toEqual(['two', 'and en?']);
    expect(cases[0]?.assert.map((a) => a.type)).toEqual(['latency', 'contains']);
  });

  it('names the file, line and column, the test and the field of what is wrong', () => {
    expect(() => parseSuite('tests: [\n  {vars: }', 'bad.yaml')).toThrow(/^bad\.yaml:\d+:\d+: /);
    expect(() => parseSuite('providers: [a]\ntests:\n  - assert: [{type: contains}]\n  - assert: [{type: telepathy}]', 's.yaml')).toThrow(
      /s\.yaml: test 2 \(assert\.0\.type\): expected one of equals/,
    );
    expect(() => parseSuite('tests: [{vars: {}}]', 's.yaml')).toThrow(/s\.yaml: providers: /);
    expect(() => expandCases(parseSuite('providers: [a]\nprompts: ["{{missing}}"]\ntests: [{vars: {q: 1}}]'), 'x.yaml')).toThrow(
      /x\.yaml: test 1: the prompt uses \{\{missing\}\} but the test has no variable missing/,
    );
  });
});

describe('assertions', () => {
  const cases: [string, unknown, boolean, Record<string, unknown>?][] = [
    ['equals', RUN.output, true],
    ['equals', 'The total', false],
    ['contains', 'is 42', true],
    ['contains', 'IS 42', false],
    ['icontains', 'IS 42', true],
    ['contains-any', ['nope', '42'], true],
    ['contains-all', ['42', 'nope'], false],
    ['starts-with', 'The total', true],
    ['regex', '\\btotal is \\d+', true],
    ['regex', '^\\d+$', false],
    ['is-json', undefined, false],
    ['contains-json', { total: 42, items: [{ sku: 'b2' }] }, true],
    ['contains-json', { total: 41 }, false],
    ['similar', 'total is 42', true, { threshold: 0.8 }],
    ['similar', 'something else', false, { threshold: 0.8 }],
    ['cost', undefined, true, { threshold: 0.01 }],
    ['cost', undefined, false, { threshold: 0.001 }],
    ['latency', undefined, true, { threshold: 500 }],
    ['latency', undefined, false, { threshold: 100 }],
    ['tool-used', 'calculator', true],
    ['tool-used', ['calculator', 'search'], false],
    ['tool-sequence', ['lookup', 'clock'], true],
    ['tool-sequence', ['clock', 'lookup'], false],
    ['handoff', 'billing', true],
    ['handoff', 'tech', false],
    ['step-count', { min: 2, max: 3 }, true],
    ['step-count', 1, false],
    ['cel', "output.contains('42') && tools.size() == 3 && steps == 3 && vars.city == 'Oslo'", true],
    ['cel', 'cost > 1.0', false],
    ['not-contains', 'sorry', true],
    ['not-tool-used', 'calculator', false],
  ];
  for (const [type, value, pass, extra] of cases)
    it(`${type} ${JSON.stringify(value) ?? ''} ${pass ? 'passes' : 'fails'}`, async () => {
      const r = await check(type, value, extra);
      expect(r.pass, r.reason).toBe(pass);
      expect(r.reason).not.toBe('');
    });

  it('an assertion that cannot be checked fails with the reason, and the case score weighs the assertions', async () => {
    expect(await check('regex', '(')).toMatchObject({ pass: false, reason: expect.stringMatching(/^cannot check: /) });
    expect(await check('cel', 'output +')).toMatchObject({ pass: false, reason: expect.stringMatching(/^cannot check: cel: /) });
    expect(await check('llm-rubric', 'polite')).toMatchObject({ pass: false, reason: expect.stringMatching(/needs a judge/) });
    const suite = parseSuite(
      'providers: [a]\ntests:\n  - vars: {input: q}\n    threshold: 0.7\n' +
        '    assert: [{type: contains, value: "42", weight: 3}, {type: contains, value: nope}]',
    );
    const result = await runCases('s', expandCases(suite), { runCase: () => Promise.resolve(RUN) });
    expect(result.cases[0]).toMatchObject({ pass: true, score: 0.75 });
    const failedRun = await runCases('s', expandCases(suite), { runCase: () => Promise.reject(new Error('gateway down')) });
    expect(failedRun).toMatchObject({ passed: 0, failed: 1, cases: [{ status: 'error', error: 'gateway down', pass: false }] });
  });

  it('JUnit XML carries any text: escaped, and what XML cannot hold replaced', async () => {
    const unescape = (s: string): string =>
      s.replace(/&(lt|gt|quot|apos|amp);/g, (_m, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e] as string);
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 40 }), async (text) => {
        const suite = parseSuite(
          `providers: [a]\ntests: [{vars: {input: q}, description: ${JSON.stringify(text.toWellFormed())}, ` +
            'assert: [{type: equals, value: x}]}]',
        );
        const result: SuiteResult = await runCases('s', expandCases(suite), { runCase: () => Promise.resolve({ ...RUN, output: text }) });
        const xml = toJUnit(result, text);
        // Outside markup: no raw < & or quotes in attribute values, no character XML 1.0 forbids.
        const forbidden = [...xml].filter((ch) => {
          const c = ch.charCodeAt(0);
          return (c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffe || c === 0xffff;
        });
        expect(forbidden).toEqual([]);
        expect(xml.isWellFormed()).toBe(true);
        const name = /<testsuite name="([^"]*)"/.exec(xml)?.[1] ?? '';
        expect(name).not.toMatch(/[<&]/);
        const want = [...text.toWellFormed()]
          .map((ch) => {
            const c = ch.charCodeAt(0);
            return c === 9 || c === 10 || c === 13 || (c >= 32 && c !== 0xfffe && c !== 0xffff) ? ch : '\uFFFD';
          })
          .join('');
        expect(unescape(name)).toBe(want);
      }),
      { numRuns: 200 },
    );
  });
});

function troupe(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, troupeArgv(args), {
    cwd: ROOT,
    env: cleanEnv({ TROUPE_DATA_DIR: join(dir, 'data') }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((ok) => child.once('close', (code) => ok({ code, stdout, stderr })));
}

describe('troupe eval', () => {
  it('runs a suite on the embedded demo agents: a table, exit 1 on a failed case, JSON, JUnit, stored results, compare', async () => {
    const suite = join(dir, 'suite.yaml');
    writeFileSync(
      suite,
      `description: demo
providers: [assistant]
prompts: ["{{question}}"]
tests:
  - description: calculator
    vars: {question: '/tool calculator {"expression":"6*7"}'}
    assert:
      - {type: contains, value: "42"}
      - {type: tool-used, value: calculator}
      - {type: step-count, value: {min: 2, max: 2}}
  - description: fails on purpose
    vars: {question: hello}
    assert: [{type: icontains, value: bonjour}]
`,
    );
    const out = join(dir, 'r.json');
    const junit = join(dir, 'r.xml');
    const run = await troupe(['eval', suite, '--output', out, '--junit', junit, '--quiet']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/PASS\s+t1-p1-assistant/);
    expect(run.stdout).toMatch(/FAIL\s+t2-p1-assistant/);
    expect(run.stdout).toContain('✗ t2-p1-assistant icontains: output lacks "bonjour"');
    expect(run.stdout).toContain('1 passed, 1 failed of 2');
    const result = JSON.parse(readFileSync(out, 'utf8')) as SuiteResult;
    expect(result.cases.map((c) => [c.id, c.pass, c.tools])).toEqual([
      ['t1-p1-assistant', true, ['calculator']],
      ['t2-p1-assistant', false, []],
    ]);
    expect(readFileSync(junit, 'utf8')).toMatch(/<testsuite name="demo" tests="2" failures="1"/);
    expect(run.stderr).toMatch(/result stored in .*evals/);

    const fixed = join(dir, 'fixed.json');
    writeFileSync(
      fixed,
      JSON.stringify({ ...result, failed: 0, passed: 2, cases: result.cases.map((c) => ({ ...c, pass: true, score: 1 })) }),
    );
    const cmp = await troupe(['eval', 'compare', out, fixed]);
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toMatch(/fixed\s+t2-p1-assistant\s+0\.00 → 1\.00/);
    const back = await troupe(['eval', 'compare', fixed, out]);
    expect(back.code).toBe(1);
    expect(back.stdout).toMatch(/broke\s+t2-p1-assistant/);

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'providers: [assistant]\ntests: [{assert: [{type: psychic}]}]');
    const refused = await troupe(['eval', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/bad\.yaml: test 1 \(assert\.0\.type\)/);
  }, 120_000);
});
