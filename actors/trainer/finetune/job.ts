/**
 * A fine-tune job (`trainer/ft-<id>`, stateful: one activation in the mesh): exports its dataset, uploads it, creates
 * the provider's job, polls it — status, events, checkpoints — until it ends, and registers the model on success.
 * Every step is recorded in storage (`finetune`: `[tenant, job, id]`) before the next, so an activation that starts
 * after a crash or a restart (on any node) carries on from the record: it polls the same provider job, and one that
 * died between creating and recording finds it by its metadata instead of creating a second. Progress goes out on
 * topic `sys.finetune.<id>` of the tenant (what `/ws` clients subscribe to).
 */
import { NotFoundError, ConflictError, ValidationError, isTroupeError, scrubbedMessage, type Envelope } from '../../../protocols/index.js';
import type { ActorContext, ActorRef, Behavior, KvBucket, TimerHandle } from '../../../runtime/index.js';
import { exportDataset } from '../datasets/export.js';
import type { Redact } from '../datasets/redact.js';
import type { FineTuneApi, ProviderJob } from './client.js';
import {
  FINETUNE_CANCEL,
  FINETUNE_GET,
  FINETUNE_START,
  FINETUNE_STEP,
  JOB_STATES,
  MODELS_ADDRESS,
  MODELS_REGISTER,
  TERMINAL_JOB_STATES,
  jobSpecSchema,
  type JobRecord,
  type JobSpec,
  type JobState,
  type ModelVersion,
} from './schemas.js';
import { z } from 'zod';

/** The bucket job records live in, and the index of unfinished jobs (`[~active, tenant, id]`) restarts resume. */
export const FINETUNE_BUCKET = 'finetune';
export const ACTIVE_JOBS = '~active';
/** Events a record keeps. */
const KEEP_EVENTS = 100;

/** What job actors share: the provider, the redactor, how often to poll, and a way to reach the registry. */
export interface JobServices {
  api(): FineTuneApi;
  redact(): Promise<Redact>;
  readonly pollMs: number;
  resolve(address: string, tenant: string): Promise<ActorRef>;
}

/** A job actor's state: its record (undefined before it is started) and its next poll. */
export interface JobActorState {
  readonly bucket: KvBucket;
  readonly id: string;
  record?: JobRecord;
  timer?: TimerHandle;
  /** A newer activation wrote the record: this one drives nothing any more. */
  fenced?: boolean;
}

/** True once a newer activation wrote the job (read through a call: it changes while a step awaits). */
function isFenced(st: JobActorState): boolean {
  return st.fenced === true;
}

/** The topic a job's progress is published on. */
export const jobTopic = (id: string): string => `sys.finetune.${id}`;

const startSchema = z.object({ spec: jobSpecSchema });

function providerState(status: string): JobState {
  return (JOB_STATES as readonly string[]).includes(status) ? (status as JobState) : 'running';
}

/** The behavior of `trainer/ft-<id>`. */
export function jobBehavior(id: string, services: JobServices): Behavior<JobActorState> {
  type Ctx = ActorContext<JobActorState>;

  /**
   * Writes the record (and its index entry) fenced by this activation's epoch: once a newer activation of the job has
   * written (a node that lost the lease but still runs), this one is refused and stops driving the job.
   */
  const save = async (ctx: Ctx, r: JobRecord): Promise<void> => {
    r.updated_at = new Date(ctx.system.clock.now()).toISOString();
    const tenant = ctx.self.tenant;
    const fence = [tenant, 'fence', id];
    const written = await ctx.state.bucket.putFenced(fence, ctx.epoch, [
      { key: fence, value: { epoch: ctx.epoch } },
      { key: [tenant, 'job', id], value: r },
      // The index entry goes with the record: restarts resume exactly the unfinished jobs.
      ...(TERMINAL_JOB_STATES.has(r.status) ? [] : [{ key: [ACTIVE_JOBS, tenant, id], value: r.created_at }]),
    ]);
    if (!written) {
      ctx.state.fenced = true;
      throw new ConflictError(`fine-tune job ${id} is driven by a newer activation (this one has epoch ${ctx.epoch})`);
    }
    if (TERMINAL_JOB_STATES.has(r.status)) await ctx.state.bucket.delete([ACTIVE_JOBS, tenant, id]);
  };

  const progress = (ctx: Ctx, r: JobRecord, extra: Record<string, unknown> = {}): Promise<void> =>
    ctx.publish(jobTopic(id), { job: id, status: r.status, polls: r.polls, ...extra }).catch(() => undefined);

  const schedule = (ctx: Ctx, ms: number): void => {
    if (ctx.state.timer !== undefined) ctx.system.clock.clearTimer(ctx.state.timer);
    const self = ctx.self;
    ctx.state.timer = ctx.system.clock.setTimer(ms, () => void self.tell(FINETUNE_STEP, {}).catch(() => undefined));
  };

  /** Takes the provider's view of the job into the record; publishes a change of status. */
  const observe = async (ctx: Ctx, r: JobRecord, j: ProviderJob): Promise<void> => {
    const before = r.status;
    r.status = providerState(j.status);
    if (j.fine_tuned_model !== null) r.fine_tuned_model = j.fine_tuned_model;
    if (j.trained_tokens !== null) r.trained_tokens = j.trained_tokens;
    if (j.error !== undefined && r.status === 'failed') r.error = j.error;
    if (before !== r.status) await progress(ctx, r);
  };

  const register = async (ctx: Ctx, r: JobRecord): Promise<void> => {
    const last = r.checkpoints.at(-1);
    const registry = await services.resolve(MODELS_ADDRESS, ctx.self.tenant);
    const v = await registry.ask<ModelVersion>(MODELS_REGISTER, {
      name: r.spec.name,
      provider: r.spec.provider,
      base_model: r.spec.base_model,
      model: r.fine_tuned_model ?? '',
      job_id: id,
      provider_job_id: r.provider_job_id ?? '',
      metrics: { ...(last?.metrics ?? {}), ...(r.trained_tokens === undefined ? {} : { trained_tokens: r.trained_tokens }) },
    });
    r.model = { name: v.name, version: v.version };
  };

  /** One step forward from what the record says; schedules the next unless the job ended. */
  const step = async (ctx: Ctx): Promise<void> => {
    const r = ctx.state.record;
    if (ctx.state.fenced === true) return;
    if (r === undefined || (TERMINAL_JOB_STATES.has(r.status) && (r.status !== 'succeeded' || r.model !== undefined))) return;
    try {
      const api = services.api();
      if (r.status === 'pending') {
        const data = await exportDataset(ctx.system.storage, ctx.self.tenant, r.spec.dataset, await services.redact());
        if (data.records === 0) {
          r.status = 'failed';
          r.error = 'the dataset is empty: no run matches the filter';
        } else {
          r.file_id = await api.upload(data.content, `troupe-${id}.jsonl`);
          r.examples = data.records;
          r.status = 'uploaded';
        }
        await save(ctx, r);
        await progress(ctx, r, { examples: r.examples ?? 0 });
      }
      if (r.status === 'uploaded' && r.provider_job_id === undefined) {
        const job = (await api.find(id)) ?? (await api.create(id, r.spec, r.file_id ?? ''));
        r.provider_job_id = job.id;
        await observe(ctx, r, job);
        await save(ctx, r);
      }
      if (r.provider_job_id !== undefined && !TERMINAL_JOB_STATES.has(r.status)) {
        r.polls++;
        await observe(ctx, r, await api.retrieve(r.provider_job_id));
        const fresh = await api.events(r.provider_job_id, r.events.at(-1)?.id);
        for (const e of fresh) await progress(ctx, r, { event: e });
        r.events = [...r.events, ...fresh].slice(-KEEP_EVENTS);
        if (r.status === 'succeeded') r.checkpoints = await api.checkpoints(r.provider_job_id);
        await save(ctx, r);
      }
      if (r.status === 'succeeded' && r.model === undefined) {
        await register(ctx, r);
        await save(ctx, r);
        await progress(ctx, r, { model: r.model });
      }
    } catch (e) {
      // A refused request (a provider's 4xx but 408/409/429, or no provider configured any more) ends the job;
      // anything else (network, 5xx, storage) is tried again at the next poll.
      const status = (e as { status?: unknown }).status;
      const refused = typeof status === 'number' && status >= 400 && status < 500 && ![408, 409, 429].includes(status);
      if (isFenced(ctx.state)) return; // a newer activation drives the job
      if (refused || isTroupeError(e, 'bad_request')) {
        r.status = 'failed';
        r.error = scrubbedMessage(e);
        await save(ctx, r);
        await progress(ctx, r, { error: r.error });
      } else r.error = scrubbedMessage(e);
    }
    if (!TERMINAL_JOB_STATES.has(r.status) || (r.status === 'succeeded' && r.model === undefined)) schedule(ctx, services.pollMs);
  };

  const cancel = async (ctx: Ctx): Promise<JobRecord> => {
    const r = ctx.state.record;
    if (r === undefined) throw new NotFoundError(`no fine-tune job ${id}`);
    if (TERMINAL_JOB_STATES.has(r.status)) throw new ValidationError(`job ${id} has ended (${r.status})`);
    if (r.provider_job_id !== undefined) {
      const id = r.provider_job_id;
      // The provider refusing (the job ended there before our next poll) is the caller's answer, not a crash.
      const job = await services
        .api()
        .cancel(id)
        .catch((e: unknown) => {
          const status = (e as { status?: unknown }).status;
          if (typeof status === 'number' && status >= 400 && status < 500)
            throw new ValidationError(`the provider refused: ${scrubbedMessage(e)}`);
          throw new ConflictError(`the provider could not be reached, try again: ${scrubbedMessage(e)}`);
        });
      await observe(ctx, r, job);
    } else r.status = 'cancelled';
    await save(ctx, r);
    await progress(ctx, r);
    if (TERMINAL_JOB_STATES.has(r.status) && ctx.state.timer !== undefined) ctx.system.clock.clearTimer(ctx.state.timer);
    return r;
  };

  return {
    schemas: {
      [FINETUNE_START]: startSchema,
      [FINETUNE_STEP]: z.object({}),
      [FINETUNE_GET]: z.object({}),
      [FINETUNE_CANCEL]: z.object({}),
    },
    async init(ctx) {
      const bucket = ctx.system.storage.bucket(FINETUNE_BUCKET);
      const record = await bucket.get<JobRecord>([ctx.self.tenant, 'job', id]);
      const state: JobActorState = { bucket, id, ...(record === undefined ? {} : { record }) };
      // A job that was under way when its last activation stopped goes on (the first step right away).
      if (record !== undefined && !TERMINAL_JOB_STATES.has(record.status)) {
        const self = ctx.self;
        state.timer = ctx.system.clock.setTimer(0, () => void self.tell(FINETUNE_STEP, {}).catch(() => undefined));
      }
      return state;
    },
    async receive(msg: Envelope, ctx) {
      switch (msg.type) {
        case FINETUNE_START: {
          if (ctx.state.record !== undefined) return ctx.state.record; // the same job asked for again
          // Parsed again here: the mailbox checks the payload's shape but hands over the value as sent (no defaults).
          const spec: JobSpec = startSchema.parse(msg.payload).spec;
          services.api(); // no provider configured: refused now, not at the first step
          const at = new Date(ctx.system.clock.now()).toISOString();
          const r: JobRecord = {
            id,
            tenant: ctx.self.tenant,
            spec,
            status: 'pending',
            created_at: at,
            updated_at: at,
            events: [],
            checkpoints: [],
            polls: 0,
          };
          ctx.state.record = r;
          await save(ctx, r);
          await progress(ctx, r);
          schedule(ctx, 0);
          return r;
        }
        case FINETUNE_STEP:
          await step(ctx);
          return undefined;
        case FINETUNE_GET:
          if (ctx.state.record === undefined) throw new NotFoundError(`no fine-tune job ${id}`);
          return ctx.state.record;
        case FINETUNE_CANCEL:
          return cancel(ctx);
        default:
          return undefined;
      }
    },
    stop(ctx) {
      const timer = (ctx.state as JobActorState | undefined)?.timer;
      if (timer !== undefined) ctx.system.clock.clearTimer(timer);
    },
  };
}
