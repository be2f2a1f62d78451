/**
 * The `context` kind: no actors of its own; it gives every local agent the context hook (config `context.<agent>`:
 * providers and relevance filter, and config `rules`) and the tool kind `profile.update` (when an agent lists it).
 * Providers are built (static files read) and handoff targets checked when kinds contribute, so a bad one fails
 * startup naming it.
 */
import { NotFoundError, ValidationError } from '../../protocols/index.js';
import { AGENT_HOOKS } from '../agent/kind.js';
import type { BuiltKind, KindDescriptor, KindServices } from '../kinds/index.js';
import { TOOL_FUNCTIONS } from '../tool/kind.js';
import type { FunctionTool } from '../tool/types.js';
import { PassageVectors } from './assemble.js';
import { contextHook, type AgentContext } from './hook.js';
import { ProfileStore } from './profiles.js';
import { contextProvider } from './providers.js';
import { BusinessRules } from './rules.js';
import { PROFILE_TOOL, profileUpdateTool } from './tool.js';

/** Context injection, user profiles and business rules for local agents. */
export const contextKind: KindDescriptor = {
  name: 'context',
  serves: 'context',
  stateful: false,
  hostedWith: ['agent'],
  contribute(services: KindServices): void {
    const { config, system, contributions } = services;
    const agents = new Set(config.agents.map((a) => a.name));
    const profiles = new ProfileStore(system.storage, () => system.clock.now());
    const resolve = (address: string, tenant: string) => services.resolve(address, tenant);
    const contexts = new Map<string, AgentContext>();
    for (const [agent, c] of Object.entries(config.context)) {
      if (!agents.has(agent)) throw new ValidationError(`context: no agent "${agent}" in config.agents`);
      const names = new Set<string>();
      const providers = c.providers.map((config, i) => {
        const p = contextProvider(config, i, { resolve, profiles, now: () => system.clock.now() }, names);
        if (names.has(p.name)) throw new ValidationError(`context.${agent}: two providers are named "${p.name}"`);
        names.add(p.name);
        return p;
      });
      contexts.set(agent, { providers, relevance: c.relevance });
    }
    const rules = new BusinessRules(config.rules, (m) => system.warn(m));
    for (const { rule, agent } of rules.handoffTargets())
      if (!agents.has(agent))
        throw new ValidationError(`rules: rule "${rule}" hands off to agent "${agent}", which config.agents does not name`);
    // Served only when an agent may call it, so tool listings stay as config makes them.
    if (config.agents.some((a) => a.tools.includes(PROFILE_TOOL)))
      contributions.add(TOOL_FUNCTIONS, profileUpdateTool(system, profiles) as FunctionTool<never>);
    if (contexts.size === 0 && config.rules.length === 0) return;
    const filtered = [...contexts.values()].some((c) => c.providers.some((p) => p.filter));
    const vectors = filtered ? new PassageVectors(() => services.embedder()) : undefined;
    contributions.add(AGENT_HOOKS, contextHook({ contexts, rules, profiles, vectors, warn: (m) => system.warn(m) }));
  },
  build(): BuiltKind {
    return {
      ids: () => [],
      behavior: (id) => {
        throw new NotFoundError(`no context ${id}`);
      },
    };
  },
};
