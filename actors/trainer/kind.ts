/**
 * The `trainer` kind: the fifth actor kind (docs/trainers.md). It serves each tenant's feedback owner
 * `trainer/feedback`, model registry `trainer/models` and one actor per fine-tune job `trainer/ft-<id>` — all
 * stateful (one activation in the mesh, one writer each). Hosted wherever agents are, like the thread owners, so a
 * node running agents can always take feedback on their runs; it gives agents the per-run model override (a
 * contribution under `AGENT_PROVIDER_WRAPS`) and, once the mesh runs, resumes the jobs that were under way.
 */
import type { Behavior } from '../../runtime/index.js';
import { AGENT_PROVIDER_WRAPS } from '../agent/index.js';
import type { BuiltKind, KindDescriptor, KindServices } from '../kinds/index.js';
import { datasetRedactor, type Redact } from './datasets/index.js';
import { feedbackBehavior } from './feedback.js';
import { JOB_ID, fineTuningFromEnv, jobBehavior, modelOverride, modelsBehavior, resumeJobs } from './finetune/index.js';

/** The trainer kind's name and address kind. */
export const TRAINER_KIND = 'trainer';

/** Default pause between two polls of a provider's fine-tune job (`TROUPE_FINETUNE_POLL_MS`). */
const POLL_MS = 15_000;

export const trainerKind: KindDescriptor = {
  name: TRAINER_KIND,
  serves: TRAINER_KIND,
  stateful: true,
  hostedWith: ['agent'],
  // A job's step may export and upload a large dataset (the SDK's own timeout bounds each request).
  options: { handlerTimeoutMs: 300_000 },
  contribute(services) {
    services.contributions.add(AGENT_PROVIDER_WRAPS, modelOverride(services.system.storage));
  },
  build(services: KindServices): BuiltKind {
    let redactor: Promise<Redact> | undefined;
    let resumer: { close(): void } | undefined;
    const poll = Number(services.env['TROUPE_FINETUNE_POLL_MS']);
    const jobs = {
      api: () => fineTuningFromEnv(services.env),
      redact: () => (redactor ??= datasetRedactor()),
      pollMs: Number.isFinite(poll) && poll > 0 ? poll : POLL_MS,
      resolve: (address: string, tenant: string) => services.resolve(address, tenant),
    };
    const jobId = (id: string): string | undefined => (id.startsWith('ft-') && JOB_ID.test(id.slice(3)) ? id.slice(3) : undefined);
    return {
      ids: () => ['feedback', 'models'],
      accepts: (id) => id === 'feedback' || id === 'models' || jobId(id) !== undefined,
      behavior: (id): Behavior<unknown> => {
        const job = jobId(id);
        if (job !== undefined) return jobBehavior(job, jobs) as Behavior<unknown>;
        return (id === 'models' ? modelsBehavior() : feedbackBehavior()) as Behavior<unknown>;
      },
      // Jobs under way when the mesh last stopped, or on a node that is gone, go on (finetune/resume.ts).
      start() {
        resumer ??= resumeJobs(services.system, jobs.resolve);
        return Promise.resolve();
      },
      close() {
        resumer?.close();
        return Promise.resolve();
      },
    };
  },
};
