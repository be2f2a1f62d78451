/** Evaluation suites (docs/evals.md): parse, expand, run, score and report. */
export { parseSuite, expandCases, renderVars, providerAgent, ASSERTION_TYPES } from './suite.js';
export type { Suite, TestCase, Assertion, AssertionType, EvalCase } from './suite.js';
export { runAssertion, findJson, compileEvalCel } from './assertions.js';
export type { CaseRun, AssertContext, AssertionResult } from './assertions.js';
export { runCases, scoreCase, formatTable, toJUnit, compareResults } from './runner.js';
export type { CaseResult, SuiteResult, RunOptions, CaseChange } from './runner.js';
