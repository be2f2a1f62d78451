/**
 * Evaluation suites (docs/evals.md): a promptfoo-compatible subset in YAML or JSON — `description`, `prompts` (raw
 * strings with `{{var}}` placeholders), `providers` (agent names), `tests` with `vars`, `assert`, `threshold`,
 * multi-turn `turns`, and `defaultTest` merged into every test. Parsed with errors that name the file, the test and
 * the field. No `eval`: custom assertions are CEL expressions (`type: cel`).
 */
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../../../protocols/index.js';

/** Assertion types (each may be negated with a `not-` prefix, as in promptfoo). */
export const ASSERTION_TYPES = [
  'equals',
  'contains',
  'icontains',
  'contains-any',
  'contains-all',
  'starts-with',
  'regex',
  'is-json',
  'contains-json',
  'similar',
  'llm-rubric',
  'cost',
  'latency',
  'tool-used',
  'tool-sequence',
  'handoff',
  'step-count',
  'cel',
] as const;
export type AssertionType = (typeof ASSERTION_TYPES)[number];

const typeSchema = z.string().refine((t) => (ASSERTION_TYPES as readonly string[]).includes(t.startsWith('not-') ? t.slice(4) : t), {
  message: `expected one of ${ASSERTION_TYPES.join(', ')} (optionally with a not- prefix)`,
});

export const assertionSchema = z.strictObject({
  type: typeSchema,
  value: z.unknown().optional(),
  threshold: z.number().finite().optional(),
  weight: z.number().finite().nonnegative().default(1),
  metric: z.string().optional(),
});
export type Assertion = z.infer<typeof assertionSchema>;

const varsSchema = z.record(z.string(), z.unknown());

export const testSchema = z.strictObject({
  description: z.string().optional(),
  vars: varsSchema.default(() => ({})),
  assert: z.array(assertionSchema).default(() => []),
  /** Minimum weighted score of its assertions for the test to pass (default: every assertion passes). */
  threshold: z.number().min(0).max(1).optional(),
  /** A conversation: each turn is a user message (with `{{var}}`s); assertions apply to the last answer. */
  turns: z.array(z.string()).min(1).optional(),
  options: z.strictObject({ provider: z.string().optional() }).optional(),
});
export type TestCase = z.infer<typeof testSchema>;

const providerSchema = z.union([z.string().min(1), z.strictObject({ id: z.string().min(1), label: z.string().optional() })]);

export const suiteSchema = z.strictObject({
  description: z.string().optional(),
  prompts: z
    .array(z.string().min(1))
    .min(1)
    .default(() => ['{{input}}']),
  providers: z.array(providerSchema).min(1, 'name at least one provider (an agent)'),
  tests: z.array(testSchema).min(1, 'a suite needs at least one test'),
  defaultTest: testSchema.partial().optional(),
  /** Cases run at once (default 4). */
  concurrency: z.number().int().min(1).max(256).optional(),
  /** The agent that grades `llm-rubric` assertions (default: the case's own agent). */
  judge: z.string().optional(),
});
export type Suite = z.infer<typeof suiteSchema>;

/** The agent a provider entry names (`triage`, `agent:triage`, `{id: agent:triage}`). */
export function providerAgent(p: Suite['providers'][number]): string {
  const id = typeof p === 'string' ? p : p.id;
  return id.startsWith('agent:') ? id.slice('agent:'.length) : id;
}

/** Parses a suite's text (YAML, of which JSON is a subset); `file` names it in errors. */
export function parseSuite(text: string, file = 'suite'): Suite {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const at = e.linePos?.[0];
      throw new ValidationError(`${file}${at === undefined ? '' : `:${at.line}:${at.col}`}: ${e.message.split('\n')[0] ?? 'bad YAML'}`);
    }
    throw e;
  }
  const r = suiteSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue?.path ?? [];
  const where =
    path[0] === 'tests' && typeof path[1] === 'number'
      ? `test ${path[1] + 1}${path.length > 2 ? ` (${path.slice(2).join('.')})` : ''}`
      : path.length === 0
        ? 'the suite'
        : path.join('.');
  throw new ValidationError(`${file}: ${where}: ${issue?.message ?? 'bad value'}`);
}

/** Replaces `{{name}}` (and `{{ name.path }}`) with the variable's value; a missing variable is an error naming it. */
export function renderVars(template: string, vars: Readonly<Record<string, unknown>>, where: string): string {
  return template.replace(/\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g, (_m, name: string) => {
    let v: unknown = vars;
    for (const part of name.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[part] : undefined;
    if (v === undefined) throw new ValidationError(`${where}: the prompt uses {{${name}}} but the test has no variable ${name}`);
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

/** One case to run: a test on one prompt and one agent, `defaultTest` merged in. */
export interface EvalCase {
  /** Stable id: `t<test>-p<prompt>-<agent>`. */
  readonly id: string;
  readonly description: string;
  readonly agent: string;
  readonly prompt: number;
  readonly vars: Readonly<Record<string, unknown>>;
  /** The user messages, rendered (one per turn). */
  readonly turns: readonly string[];
  readonly assert: readonly Assertion[];
  readonly threshold?: number;
}

/** Every case of a suite: tests × prompts × providers. */
export function expandCases(suite: Suite, file = 'suite'): EvalCase[] {
  const d = suite.defaultTest ?? {};
  const out: EvalCase[] = [];
  suite.tests.forEach((t, ti) => {
    const vars = { ...(d.vars ?? {}), ...t.vars };
    const assert = [...(d.assert ?? []), ...t.assert];
    const threshold = t.threshold ?? d.threshold;
    const agents = t.options?.provider !== undefined ? [t.options.provider] : suite.providers.map(providerAgent);
    suite.prompts.forEach((prompt, pi) => {
      for (const agent of agents) {
        const where = `${file}: test ${ti + 1}`;
        const turns = (t.turns ?? d.turns ?? [prompt]).map((turn) => renderVars(turn, vars, where));
        out.push({
          id: `t${ti + 1}-p${pi + 1}-${agent}`,
          description: t.description ?? `test ${ti + 1}`,
          agent,
          prompt: pi + 1,
          vars,
          turns,
          assert,
          ...(threshold === undefined ? {} : { threshold }),
        });
      }
    });
  });
  return out;
}
