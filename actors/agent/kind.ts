/**
 * The `agent` kind: each local agent config names is the stateful actor `agent/<name>`, per
 * tenant. Its model calls go through the hooks other kinds contribute under {@link AGENT_HOOKS}
 * (e.g. recall from collections), then the thread window `config.memory.window`.
 */
import type { AgentConfig } from '../../config/index.js';
import type { Behavior } from '../../runtime/index.js';
import { contributionKey, type BuiltKind, type CatalogAgent, type KindDescriptor, type KindServices } from '../kinds/index.js';
import { providerFor } from '../llm/select.js';
import type { ModelProvider } from '../llm/types.js';
import { responseCache } from './cache.js';
import { windowMessages } from '../memory/threads/window.js';
import { PromptLibrary, systemPrompt, type AgentPromptSpec, type SystemPrompt } from '../prompt/index.js';
import { parsePromptRef } from '../../protocols/index.js';
import { agentBehavior } from './behavior.js';
import { nodeSpeech } from './speaker.js';
import { budgetCheck } from './budget.js';
import { startRecovery, stopRecovery } from './recovery.js';
import { composeRunGuards } from './guards.js';
import type { AgentDefinition, AgentHooks } from './definition.js';

/** Hooks other kinds add to every local agent's run loop (guardrails, memory), applied in list order. */
export const AGENT_HOOKS = contributionKey<AgentHooks>('agent.hooks');

/** Wrappers other kinds put around every local agent's model provider, in list order (the trainer's model override). */
export const AGENT_PROVIDER_WRAPS = contributionKey<(provider: ModelProvider, agent: string) => ModelProvider>('agent.provider');

/** A template version an experiment assigned to a run: the reference to render and the experiment's id. */
export interface PromptAssignment {
  readonly prompt: string;
  readonly experiment: string;
  /** The model the arm sends the run's calls to (null: the agent's configured model), recorded on the run. */
  readonly model?: string | null;
}

/**
 * Picks the template version of a new run of `agent` whose config renders `template` (the trainer's experiments,
 * docs/trainers.md); undefined leaves the agent's own reference. The first contributed one is used.
 */
export type PromptAssigner = (
  tenant: string,
  agent: string,
  template: string,
  runId: string,
) => PromptAssignment | undefined | Promise<PromptAssignment | undefined>;

/** Where the trainer kind gives agents its {@link PromptAssigner}. */
export const AGENT_PROMPT_ASSIGNER = contributionKey<PromptAssigner>('agent.prompt-assigner');

/** The local agents of config (those without a `remote` entry). */
export const agentKind: KindDescriptor = {
  name: 'agent',
  serves: 'agent',
  stateful: true,
  requires: ['thread'],
  build(services: KindServices): BuiltKind {
    const { config } = services;
    const wraps = services.contributions.get(AGENT_PROVIDER_WRAPS);
    const hooks = chainHooks(services.contributions.get(AGENT_HOOKS), config.memory.window);
    const assigner = services.contributions.get(AGENT_PROMPT_ASSIGNER)[0];
    // Templates and personas: config's and the API's in this node's storage (the same on every node).
    const prompts = new PromptLibrary(services.system.storage, config, () => services.system.clock.now());
    const described = new Map(config.agents.map((a) => [a.name, a.description]));
    const defs = new Map<string, AgentDefinition & { description: string }>();
    const cache = responseCache(services);
    const speech = nodeSpeech(config.media.speech);
    // Delegations are runs no gateway admits: each agent checks the tenant's budget before starting one.
    const admit =
      Object.keys(config.gateway.usage.budgets).length === 0
        ? undefined
        : budgetCheck(services.system.storage, services.system.clock, config.gateway.usage);
    for (const a of config.agents) {
      if (a.remote !== undefined) continue;
      const peers = Object.fromEntries(
        [...a.handoffs, ...a.delegates].flatMap((p) => (described.get(p) ? [[p, described.get(p) as string]] : [])),
      );
      const runs = { retainRunsMs: config.runs.retentionHours * 3_600_000, pruneEveryMs: config.runs.pruneMinutes * 60_000 };
      const spec = {
        name: a.name,
        instructions: a.instructions,
        ...pick(a, ['prompt', 'variables', 'persona']),
      };
      const def = definition(a, services);
      defs.set(a.name, {
        ...def,
        provider: wraps.reduce((p, wrap) => wrap(p, a.name), cache(a.name, def.provider)),
        peers,
        hooks,
        ...runs,
        ...(admit === undefined ? {} : { admit }),
        ...(speech === undefined ? {} : { speech }),
        systemPrompt: (request) => assignedPrompt(prompts, spec, request, assigner),
      });
    }
    return {
      ...runRecovery(services),
      ids: () => [...defs.keys()],
      behavior: (id) => {
        const def = defs.get(id) as AgentDefinition;
        return agentBehavior({ ...def, resolve: (address, tenant) => services.resolve(address, tenant) }) as Behavior<unknown>;
      },
      agents: (): CatalogAgent[] =>
        [...defs.values()].map((d) => ({
          name: d.name,
          description: d.description,
          tools: d.tools ?? [],
          handoffs: d.handoffs ?? [],
          delegates: d.delegates ?? [],
          model: d.model,
          provider: d.provider.name,
        })),
    };
  },
};

/**
 * The system prompt of a run: a request that names a template version renders it; otherwise, when an experiment
 * splits the agent's template, the version it assigns (the run's `prompt.experiment` names the experiment).
 */
async function assignedPrompt(
  prompts: PromptLibrary,
  spec: AgentPromptSpec,
  request: Parameters<NonNullable<AgentDefinition['systemPrompt']>>[0],
  assigner: PromptAssigner | undefined,
): Promise<SystemPrompt> {
  if (assigner === undefined || spec.prompt === undefined || request.options.prompt !== undefined || request.runId === undefined)
    return systemPrompt(prompts, spec, request);
  const assigned = await assigner(request.tenant, spec.name, parsePromptRef(spec.prompt).name, request.runId);
  if (assigned === undefined) return systemPrompt(prompts, spec, request);
  const out = await systemPrompt(prompts, spec, { ...request, options: { ...request.options, prompt: assigned.prompt } });
  if (out.prompt === undefined) return out;
  const model = assigned.model === undefined ? {} : { model: assigned.model };
  return { ...out, prompt: { ...out.prompt, experiment: assigned.experiment, ...model } };
}

/**
 * The `start`/`close` of every kind whose actors hold runs (local and remote agents): on a node hosting them, the runs
 * storage records as active are resumed once the mesh runs (recovery.ts; one recovery per system serves them all).
 */
export function runRecovery(services: KindServices): Pick<BuiltKind, 'start' | 'close'> {
  const { system, config } = services;
  return {
    start: () => {
      // Tenants API keys name: their markers from before the global index are indexed once (ADR 0007, recovery).
      const tenants = config.gateway.auth.keys.map((k) => k.tenant);
      startRecovery({ system, resolve: (address, tenant) => services.resolve(address, tenant), tenants });
      return Promise.resolve();
    },
    close: () => stopRecovery(system),
  };
}

function definition(a: AgentConfig, services: KindServices): AgentDefinition & { description: string } {
  const { provider, model } = services.provider?.(a.name) ?? providerFor(a, services.env);
  return {
    name: a.name,
    description: a.description,
    instructions: a.instructions,
    provider,
    model,
    tools: a.tools,
    handoffs: a.handoffs,
    delegates: a.delegates,
    approvals: a.approvals,
    subscribe: a.subscribe,
    publish: a.publish,
    ...pick(a, [
      'temperature',
      'params',
      'maxTurns',
      'tokenBudget',
      'maxDepth',
      'runTimeoutMs',
      'toolTimeoutMs',
      'prices',
      'maxConcurrentCreates',
    ]),
  };
}

/** One set of hooks: the contributed ones in order, then the thread window on what the model sees. */
function chainHooks(contributed: readonly AgentHooks[], window: Parameters<typeof windowMessages>[1]): AgentHooks {
  const inputs = contributed.flatMap((h) => (h.input === undefined ? [] : [h.input.bind(h)]));
  const outputs = contributed.flatMap((h) => (h.output === undefined ? [] : [h.output.bind(h)]));
  // Every contributed guard applies (the node's guardrails, then a blueprint's policy), composed in order.
  const guards = contributed.flatMap((h) => (h.guard === undefined ? [] : [h.guard.bind(h)]));
  const routes = contributed.flatMap((h) => (h.route === undefined ? [] : [h.route.bind(h)]));
  return {
    ...(guards.length === 0 ? {} : { guard: (info) => composeRunGuards(guards.map((g) => g(info))) }),
    ...(inputs.length === 0
      ? {}
      : {
          async input(messages, info) {
            for (const check of inputs) await check(messages, info);
          },
        }),
    ...(routes.length === 0
      ? {}
      : {
          async route(messages, info) {
            for (const r of routes) {
              const decided = await r(messages, info);
              if (decided !== undefined) return decided;
            }
            return undefined;
          },
        }),
    async beforeModel(messages, info) {
      let shown = messages;
      for (const h of contributed) if (h.beforeModel !== undefined) shown = await h.beforeModel(shown, info);
      return windowMessages(shown, window).messages;
    },
    ...(outputs.length === 0
      ? {}
      : {
          async output(text, info) {
            let out = text;
            for (const rewrite of outputs) out = await rewrite(out, info);
            return out;
          },
        }),
  };
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
