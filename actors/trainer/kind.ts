/**
 * The `trainer` kind: the fifth actor kind (docs/trainers.md). It serves each tenant's feedback owner
 * `trainer/feedback`, one actor per prompt experiment (`trainer/exp-<id>`) and one per optimisation job
 * (`trainer/opt-<id>`), all stateful: one activation in the mesh. Hosted wherever agents are, like the thread
 * owners, so a node running agents can always take feedback on their runs. It gives agents the node's experiment
 * router, which assigns new runs to experiments' arms.
 */
import { parsePromptRef } from '../../protocols/index.js';
import type { Behavior } from '../../runtime/index.js';
import { AGENT_PROMPT_ASSIGNER } from '../agent/index.js';
import type { BuiltKind, KindDescriptor, KindServices } from '../kinds/index.js';
import { PromptLibrary } from '../prompt/index.js';
import { experimentBehavior } from './experiments/actor.js';
import { ExperimentRouter } from './experiments/router.js';
import { feedbackBehavior } from './feedback.js';
import { optimizeBehavior } from './optimize/job.js';

/** The trainer kind's name and address kind. */
export const TRAINER_KIND = 'trainer';

const EXPERIMENT = /^exp-([a-z0-9][a-z0-9-]{0,47})$/;
const OPTIMIZATION = /^opt-([a-z0-9][a-z0-9-]{0,47})$/;
const routers = new WeakMap<KindServices, ExperimentRouter>();

function routerOf(services: KindServices): ExperimentRouter {
  let r = routers.get(services);
  if (r === undefined) {
    r = new ExperimentRouter(services.system, (address, tenant) => services.resolve(address, tenant));
    routers.set(services, r);
  }
  return r;
}

export const trainerKind: KindDescriptor = {
  name: TRAINER_KIND,
  serves: TRAINER_KIND,
  stateful: true,
  hostedWith: ['agent'],
  contribute(services) {
    const router = routerOf(services);
    services.contributions.add(AGENT_PROMPT_ASSIGNER, (tenant, agent, template, runId) => router.assign(tenant, agent, template, runId));
  },
  build(services): BuiltKind {
    const library = new PromptLibrary(services.system.storage, services.config, () => services.system.clock.now());
    const templates = new Map(
      services.config.agents.flatMap((a) => (a.prompt === undefined ? [] : [[a.name, parsePromptRef(a.prompt).name] as const])),
    );
    const deps = { library, templateOf: (agent: string) => templates.get(agent) };
    const resolve = (address: string, tenant: string) => services.resolve(address, tenant);
    const prompts = new Map(services.config.agents.flatMap((a) => (a.prompt === undefined ? [] : [[a.name, a.prompt] as const])));
    const optimize = { library, resolve, promptOf: (agent: string) => prompts.get(agent) };
    return {
      ids: () => ['feedback'],
      accepts: (id) => id === 'feedback' || EXPERIMENT.test(id) || OPTIMIZATION.test(id),
      behavior: (id): Behavior<unknown> => {
        const exp = EXPERIMENT.exec(id);
        if (exp !== null) return experimentBehavior(exp[1] as string, deps) as Behavior<unknown>;
        const opt = OPTIMIZATION.exec(id);
        if (opt !== null) return optimizeBehavior(opt[1] as string, optimize) as Behavior<unknown>;
        return feedbackBehavior(resolve) as Behavior<unknown>;
      },
      close: () => routerOf(services).close(),
    };
  },
};
