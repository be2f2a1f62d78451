/**
 * A provider's fine-tuning API through the real `openai` SDK (any OpenAI-compatible server by base URL): upload a
 * training file, create a job (tagged with the Troupe job id in its metadata, so a job actor that crashed between
 * creating and recording finds it instead of creating another), read it, its events and checkpoints, cancel it.
 */
import OpenAI, { toFile } from 'openai';
import { ValidationError } from '../../../protocols/index.js';
import type { JobCheckpoint, JobEvent, JobSpec } from './schemas.js';

/** The provider's view of a job. */
export interface ProviderJob {
  readonly id: string;
  readonly status: string;
  readonly fine_tuned_model: string | null;
  readonly trained_tokens: number | null;
  readonly error: string | undefined;
}

/** What the job actor needs of a provider. */
export interface FineTuneApi {
  upload(content: string, filename: string): Promise<string>;
  /** The job created for Troupe job `troupeId`, if the provider has one. */
  find(troupeId: string): Promise<ProviderJob | undefined>;
  create(troupeId: string, spec: JobSpec, fileId: string): Promise<ProviderJob>;
  retrieve(id: string): Promise<ProviderJob>;
  /** The newest events (up to 100) that came after event `seen`, oldest first. */
  events(id: string, seen?: string): Promise<JobEvent[]>;
  checkpoints(id: string): Promise<JobCheckpoint[]>;
  cancel(id: string): Promise<ProviderJob>;
}

function view(j: OpenAI.FineTuning.FineTuningJob): ProviderJob {
  return {
    id: j.id,
    status: j.status,
    fine_tuned_model: j.fine_tuned_model,
    trained_tokens: j.trained_tokens,
    error: j.error === null || j.error === undefined ? undefined : `${j.error.code}: ${j.error.message}`,
  };
}

/** The OpenAI fine-tuning API at `baseURL` (default OpenAI's). */
export function openaiFineTuning(options: { apiKey?: string; baseURL?: string; timeoutMs?: number }): FineTuneApi {
  const client = new OpenAI({
    apiKey: options.apiKey ?? 'not-needed',
    ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
    maxRetries: 2,
    timeout: options.timeoutMs ?? 60_000,
  });
  return {
    async upload(content, filename) {
      const file = await client.files.create({ file: await toFile(Buffer.from(content, 'utf8'), filename), purpose: 'fine-tune' });
      return file.id;
    },
    async find(troupeId) {
      for await (const j of client.fineTuning.jobs.list({ limit: 100, metadata: { troupe_job: troupeId } }))
        if (j.metadata?.['troupe_job'] === troupeId) return view(j);
      return undefined;
    },
    async create(troupeId, spec, fileId) {
      const method =
        spec.dataset.format === 'preference'
          ? { type: 'dpo' as const, dpo: { hyperparameters: spec.n_epochs === undefined ? {} : { n_epochs: spec.n_epochs } } }
          : {
              type: 'supervised' as const,
              supervised: { hyperparameters: spec.n_epochs === undefined ? {} : { n_epochs: spec.n_epochs } },
            };
      return view(
        await client.fineTuning.jobs.create({
          model: spec.base_model,
          training_file: fileId,
          method,
          metadata: { troupe_job: troupeId },
          ...(spec.suffix === undefined ? {} : { suffix: spec.suffix }),
          ...(spec.seed === undefined ? {} : { seed: spec.seed }),
        }),
      );
    },
    async retrieve(id) {
      return view(await client.fineTuning.jobs.retrieve(id));
    },
    async events(id, seen) {
      // The API lists newest first (its `after` pages towards older ones): the first page, up to the one seen last.
      const page = await client.fineTuning.jobs.listEvents(id, { limit: 100 });
      const out: JobEvent[] = [];
      for (const e of page.data) {
        if (e.id === seen) break;
        out.push({ id: e.id, created_at: e.created_at, level: e.level, message: e.message });
      }
      return out.reverse();
    },
    async checkpoints(id) {
      const out: JobCheckpoint[] = [];
      for await (const c of client.fineTuning.jobs.checkpoints.list(id, { limit: 100 }))
        out.push({
          id: c.id,
          step: c.step_number,
          model: c.fine_tuned_model_checkpoint,
          metrics: Object.fromEntries(Object.entries(c.metrics).filter((e): e is [string, number] => typeof e[1] === 'number')),
        });
      return out.sort((a, b) => a.step - b.step);
    },
    async cancel(id) {
      return view(await client.fineTuning.jobs.cancel(id));
    },
  };
}

/** The fine-tuning API `env` configures (`OPENAI_API_KEY` / `OPENAI_BASE_URL`); bad_request when none is. */
export function fineTuningFromEnv(env: NodeJS.ProcessEnv): FineTuneApi {
  const apiKey = env['OPENAI_API_KEY'];
  const baseURL = env['OPENAI_BASE_URL'];
  if (apiKey === undefined && baseURL === undefined)
    throw new ValidationError('no fine-tuning provider is configured (set OPENAI_API_KEY, or OPENAI_BASE_URL for a compatible server)');
  return openaiFineTuning({ ...(apiKey === undefined ? {} : { apiKey }), ...(baseURL === undefined ? {} : { baseURL }) });
}
