/**
 * The `trainer` kind: the fifth actor kind (docs/trainers.md). It serves each tenant's feedback owner
 * `trainer/feedback`, model registry `trainer/models`, one actor per fine-tune job `trainer/ft-<id>`, one per prompt
 * experiment (`trainer/exp-<id>`) and one per optimisation job (`trainer/opt-<id>`) — all stateful (one activation in
 * the mesh, one writer each). Hosted wherever agents are, like the thread owners, so a node running agents can always
 * take feedback on their runs. It gives agents the per-run model override (a contribution under
 * `AGENT_PROVIDER_WRAPS`) and the node's experiment router, which assigns new runs to experiments' arms, and, once the
 * mesh runs, resumes the fine-tune jobs that were under way.
 */
import { parsePromptRef } from '../../protocols/index.js';
import type { Behavior } from '../../runtime/index.js';
import { AGENT_PROMPT_ASSIGNER, AGENT_PROVIDER_WRAPS } from '../agent/index.js';
import type { BuiltKind, KindDescriptor, KindServices } from '../kinds/index.js';
import { PromptLibrary } from '../prompt/index.js';
import { datasetRedactor, type Redact } from './datasets/index.js';
import { experimentBehavior } from './experiments/actor.js';
import { ExperimentRouter } from './experiments/router.js';
import { feedbackBehavior } from './feedback.js';
import { JOB_ID, fineTuningFromEnv, jobBehavior, modelOverride, modelsBehavior, resumeJobs } from './finetune/index.js';
import { optimizeBehavior } from './optimize/job.js';

/** The trainer kind's name and address kind. */
export const TRAINER_KIND = 'trainer';

/** Default pause between two polls of a provider's fine-tune job (`TROUPE_FINETUNE_POLL_MS`). */
const POLL_MS = 15_000;
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
  // A job's step may export and upload a large dataset (the SDK's own timeout bounds each request).
  options: { handlerTimeoutMs: 300_000 },
  contribute(services) {
    const router = routerOf(services);
    // A run an experiment gave a model arm calls that model; other runs follow the agent's switch in the registry.
    services.contributions.add(
      AGENT_PROVIDER_WRAPS,
      modelOverride(services.system.storage, (tenant, runId) => router.modelOf(tenant, runId)),
    );
    services.contributions.add(AGENT_PROMPT_ASSIGNER, (tenant, agent, template, runId) => router.assign(tenant, agent, template, runId));
  },
  build(services: KindServices): BuiltKind {
    const resolve = (address: string, tenant: string) => services.resolve(address, tenant);
    // Fine-tune jobs (finetune/).
    let redactor: Promise<Redact> | undefined;
    let resumer: { close(): void } | undefined;
    const poll = Number(services.env['TROUPE_FINETUNE_POLL_MS']);
    const jobs = {
      api: () => fineTuningFromEnv(services.env),
      redact: () => (redactor ??= datasetRedactor()),
      pollMs: Number.isFinite(poll) && poll > 0 ? poll : POLL_MS,
      resolve,
    };
    const jobId = (id: string): string | undefined => (id.startsWith('ft-') && JOB_ID.test(id.slice(3)) ? id.slice(3) : undefined);
    // Experiments and optimisation jobs (experiments/, optimize/).
    const library = new PromptLibrary(services.system.storage, services.config, () => services.system.clock.now());
    const templates = new Map(
      services.config.agents.flatMap((a) => (a.prompt === undefined ? [] : [[a.name, parsePromptRef(a.prompt).name] as const])),
    );
    const deps = { library, templateOf: (agent: string) => templates.get(agent), resolve };
    const prompts = new Map(services.config.agents.flatMap((a) => (a.prompt === undefined ? [] : [[a.name, a.prompt] as const])));
    const optimize = { library, resolve, promptOf: (agent: string) => prompts.get(agent) };
    return {
      ids: () => ['feedback', 'models'],
      accepts: (id) => id === 'feedback' || id === 'models' || jobId(id) !== undefined || EXPERIMENT.test(id) || OPTIMIZATION.test(id),
      behavior: (id): Behavior<unknown> => {
        const job = jobId(id);
        if (job !== undefined) return jobBehavior(job, jobs) as Behavior<unknown>;
        const exp = EXPERIMENT.exec(id);
        if (exp !== null) return experimentBehavior(exp[1] as string, deps) as Behavior<unknown>;
        const opt = OPTIMIZATION.exec(id);
        if (opt !== null) return optimizeBehavior(opt[1] as string, optimize) as Behavior<unknown>;
        return (id === 'models' ? modelsBehavior() : feedbackBehavior(resolve)) as Behavior<unknown>;
      },
      // Jobs under way when the mesh last stopped, or on a node that is gone, go on (finetune/resume.ts).
      start() {
        resumer ??= resumeJobs(services.system, jobs.resolve);
        return Promise.resolve();
      },
      async close() {
        resumer?.close();
        await routerOf(services).close();
      },
    };
  },
};
