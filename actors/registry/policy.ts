/**
 * A blueprint's guardrail policy (its `guardrails` file), enforced on that blueprint's agents beside the node's own
 * guardrails (docs/blueprints.md, "Guardrails"): a run whose new input the policy blocks fails before the model is
 * called, and the final answer is checked at stage `output` (blocked: the run fails; redact, mask, pseudonymise: the
 * answer is rewritten). The engine is made with the guardrail kind's public parts — the built-in detectors and the
 * policy's regex/keyword detectors (a blueprint may not carry detector modules: unchecked code) — on the first run.
 */
import type { GuardrailsConfig } from '../../config/index.js';
import type { ChatMessage } from '../../protocols/index.js';
import type { AgentHooks, HookInfo } from '../agent/index.js';
import { AGENT_HOOKS } from '../agent/index.js';
import {
  AuditLog,
  BUILTIN_DETECTORS,
  GuardBlockedError,
  GuardEngine,
  GuardPolicy,
  customDetectors,
  makeRegistered,
} from '../guardrail/index.js';
import { Contributions, type ContributionKey, type KindServices } from '../kinds/index.js';

/** The hooks enforcing `policy` on the agents of `blueprint`, and what closes its engine. */
export interface PolicyHooks {
  readonly hooks: AgentHooks;
  close(): Promise<void>;
}

/** The input and output hooks of a blueprint's policy (its engine made on the first check). */
export function policyHooks(services: KindServices, blueprint: string, policy: GuardrailsConfig): PolicyHooks {
  const { system } = services;
  let engine: Promise<GuardEngine> | undefined;
  const made = async (): Promise<GuardEngine> => {
    const detectors = policy.enabled
      ? [...(await makeRegistered(BUILTIN_DETECTORS, policy.detectors)), ...(await customDetectors(policy.custom))]
      : [];
    return new GuardEngine(detectors, new GuardPolicy(policy), {
      ...(policy.audit.enabled ? { audit: new AuditLog(system.storage) } : {}),
      meter: system.meter,
      log: system.log,
      excerptChars: policy.audit.excerptChars,
      now: () => system.clock.now(),
      warn: (m) => system.warn(`blueprint ${blueprint}: ${m}`),
    });
  };
  const check = async (text: string, stage: 'input' | 'output', info: HookInfo) => {
    const role = info.metadata?.['role'];
    return (await (engine ??= made())).check({
      text,
      stage,
      tenant: info.tenant,
      agent: info.agent,
      run: info.runId,
      role: typeof role === 'string' ? role : 'user',
      ...(info.metadata === undefined ? {} : { metadata: info.metadata }),
    });
  };
  return {
    hooks: {
      async input(messages: readonly ChatMessage[], info: HookInfo): Promise<void> {
        // The new input: the user messages after the last other one (as the node's own guard reads it).
        let first = messages.length;
        while (first > 0 && messages[first - 1]?.role === 'user') first--;
        for (const m of messages.slice(first))
          if ((await check(m.content, 'input', info)).action === 'block')
            throw new GuardBlockedError(`the input was blocked by the guardrail policy of blueprint ${blueprint}`);
      },
      async output(text: string, info: HookInfo): Promise<string> {
        const v = await check(text, 'output', info);
        if (v.action === 'block') throw new GuardBlockedError(`the answer was blocked by the guardrail policy of blueprint ${blueprint}`);
        return v.text ?? text;
      },
    },
    async close() {
      const e = engine;
      engine = undefined;
      if (e !== undefined) await (await e.catch(() => undefined))?.close();
    },
  };
}

/** The catalog's contributions with `hooks` added after the agent hooks other kinds contributed. */
class WithAgentHooks extends Contributions {
  constructor(
    private readonly base: Contributions,
    private readonly extra: readonly AgentHooks[],
  ) {
    super();
    this.close();
  }
  override get<T>(key: ContributionKey<T>): readonly T[] {
    const got = this.base.get(key);
    return key === (AGENT_HOOKS as ContributionKey<unknown>) ? ([...got, ...this.extra] as T[]) : got;
  }
}

/** `services` whose agents also run `hooks` (after the node's own). */
export function withAgentHooks(services: KindServices, hooks: readonly AgentHooks[]): KindServices {
  return hooks.length === 0 ? services : { ...services, contributions: new WithAgentHooks(services.contributions, hooks) };
}
