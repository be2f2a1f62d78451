// Business rules (`rules`, docs/context-and-caching.md): declarative CEL conditions on requests and responses, and
// actions (refuse with a message, hand off to an agent, add an instruction, set a variable). Conditions are checked
// here, so a bad one fails config loading with an error naming the rule.
import type { Environment } from '@marcbachmann/cel-js';
import { celEnvironment, compileCel } from './cel.js';
import { z } from 'zod';

/** The CEL environment rules are checked and run in: the variables a condition may read. */
export function ruleEnvironment(): Environment {
  return celEnvironment({
    stage: 'string',
    tenant: 'string',
    agent: 'string',
    user: 'string',
    input: 'string',
    output: 'string',
    intent: 'string',
    amounts: 'list',
    profile: 'map',
    metadata: 'map',
    vars: 'map',
  });
}

let shared: Environment | undefined;

/** A compiled rule condition. */
export type RuleCondition = (vars: Record<string, unknown>) => unknown;

/** Parses and type-checks a rule condition; throws with what is wrong. */
export function compileRuleCondition(expression: string): RuleCondition {
  shared ??= ruleEnvironment();
  return compileCel(shared, expression, 'bool');
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** One action of a rule. */
export const ruleActionSchema = z.union([
  z.strictObject({ refuse: z.string().min(1) }),
  z.strictObject({ handoff: z.string().min(1) }),
  z.strictObject({ instruct: z.string().min(1).max(4_000) }),
  z.strictObject({ set: z.record(z.string().min(1), scalar) }),
]);
export type RuleAction = z.infer<typeof ruleActionSchema>;

/** One business rule. */
export const ruleSchema = z.strictObject({
  name: z.string().min(1),
  /** `request`: checked before the run's first model call; `response`: on its final answer. */
  on: z.enum(['request', 'response']).default('request'),
  /** Agents it applies to (default all). */
  agents: z.array(z.string().min(1)).optional(),
  /** A CEL condition over stage, tenant, agent, user, input, output, intent, amounts, profile, metadata, vars. */
  when: z.string().min(1),
  then: z.array(ruleActionSchema).min(1),
});
export type RuleConfig = z.infer<typeof ruleSchema>;

/** Config `rules`, in order; conditions compiled and actions checked at load. */
export const rulesSchema = z
  .array(ruleSchema)
  .default(() => [])
  .superRefine((rules, ctx) => {
    const names = new Set<string>();
    rules.forEach((r, i) => {
      if (names.has(r.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `rule "${r.name}" is defined twice` });
      names.add(r.name);
      try {
        compileRuleCondition(r.when);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: [i, 'when'], message: `rule "${r.name}": bad CEL condition: ${(e as Error).message}` });
      }
      r.then.forEach((a, j) => {
        if (r.on === 'response' && ('handoff' in a || 'instruct' in a))
          ctx.addIssue({
            code: 'custom',
            path: [i, 'then', j],
            message: `rule "${r.name}": a response rule may refuse or set, not ${'handoff' in a ? 'hand off' : 'instruct'}`,
          });
      });
    });
  });
