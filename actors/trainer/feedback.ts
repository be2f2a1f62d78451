/**
 * The feedback owner of a tenant (`trainer/feedback`, stateful: one activation in the mesh): the one writer of the
 * tenant's feedback records and the keeper of their aggregates per agent, prompt-template version and key. Records
 * are the truth — stored under the run in the `feedback` bucket — and the aggregates are rebuilt from them when the
 * owner starts (on any node, after a crash or a failover), then kept up to date with each write, so a redelivered
 * write (same id) is neither stored nor counted twice.
 */
import {
  EXPERIMENT_REWARD,
  FEEDBACK_ADD,
  FEEDBACK_LIMITS,
  FEEDBACK_LIST,
  FEEDBACK_STATS,
  NotFoundError,
  TooLargeError,
  feedbackAddSchema,
  feedbackListSchema,
  experimentAddress,
  feedbackStatsSchema,
  templateRefSchema,
  type ExperimentReward,
  type FeedbackAdd,
  type FeedbackAggregate,
  type FeedbackRecord,
  type TemplateRef,
} from '../../protocols/index.js';
import type { ActorContext, ActorRef, Behavior, KvBucket } from '../../runtime/index.js';
import { RunStore, type RunRecord } from '../agent/index.js';

/** The bucket feedback records live in: `[tenant, run_id, feedback_id]`. */
export const FEEDBACK_BUCKET = 'feedback';

/** Running sums of one (agent, template, key). */
interface Sums {
  count: number;
  scored: number;
  sum: number;
  min: number;
  max: number;
  positive: number;
  corrections: number;
}

/** The owner's state: the storage it writes and the sums, by `agent \0 template \0 key`. */
export interface FeedbackState {
  readonly bucket: KvBucket;
  readonly runs: RunStore;
  readonly sums: Map<string, Sums>;
  /** Entries per run (the per-run limit). */
  readonly perRun: Map<string, number>;
  /** Reaches experiments' actors (absent: feedback is not forwarded). */
  readonly resolve?: (address: string, tenant: string) => Promise<ActorRef>;
}

/** The template version a run used, as its record names it (`prompt: {name, version}`); undefined for none. */
export function templateOfRun(record: RunRecord): TemplateRef | undefined {
  const r = record as unknown as Record<string, unknown>;
  for (const field of ['prompt', 'template']) {
    const parsed = templateRefSchema.safeParse(r[field]);
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

/** `name@version`, or `-` for runs without a template. */
export function templateLabel(t: TemplateRef | undefined): string {
  return t === undefined ? '-' : `${t.name}@${t.version}`;
}

function count(state: FeedbackState, r: FeedbackRecord): void {
  const k = `${r.agent}\u0000${templateLabel(r.template)}\u0000${r.key}`;
  let s = state.sums.get(k);
  if (s === undefined) {
    s = { count: 0, scored: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY, positive: 0, corrections: 0 };
    state.sums.set(k, s);
  }
  s.count++;
  if (typeof r.score === 'number') {
    s.scored++;
    s.sum += r.score;
    s.min = Math.min(s.min, r.score);
    s.max = Math.max(s.max, r.score);
    if (r.score >= 0.5) s.positive++;
  }
  if (r.correction !== undefined) s.corrections++;
  state.perRun.set(r.run_id, (state.perRun.get(r.run_id) ?? 0) + 1);
}

/** The aggregates of `state`, optionally of one agent, sorted by agent, template and key. */
export function aggregates(state: FeedbackState, agent?: string): FeedbackAggregate[] {
  const out: FeedbackAggregate[] = [];
  for (const [k, s] of state.sums) {
    const [a, template, key] = k.split('\u0000') as [string, string, string];
    if (agent !== undefined && a !== agent) continue;
    const scored = s.scored > 0;
    out.push({
      agent: a,
      template,
      key,
      count: s.count,
      scored: s.scored,
      mean: scored ? s.sum / s.scored : null,
      min: scored ? s.min : null,
      max: scored ? s.max : null,
      positive: s.positive,
      corrections: s.corrections,
    });
  }
  return out.sort((x, y) => x.agent.localeCompare(y.agent) || x.template.localeCompare(y.template) || x.key.localeCompare(y.key));
}

/**
 * Forwards a scored feedback on a run an experiment assigned to that experiment's actor (which counts each feedback
 * id once), so feedback flows into the experiment's posterior. Awaited: a failure fails the write, whose retry (same
 * id) forwards again.
 */
async function forward(state: FeedbackState, ctx: ActorContext<FeedbackState>, r: FeedbackRecord, run: RunRecord): Promise<void> {
  const experiment = (run as unknown as { prompt?: { experiment?: unknown } }).prompt?.experiment;
  if (state.resolve === undefined || typeof experiment !== 'string' || typeof r.score !== 'number' || r.template === undefined) return;
  const ref = await state.resolve(experimentAddress(experiment), ctx.self.tenant);
  const reward: ExperimentReward = { feedback_id: r.id, run_id: r.run_id, version: r.template.version, key: r.key, score: r.score };
  await ctx.system.tell(ref, EXPERIMENT_REWARD, reward);
}

async function add(state: FeedbackState, ctx: ActorContext<FeedbackState>, p: FeedbackAdd): Promise<FeedbackRecord> {
  const tenant = ctx.self.tenant;
  const key = [tenant, p.run_id, p.id];
  const existing = await state.bucket.get<FeedbackRecord>(key);
  // Another tenant's run is not in this tenant's store: the same answer as an unknown one.
  const run = await state.runs.getRun(tenant, p.run_id);
  if (run === undefined) throw new NotFoundError(`run ${p.run_id} not found`);
  if (existing !== undefined) {
    await forward(state, ctx, existing, run); // a redelivered write: stored and counted once, forwarded again
    return existing;
  }
  if ((state.perRun.get(p.run_id) ?? 0) >= FEEDBACK_LIMITS.perRun)
    throw new TooLargeError(`run ${p.run_id} already has ${FEEDBACK_LIMITS.perRun} feedback entries`);
  const f = p.feedback;
  const template = templateOfRun(run);
  const record: FeedbackRecord = {
    id: p.id,
    run_id: p.run_id,
    thread_id: run.thread_id,
    tenant,
    user: p.user,
    agent: run.assistant_id,
    ...(template === undefined ? {} : { template }),
    created_at: new Date(ctx.system.clock.now()).toISOString(),
    key: f.key,
    ...(f.score === undefined ? {} : { score: typeof f.score === 'boolean' ? (f.score ? 1 : 0) : f.score }),
    ...(f.value === undefined ? {} : { value: f.value }),
    ...(f.comment === undefined ? {} : { comment: f.comment }),
    ...(f.correction === undefined ? {} : { correction: f.correction }),
    feedback_source: f.feedback_source ?? { type: 'api' },
  };
  await state.bucket.put(key, record);
  count(state, record);
  await forward(state, ctx, record, run);
  return record;
}

/** The behavior of a tenant's `trainer/feedback`; `resolve` lets it forward rewards to experiments. */
export function feedbackBehavior(resolve?: (address: string, tenant: string) => Promise<ActorRef>): Behavior<FeedbackState> {
  return {
    schemas: { [FEEDBACK_ADD]: feedbackAddSchema, [FEEDBACK_LIST]: feedbackListSchema, [FEEDBACK_STATS]: feedbackStatsSchema },
    async init(ctx) {
      const state: FeedbackState = {
        bucket: ctx.system.storage.bucket(FEEDBACK_BUCKET),
        runs: new RunStore(ctx.system.storage),
        sums: new Map(),
        perRun: new Map(),
        ...(resolve === undefined ? {} : { resolve }),
      };
      for (const e of await state.bucket.list<FeedbackRecord>([ctx.self.tenant])) count(state, e.value);
      return state;
    },
    async receive(msg, ctx) {
      const state = ctx.state;
      switch (msg.type) {
        case FEEDBACK_ADD:
          return add(state, ctx, msg.payload as FeedbackAdd);
        case FEEDBACK_LIST: {
          const { run_id } = msg.payload as { run_id: string };
          if ((await state.runs.getRun(ctx.self.tenant, run_id)) === undefined) throw new NotFoundError(`run ${run_id} not found`);
          return (await state.bucket.list<FeedbackRecord>([ctx.self.tenant, run_id])).map((e) => e.value);
        }
        case FEEDBACK_STATS:
          return aggregates(state, (msg.payload as { agent?: string }).agent);
        default:
          return undefined;
      }
    },
  };
}
