/**
 * A blueprint's guardrail policy (its `guardrails` file), enforced on that blueprint's agents beside (after) the
 * node's own guardrails (docs/blueprints.md, "Guardrail policies"): a full run guard, as the node's — the new input
 * (blocked: the run fails before the model is called), what the model is shown (pseudonymised), the token stream
 * (hold-back window, so a span the policy redacts never reaches a client), tool-call arguments and tool results. The
 * engine is made with the guardrail kind's public parts — the built-in detectors and the policy's regex/keyword
 * detectors (a blueprint may not carry detector modules: unchecked code) — on the first run; refusals name the
 * blueprint.
 */
import type { GuardrailsConfig } from '../../config/index.js';
import type { AgentHooks, GuardStep, HookInfo, ReplyGuard, RunGuard } from '../agent/index.js';
import { AGENT_HOOKS } from '../agent/index.js';
import { GuardBlockedError, guardEngineFor, runGuard, type GuardEngine } from '../guardrail/index.js';
import { Contributions, type ContributionKey, type KindServices } from '../kinds/index.js';

/** The hooks enforcing `policy` on the agents of `blueprint`, and what closes its engine. */
export interface PolicyHooks {
  readonly hooks: AgentHooks;
  close(): Promise<void>;
}

/** The run guard of a blueprint's policy (its engine made on the first check). */
export function policyHooks(services: KindServices, blueprint: string, policy: GuardrailsConfig): PolicyHooks {
  let engine: Promise<GuardEngine> | undefined;
  const made = (): Promise<GuardEngine> => guardEngineFor(services, policy, { warn: (m) => `blueprint ${blueprint}: ${m}` });
  const named = (message: string): string => `${message} of blueprint ${blueprint}`;
  const step = <T>(s: GuardStep<T>): GuardStep<T> => ('refuse' in s ? { refuse: named(s.refuse) } : s);
  /** A stopped reply's error, naming the blueprint. */
  const stopped = (e: unknown): never => {
    throw e instanceof GuardBlockedError ? new GuardBlockedError(named(e.message)) : e;
  };
  return {
    hooks: {
      guard(info: HookInfo): RunGuard {
        // The node's stream settings; the guard itself is made once the engine is.
        let made_: Promise<RunGuard> | undefined;
        const guard = (): Promise<RunGuard> =>
          (made_ ??= (engine ??= made()).then((e) => runGuard({ engine: e, stream: services.config.guardrails.stream }, info)));
        return {
          input: async (messages) => step(await (await guard()).input(messages)),
          model: async (messages) => (await guard()).model(messages),
          reply(): ReplyGuard {
            const inner = guard().then((g) => g.reply());
            inner.catch(() => undefined);
            let got: ReplyGuard | undefined;
            return {
              get text() {
                return got?.text ?? '';
              },
              async push(token) {
                got = await inner;
                return got.push(token).catch(stopped);
              },
              async end() {
                got = await inner;
                return got.end().catch(stopped);
              },
            };
          },
          toolCall: async (call, options) => step(await (await guard()).toolCall(call, options)),
          toolResult: async (call, content) => (await guard()).toolResult(call, content),
          close() {
            void made_?.then(
              (g) => g.close(),
              () => undefined,
            );
          },
        };
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
