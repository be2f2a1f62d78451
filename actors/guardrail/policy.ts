/**
 * The policy engine: ordered rules with CEL conditions, scoped per tenant and per agent, and per-stage defaults.
 * For a finding at a stage, the first rule (tenant's agent scope, tenant scope, agent scope, global scope, then the
 * built-in defaults) whose filters and condition hold decides its action; a finding no rule matches gets the stage's
 * default. A stage's action is the most severe of its findings'. Everything is compiled once, when the policy is made.
 */
import { compileGuardCondition, type GuardCondition, type GuardRuleConfig, type GuardrailsConfig } from '../../config/index.js';
import { GUARD_ACTIONS, ValidationError, type Finding, type GuardAction, type GuardStage } from '../../protocols/index.js';

/** What a stage does with a finding no rule matches and with a detector that fails. */
export interface StageSettings {
  readonly enabled: boolean;
  readonly default: GuardAction;
  readonly onError: 'open' | 'closed';
  readonly timeoutMs: number;
}

/** The stage settings when config says nothing: fail closed on input and output, open on tool calls and results. */
export const STAGE_DEFAULTS: Readonly<Record<GuardStage, StageSettings>> = {
  input: { enabled: true, default: 'allow', onError: 'closed', timeoutMs: 1_000 },
  tool_call: { enabled: true, default: 'allow', onError: 'open', timeoutMs: 1_000 },
  tool: { enabled: true, default: 'allow', onError: 'open', timeoutMs: 1_000 },
  output: { enabled: true, default: 'allow', onError: 'closed', timeoutMs: 1_000 },
};

/**
 * The built-in rules (after every configured one; `guardrails.defaults: false` drops them): output pii and secrets
 * are redacted, injection in input is blocked, injection in a tool result quarantines it (`block` at stage `tool`).
 */
export const DEFAULT_RULES: readonly GuardRuleConfig[] = [
  { name: 'default.output.pii', stages: ['output'], detector: 'pii', action: 'redact' },
  { name: 'default.output.secret', stages: ['output'], detector: 'secret', action: 'redact' },
  { name: 'default.input.injection', stages: ['input'], detector: 'injection', action: 'block' },
  { name: 'default.tool.injection', stages: ['tool'], detector: 'injection', action: 'block' },
];

/** How severe an action is (allow 0 … block 4). */
export function severity(a: GuardAction): number {
  return GUARD_ACTIONS.indexOf(a);
}

/** The most severe of `actions` (`allow` for none). */
export function mostSevere(actions: Iterable<GuardAction>): GuardAction {
  let out: GuardAction = 'allow';
  for (const a of actions) if (severity(a) > severity(out)) out = a;
  return out;
}

/** A rule ready to test. */
interface CompiledRule {
  readonly name: string;
  readonly stages: ReadonlySet<string> | undefined;
  readonly detectors: ReadonlySet<string> | undefined;
  readonly types: ReadonlySet<string> | undefined;
  readonly minScore: number | undefined;
  readonly when: GuardCondition | undefined;
  readonly action: GuardAction;
}

/** Which input findings become placeholders (pseudonymisation), when on. */
export interface PseudonymiseSettings {
  readonly detectors: ReadonlySet<string>;
  readonly types: ReadonlySet<string> | undefined;
}

/** The policy of one stage for one tenant and agent. */
export interface StagePolicy extends StageSettings {
  readonly stage: GuardStage;
  readonly rules: readonly CompiledRule[];
  readonly pseudonymise: PseudonymiseSettings | undefined;
  /**
   * False when no finding of `detector` can be decided anything but `allow` at this stage (the stage default is
   * `allow` and no rule with another action can match the detector): its findings change no text and stop nothing.
   */
  acts(detector: string): boolean;
}

/** Who and what a decision is about (the CEL variables besides `finding` and `stage`). */
export interface PolicySubject {
  readonly tenant: string;
  readonly agent?: string;
  readonly role?: string;
  readonly run?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** A finding's action and the rule that chose it (`default`: the stage default). */
export interface RuleChoice {
  readonly action: GuardAction;
  readonly rule: string;
}

const set = (v: string | readonly string[] | undefined): ReadonlySet<string> | undefined =>
  v === undefined ? undefined : new Set(typeof v === 'string' ? [v] : v);

function compileRule(r: GuardRuleConfig, where: string): CompiledRule {
  let when: GuardCondition | undefined;
  if (r.when !== undefined) {
    try {
      when = compileGuardCondition(r.when);
    } catch (e) {
      throw new ValidationError(`${where} rule "${r.name}": bad CEL condition: ${(e as Error).message}`);
    }
  }
  return {
    name: r.name,
    stages: set(r.stages),
    detectors: set(r.detector),
    types: set(r.type),
    minScore: r.minScore,
    when,
    action: r.action,
  };
}

type Scope = GuardrailsConfig['agents'][string];

/** A compiled policy over config's `guardrails` section. */
export class GuardPolicy {
  private readonly global: readonly CompiledRule[];
  private readonly defaults: readonly CompiledRule[];
  private readonly agents = new Map<string, readonly CompiledRule[]>();
  private readonly tenants = new Map<string, readonly CompiledRule[]>();
  private readonly tenantAgents = new Map<string, readonly CompiledRule[]>();
  private readonly cache = new Map<string, StagePolicy>();

  constructor(private readonly config: GuardrailsConfig) {
    this.global = config.rules.map((r) => compileRule(r, 'guardrails'));
    this.defaults = config.defaults ? DEFAULT_RULES.map((r) => compileRule(r, 'default')) : [];
    for (const [a, s] of Object.entries(config.agents))
      this.agents.set(
        a,
        s.rules.map((r) => compileRule(r, `guardrails.agents.${a}`)),
      );
    for (const [t, s] of Object.entries(config.tenants)) {
      this.tenants.set(
        t,
        s.rules.map((r) => compileRule(r, `guardrails.tenants.${t}`)),
      );
      for (const [a, sa] of Object.entries(s.agents))
        this.tenantAgents.set(
          `${t}\u0000${a}`,
          sa.rules.map((r) => compileRule(r, `guardrails.tenants.${t}.agents.${a}`)),
        );
    }
  }

  /** The scopes of a tenant and agent, most specific first. */
  private scopes(tenant: string, agent: string | undefined): Scope[] {
    const t = this.config.tenants[tenant];
    const out: (Scope | undefined)[] = [
      agent === undefined ? undefined : t?.agents[agent],
      t,
      agent === undefined ? undefined : this.config.agents[agent],
      this.config,
    ];
    return out.filter((s): s is Scope => s !== undefined);
  }

  /** The policy of `stage` for `tenant` and `agent` (made once per combination). */
  stage(stage: GuardStage, tenant: string, agent?: string): StagePolicy {
    const key = `${stage}\u0000${tenant}\u0000${agent ?? ''}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const scopes = this.scopes(tenant, agent);
    const pick = <K extends keyof StageSettings>(k: K): StageSettings[K] => {
      for (const s of scopes) {
        const v = s.stages[stage]?.[k];
        if (v !== undefined) return v as StageSettings[K];
      }
      return STAGE_DEFAULTS[stage][k];
    };
    const rules = [
      ...(agent === undefined ? [] : (this.tenantAgents.get(`${tenant}\u0000${agent}`) ?? [])),
      ...(this.tenants.get(tenant) ?? []),
      ...(agent === undefined ? [] : (this.agents.get(agent) ?? [])),
      ...this.global,
      ...this.defaults,
    ].filter((r) => r.stages === undefined || r.stages.has(stage));
    const p = scopes.find((s) => s.pseudonymise !== undefined)?.pseudonymise;
    const pseudonymise: PseudonymiseSettings | undefined =
      stage !== 'input' || p === undefined || p === false
        ? undefined
        : p === true
          ? { detectors: new Set(['pii']), types: undefined }
          : { detectors: new Set(p.detectors), types: set(p.types) };
    const fallback = pick('default');
    const acting = rules.filter((r) => r.action !== 'allow');
    const policy: StagePolicy = {
      stage,
      enabled: this.config.enabled && pick('enabled'),
      default: fallback,
      onError: pick('onError'),
      timeoutMs: pick('timeoutMs'),
      rules,
      pseudonymise,
      acts: (detector) => fallback !== 'allow' || acting.some((r) => r.detectors === undefined || r.detectors.has(detector)),
    };
    this.cache.set(key, policy);
    return policy;
  }

  /** The action for one finding: the first rule that applies, else the stage default. */
  decide(policy: StagePolicy, finding: Finding, subject: PolicySubject): RuleChoice {
    let vars: Record<string, unknown> | undefined;
    for (const r of policy.rules) {
      if (r.detectors !== undefined && !r.detectors.has(finding.detector)) continue;
      if (r.types !== undefined && !r.types.has(finding.type)) continue;
      if (r.minScore !== undefined && finding.score < r.minScore) continue;
      if (r.when !== undefined) {
        vars ??= {
          finding: { ...finding },
          stage: policy.stage,
          agent: subject.agent ?? '',
          tenant: subject.tenant,
          role: subject.role ?? 'user',
          run: subject.run ?? '',
          metadata: subject.metadata ?? {},
        };
        let hit: unknown;
        try {
          hit = r.when(vars);
        } catch {
          hit = false; // e.g. a metadata key the run does not have: the rule does not apply
        }
        if (hit !== true) continue;
      }
      return { action: r.action, rule: r.name };
    }
    return { action: policy.default, rule: 'default' };
  }
}
