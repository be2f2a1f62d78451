/**
 * The context hook of local agents: before each model call, the agent's context (assemble.ts) placed around the
 * conversation and the business rules' instructions and variables beside the instructions; before the first call,
 * the rules' refusals and handoffs (the `route` hook); on the final answer, the response rules. One assembly per run
 * and question: a run's later model calls (after tool results) reuse it.
 */
import type { AgentHooks, HookInfo } from '../agent/definition.js';
import type { ChatMessage } from '../llm/types.js';
import {
  assembleContext,
  renderContext,
  type AssembledContext,
  type ContextProvider,
  type PassageVectors,
  type RelevanceOptions,
} from './assemble.js';
import type { ProfileStore } from './profiles.js';
import type { BusinessRules, RuleFacts } from './rules.js';

/** One agent's context: its providers and filter. */
export interface AgentContext {
  readonly providers: readonly ContextProvider[];
  readonly relevance: RelevanceOptions;
}

/** What the hook needs. */
export interface ContextHookDeps {
  readonly contexts: ReadonlyMap<string, AgentContext>;
  readonly rules: BusinessRules;
  readonly profiles: ProfileStore;
  readonly vectors: PassageVectors | undefined;
  readonly warn: (message: string) => void;
  /** Called with each assembled context (tests, a prompt renderer). */
  readonly onAssembled?: (info: HookInfo, context: AssembledContext) => void;
}

/** Heading of the rules' instructions and variables. */
export const RULES_HEADING = 'Business rules for this request:';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function lastUser(messages: readonly ChatMessage[]): string {
  return [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
}

/** The hook over `deps`. */
export function contextHook(deps: ContextHookDeps): AgentHooks {
  const assembled = new Map<string, Promise<AssembledContext>>();
  const remember = (key: string, p: Promise<AssembledContext>): Promise<AssembledContext> => {
    if (assembled.size >= 512) assembled.delete(assembled.keys().next().value as string);
    assembled.set(key, p);
    return p;
  };

  const facts = async (info: HookInfo, input: string, output = ''): Promise<RuleFacts> => {
    const metadata = info.metadata ?? {};
    const user = str(metadata['user']) ?? '';
    let profile: Record<string, unknown> = {};
    if (user !== '') {
      try {
        const p = await deps.profiles.get(info.tenant, user);
        if (p !== undefined) profile = { ...p.preferences, preferences: p.preferences, style: p.style, facts: p.facts };
      } catch (e) {
        deps.warn(`rules: profile of ${info.tenant}/${user} unreadable, rules see none: ${(e as Error).message}`);
      }
    }
    return { tenant: info.tenant, agent: info.agent, user, input, output, intent: str(metadata['intent']) ?? '', profile, metadata };
  };

  return {
    async route(messages, info) {
      if (!deps.rules.covers(info.agent)) return undefined;
      const outcome = deps.rules.evaluate('request', await facts(info, lastUser(messages)));
      if (outcome.refuse === undefined && outcome.handoff === undefined) return undefined;
      return {
        ...(outcome.refuse === undefined ? {} : { reply: outcome.refuse }),
        ...(outcome.handoff === undefined ? {} : { handoff: outcome.handoff }),
      };
    },

    async beforeModel(messages, info) {
      let shown = messages;
      const query = lastUser(messages);
      const ctx = deps.contexts.get(info.agent);
      if (ctx !== undefined) {
        const key = `${info.tenant}\u0000${info.runId}\u0000${query}`;
        const metadata = info.metadata ?? {};
        const user = str(metadata['user']);
        const made =
          assembled.get(key) ??
          remember(
            key,
            assembleContext(
              ctx.providers,
              {
                tenant: info.tenant,
                agent: info.agent,
                runId: info.runId,
                metadata,
                query,
                signal: new AbortController().signal,
                ...(user === undefined ? {} : { user }),
              },
              ctx.relevance,
              deps.vectors,
              deps.warn,
            ),
          );
        const context = await made;
        deps.onAssembled?.(info, context);
        shown = renderContext(shown, context);
      }
      if (deps.rules.covers(info.agent)) {
        const outcome = deps.rules.evaluate('request', await facts(info, query));
        const vars = Object.entries(outcome.vars);
        if (outcome.instructions.length > 0 || vars.length > 0) {
          const lines = [RULES_HEADING, ...outcome.instructions.map((i) => `- ${i}`)];
          if (vars.length > 0) lines.push(`Variables: ${vars.map(([k, v]) => `${k}=${String(v)}`).join(', ')}`);
          shown = [{ role: 'system', content: lines.join('\n') }, ...shown];
        }
      }
      return shown;
    },

    async output(text, info) {
      if (!deps.rules.covers(info.agent)) return text;
      const outcome = deps.rules.evaluate('response', await facts(info, '', text));
      return outcome.refuse ?? text;
    },
  };
}
