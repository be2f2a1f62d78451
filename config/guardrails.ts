/**
 * The `guardrails` section of config (docs/guardrails.md): which detectors run, custom regex/keyword and module
 * detectors, ordered policy rules with CEL conditions (global, per agent, per tenant and per tenant's agent), per-stage
 * defaults and failure modes, pseudonymisation, the streaming hold-back window and the audit. CEL conditions and
 * regexes are checked here, so a bad one fails config loading with an error naming the rule or detector.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { celEnvironment, compileCel } from './cel.js';
import { z } from 'zod';
import { GUARD_ACTIONS, GUARD_STAGES } from '../protocols/index.js';

const text = () => z.string({ error: 'expected a non-empty string' }).min(1, { error: 'expected a non-empty string' });
const int = (min: number, max?: number) => {
  const n = z.number({ error: 'expected a number' }).int({ error: 'expected an integer' }).min(min);
  return max === undefined ? n : n.max(max);
};
const oneOrMany = z.union([text(), z.array(text()).min(1)]);

/** Longest regex source a custom detector may use (a guard against pathological patterns, with the nesting check). */
export const MAX_PATTERN_LENGTH = 500;

/** The CEL environment policy conditions are checked and compiled in: the variables a rule may read. */
export function guardConditionEnvironment(): Environment {
  return celEnvironment({
    finding: 'map',
    stage: 'string',
    agent: 'string',
    tenant: 'string',
    role: 'string',
    run: 'string',
    metadata: 'map',
  });
}

let shared: Environment | undefined;

/** A compiled condition: true when the rule applies to the finding in `vars`. */
export type GuardCondition = (vars: Record<string, unknown>) => unknown;

/** Parses and type-checks a CEL condition; throws an Error whose message says what is wrong (not which rule). */
export function compileGuardCondition(expression: string): GuardCondition {
  shared ??= guardConditionEnvironment();
  return compileCel(shared, expression, 'bool');
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/**
 * True when a regex source nests quantifiers (`(a+)+`, `(\w*)*`, `(x{2,})+`): the shape of catastrophic backtracking,
 * which a time budget cannot stop (a JS regex runs to completion), so such patterns are refused at load.
 */
export function hasNestedQuantifier(source: string): boolean {
  // A group whose body has an unescaped quantifier, itself followed by a quantifier.
  return /\((?:[^()\\]|\\.)*(?:[+*]|\{\d+,\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\d*\})/.test(source);
}

/** Why a custom pattern is refused, or undefined when it is usable. */
export function patternProblem(source: string): string | undefined {
  if (source.length > MAX_PATTERN_LENGTH) return `is ${source.length} characters, over the ${MAX_PATTERN_LENGTH} limit`;
  if (hasNestedQuantifier(source)) return 'nests quantifiers (e.g. `(a+)+`), which can backtrack catastrophically';
  try {
    new RegExp(source, 'gu');
  } catch (e) {
    return `is not a valid regular expression (${firstLine((e as Error).message)})`;
  }
  return undefined;
}

const action = z.enum(GUARD_ACTIONS, { error: `expected one of ${GUARD_ACTIONS.join(', ')}` });
const stage = z.enum(GUARD_STAGES, { error: `expected one of ${GUARD_STAGES.join(', ')}` });

/** One policy rule: the first rule (in scope order) whose filters and condition hold decides a finding's action. */
export const guardRuleSchema = z.strictObject({
  name: text(),
  /** Stages it applies to (default all). */
  stages: z.array(stage).min(1).optional(),
  /** Detector name(s) and finding type(s) it applies to (shorthands for the same test in `when`). */
  detector: oneOrMany.optional(),
  type: oneOrMany.optional(),
  /** Lowest finding score it applies to. */
  minScore: z.number().min(0).max(1).optional(),
  /** A CEL condition over `finding`, `stage`, `agent`, `tenant`, `role`, `run`, `metadata`. */
  when: text().optional(),
  action,
});
/** A policy rule as configured. */
export type GuardRuleConfig = z.infer<typeof guardRuleSchema>;

/** Per-stage settings: the action for a finding no rule matches, and what a failing or slow detector means. */
const stageSettings = z.strictObject({
  /** Turns the stage's guard off entirely. */
  enabled: z.boolean().optional(),
  /** Action for a finding no rule matches (default `allow`). */
  default: action.optional(),
  /** A detector that throws or exceeds `timeoutMs`: `closed` blocks (quarantines a tool result), `open` goes on. */
  onError: z.enum(['open', 'closed']).optional(),
  /** Time budget of one check at this stage. */
  timeoutMs: int(1, 60_000).optional(),
});
/** Per-stage settings as configured (every field optional; the engine fills defaults). */
export type GuardStageConfig = z.infer<typeof stageSettings>;

/** Reversible pseudonymisation of input findings: which detectors' (and types') spans become `<TYPE_n>` placeholders. */
const pseudonymise = z.union([
  z.boolean(),
  z.strictObject({
    detectors: z
      .array(text())
      .min(1)
      .default(() => ['pii']),
    types: z.array(text()).min(1).optional(),
  }),
]);

/** What a scope (global, an agent, a tenant, a tenant's agent) may set. */
const scopeFields = {
  rules: z.array(guardRuleSchema).default(() => []),
  stages: z.partialRecord(stage, stageSettings).default(() => ({})),
  pseudonymise: pseudonymise.optional(),
};
const scope = z.strictObject(scopeFields);
/** A policy scope as configured. */
export type GuardScopeConfig = z.infer<typeof scope>;

/** A custom detector from config: regex patterns and/or keywords (whole words, case-insensitive), or a module. */
export const customDetectorSchema = z.union([
  z.strictObject({
    name: text(),
    /** The finding type it reports (e.g. `EMAIL`, `ACCOUNT_ID`). */
    type: text(),
    patterns: z.array(text()).default(() => []),
    keywords: z.array(text()).default(() => []),
    /** The score of its findings (default 1). */
    score: z.number().min(0).max(1).default(1),
    /** Patterns match case-sensitively (default false). */
    caseSensitive: z.boolean().default(false),
  }),
  z.strictObject({
    name: text(),
    /** A module (path relative to the working directory) exporting a detector, or `createDetector(options)`. */
    module: text(),
    options: z.record(z.string(), z.unknown()).default(() => ({})),
  }),
]);
/** A custom detector as configured. */
export type CustomDetectorConfig = z.infer<typeof customDetectorSchema>;

/** Checks every CEL condition and custom pattern of the section, naming the rule or detector at fault. */
function checkSection(g: GuardrailsConfig, ctx: z.RefinementCtx): void {
  const rules = (path: (string | number)[], list: readonly GuardRuleConfig[]): void =>
    list.forEach((r, i) => {
      if (r.when === undefined) return;
      try {
        compileGuardCondition(r.when);
      } catch (e) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, i, 'when'],
          message: `rule "${r.name}": bad CEL condition: ${(e as Error).message}`,
        });
      }
    });
  const scoped = (path: (string | number)[], s: GuardScopeConfig): void => rules([...path, 'rules'], s.rules);
  scoped([], g);
  for (const [a, s] of Object.entries(g.agents)) scoped(['agents', a], s);
  for (const [t, s] of Object.entries(g.tenants)) {
    scoped(['tenants', t], s);
    for (const [a, sa] of Object.entries(s.agents)) scoped(['tenants', t, 'agents', a], sa);
  }
  const names = new Set<string>();
  g.custom.forEach((d, i) => {
    if (names.has(d.name)) ctx.addIssue({ code: 'custom', path: ['custom', i, 'name'], message: `detector "${d.name}" is defined twice` });
    names.add(d.name);
    if ('module' in d) return;
    if (d.patterns.length === 0 && d.keywords.length === 0)
      ctx.addIssue({ code: 'custom', path: ['custom', i], message: `detector "${d.name}": give patterns or keywords` });
    d.patterns.forEach((p, j) => {
      const problem = patternProblem(p);
      if (problem !== undefined)
        ctx.addIssue({ code: 'custom', path: ['custom', i, 'patterns', j], message: `detector "${d.name}": pattern ${problem}` });
    });
  });
}

/** The whole `guardrails` section. */
const section = z.strictObject({
  /** Off: no guard runs anywhere (the HTTP check still answers, with no detectors). */
  enabled: z.boolean().default(true),
  /** The built-in default rules (output pii/secret → redact, input injection → block, tool injection → quarantine). */
  defaults: z.boolean().default(true),
  /** Built-in detectors by name: options for each, or `false` to turn it off (default: every registered one, no options). */
  detectors: z.record(z.string(), z.union([z.literal(false), z.record(z.string(), z.unknown())])).default(() => ({})),
  custom: z.array(customDetectorSchema).default(() => []),
  ...scopeFields,
  /** Scopes per agent name, tried before the global rules. */
  agents: z.record(z.string(), scope).default(() => ({})),
  /** Scopes per tenant (with their own per-agent scopes), tried before the agent and global ones. */
  tenants: z
    .record(z.string(), z.strictObject({ ...scopeFields, agents: z.record(z.string(), scope).default(() => ({})) }))
    .default(() => ({})),
  /**
   * The output stream's hold-back: text is released only at a whitespace at least `holdBackChars` from the end. Tokens
   * that come within `coalesceMs` of the last decision are decided together with the next ones (0: every token).
   */
  stream: z
    .strictObject({
      holdBackChars: int(0, 4096).default(48),
      maxHoldChars: int(256, 1_048_576).default(16_384),
      coalesceMs: int(0, 1_000).default(0),
    })
    .prefault({}),
  /** Agents ask the pooled guardrail actors for input and tool-result checks (false: in their own process). */
  viaActor: z.boolean().default(true),
  audit: z.strictObject({ enabled: z.boolean().default(true), excerptChars: int(0, 200).default(24) }).prefault({}),
});

/** The whole `guardrails` section, its CEL conditions and patterns checked. */
export const guardrailsSchema = section.superRefine((g, ctx) => checkSection(g, ctx));

/** The validated `guardrails` section. */
export type GuardrailsConfig = z.infer<typeof section>;
