/**
 * Business rules (config `rules`): in order, each whose agents and CEL condition match applies its actions — on a
 * request: refuse (the message is the answer, the model is not asked), hand off to an agent, add an instruction, set
 * a variable (later rules read it as `vars`, the model sees it with the instructions); on a response: refuse
 * (replace the answer with the message) or set. A condition that fails to evaluate counts as not matching and is
 * reported; a rule never fails a run.
 */
import { compileRuleCondition, type RuleCondition, type RuleConfig } from '../../config/index.js';

/** A rule ready to evaluate. */
interface CompiledRule extends RuleConfig {
  readonly test: RuleCondition;
}

/** What rules read. */
export interface RuleFacts {
  readonly tenant: string;
  readonly agent: string;
  readonly user: string;
  readonly input: string;
  readonly output: string;
  readonly intent: string;
  readonly profile: Readonly<Record<string, unknown>>;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** What the matching rules ask for. */
export interface RuleOutcome {
  /** Names of the rules that matched, in order. */
  readonly matched: readonly string[];
  readonly refuse?: string;
  readonly handoff?: string;
  readonly instructions: readonly string[];
  readonly vars: Readonly<Record<string, string | number | boolean>>;
}

/** Numbers in a text (`$1,200.50` → 1200.5), for conditions like `amounts.exists(a, a > 100)`. */
export function amountsIn(text: string): number[] {
  return [...text.matchAll(/\d[\d,]*(?:\.\d+)?/g)].map((m) => Number(m[0].replace(/,/g, ''))).filter((n) => Number.isFinite(n));
}

/** The compiled rules of a config. */
export class BusinessRules {
  private readonly rules: readonly CompiledRule[];

  constructor(
    rules: readonly RuleConfig[],
    private readonly warn: (message: string) => void = () => undefined,
  ) {
    this.rules = rules.map((r) => ({ ...r, test: compileRuleCondition(r.when) }));
  }

  /** True when some rule is about `agent`. */
  covers(agent: string): boolean {
    return this.rules.some((r) => r.agents === undefined || r.agents.includes(agent));
  }

  /** Agents rules hand off to (checked against config at startup). */
  handoffTargets(): { rule: string; agent: string }[] {
    return this.rules.flatMap((r) => r.then.flatMap((a) => ('handoff' in a ? [{ rule: r.name, agent: a.handoff }] : [])));
  }

  /** Applies the rules of `stage` to `facts`. */
  evaluate(stage: 'request' | 'response', facts: RuleFacts): RuleOutcome {
    const vars: Record<string, string | number | boolean> = {};
    const matched: string[] = [];
    const instructions: string[] = [];
    let refuse: string | undefined;
    let handoff: string | undefined;
    const text = stage === 'request' ? facts.input : facts.output;
    for (const r of this.rules) {
      if (r.on !== stage || (r.agents !== undefined && !r.agents.includes(facts.agent))) continue;
      let hit = false;
      try {
        hit = r.test({ ...facts, stage, amounts: amountsIn(text), vars: { ...vars } }) === true;
      } catch (e) {
        this.warn(`rule ${r.name}: condition failed, treated as not matching: ${(e as Error).message}`);
      }
      if (!hit) continue;
      matched.push(r.name);
      for (const a of r.then) {
        if ('refuse' in a) refuse ??= a.refuse;
        else if ('handoff' in a) handoff ??= a.handoff;
        else if ('instruct' in a) instructions.push(a.instruct);
        else Object.assign(vars, a.set);
      }
    }
    return {
      matched,
      instructions,
      vars,
      ...(refuse === undefined ? {} : { refuse }),
      ...(handoff === undefined ? {} : { handoff }),
    };
  }
}
