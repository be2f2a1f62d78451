/**
 * One prompt experiment (`trainer/exp-<id>`, stateful: one activation in the mesh, ADR 0032). It owns the
 * experiment's record, its rewards and its event log; every write is fenced by its lease epoch. A new activation (a
 * restart, a failover after its node died) reads the record and rebuilds the posteriors from the stored rewards, so
 * nothing is lost or counted twice. After each reward it recomputes the traffic split (Thompson weights) and decides:
 * promote (move `production`), roll back (move it back), complete — each decision an event on its topic.
 */
import {
  ConflictError,
  EXPERIMENT_ASSIGNED,
  EXPERIMENT_CREATE,
  EXPERIMENT_GET,
  EXPERIMENT_PROMOTE,
  EXPERIMENT_REWARD,
  EXPERIMENT_STOP,
  NotFoundError,
  ValidationError,
  EXPERIMENT_SCHEMAS,
  experimentTopic,
  type ExperimentArm,
  type ExperimentAssigned,
  type ExperimentCreate,
  type ExperimentEvent,
  type ExperimentEventType,
  type ExperimentRecord,
  type ExperimentReward,
} from '../../../protocols/index.js';
import type { ActorContext, ActorRef, Behavior, StorageEntry } from '../../../runtime/index.js';
import type { PromptLibrary } from '../../prompt/index.js';
import { ModelRegistry } from '../finetune/index.js';
import { armModels, switchModel } from './models.js';
import { allocate, decideMonitoring, decideRunning, posteriorMean, seedOf, seeded, type Decision } from './bandit.js';
import { ExperimentStore, eventKey, recordKey, rewardKey, shown, type StoredExperiment } from './store.js';

/** A stored reward: the posterior's truth. */
interface StoredReward extends ExperimentReward {
  /** `after`: on the promoted version after its promotion. */
  readonly phase: 'test' | 'after';
}

/** What an experiment actor holds. */
export interface ExperimentState {
  readonly id: string;
  readonly store: ExperimentStore;
  record?: ExperimentRecord;
}

/** What the kind gives each experiment actor. */
export interface ExperimentDeps {
  readonly library: PromptLibrary;
  /** The template an agent renders (its config's `prompt`), or undefined. */
  templateOf(agent: string): string | undefined;
  /** Reaches the tenant's model registry (`trainer/models`), which switches agents to models. */
  resolve(address: string, tenant: string): Promise<ActorRef>;
}

/** The create message: the client's body with its id. */
export type ExperimentCreateMessage = ExperimentCreate & { readonly id: string };

function applyReward(rec: ExperimentRecord, r: StoredReward): void {
  const target = r.phase === 'after' ? rec.after : rec.arms.find((a) => a.version === r.version);
  if (target === undefined) return;
  target.successes += r.score;
  target.failures += 1 - r.score;
  target.rewards += 1;
}

function reweigh(rec: ExperimentRecord): void {
  if (rec.status === 'monitoring') {
    for (const a of rec.arms) a.weight = a.version === rec.promoted ? 1 : 0;
    return;
  }
  const total = rec.arms.reduce((s, a) => s + a.rewards, 0);
  const w = allocate(rec.arms, rec.config.min_samples, seeded(seedOf(`${rec.id}:w:${total}`)));
  rec.arms.forEach((a, i) => (a.weight = w[i] ?? 0));
}

/** The behavior of `trainer/exp-<id>`. */
export function experimentBehavior(id: string, deps: ExperimentDeps): Behavior<ExperimentState> {
  const write = async (
    st: ExperimentState,
    ctx: ActorContext<ExperimentState>,
    rec: ExperimentRecord,
    events: { type: ExperimentEventType; run_id?: string; version?: number; data?: Record<string, unknown> }[],
    extra: StorageEntry[] = [],
  ): Promise<void> => {
    const tenant = ctx.self.tenant;
    const at = new Date(ctx.system.clock.now()).toISOString();
    rec.updated_at = at;
    const logged: ExperimentEvent[] = events.map((e) => ({ experiment: rec.id, seq: ++rec.events, at, ...e }));
    const stored: StoredExperiment = { ...rec, epoch: ctx.epoch };
    const ok = await st.store.bucket.putFenced(recordKey(tenant, rec.id), ctx.epoch, [
      ...extra,
      ...logged.map((e) => ({ key: eventKey(tenant, rec.id, e.seq), value: e })),
      { key: recordKey(tenant, rec.id), value: stored },
    ]);
    if (!ok) throw new ConflictError(`experiment ${rec.id}: a newer activation owns it`);
    st.record = rec;
    const last = logged.at(-1);
    if (last !== undefined) await ctx.system.publish(experimentTopic(rec.id), { ...last, state: rec }, { tenant, from: ctx.self.address });
  };

  const production = async (tenant: string, template: string): Promise<number | undefined> =>
    (await deps.library.labels(tenant, template))['production'];

  const promote = async (
    st: ExperimentState,
    ctx: ActorContext<ExperimentState>,
    rec: ExperimentRecord,
    version: number,
    why: Record<string, unknown>,
  ): Promise<void> => {
    const tenant = ctx.self.tenant;
    const before = await production(tenant, rec.template);
    const arm = rec.arms.find((a) => a.version === version);
    if (arm?.model !== undefined) {
      // Promotion is the model switch; the switch it replaces is kept for a rollback.
      const held = await new ModelRegistry(ctx.system.storage).use(tenant, rec.agent);
      rec.switched_from = held === undefined ? null : { name: held.name, version: held.version };
      await switchModel(deps, tenant, rec.agent, arm.model === null ? null : { name: arm.model.name, version: arm.model.version });
    }
    await deps.library.setLabel(tenant, rec.template, 'production', version);
    rec.status = 'monitoring';
    rec.promoted = version;
    if (before !== undefined) rec.previous = before;
    rec.reason = `promoted ${rec.template}@${version}`;
    reweigh(rec);
    const runId = typeof why['run_id'] === 'string' ? why['run_id'] : undefined;
    await write(st, ctx, rec, [
      {
        type: 'promoted',
        version,
        ...(runId === undefined ? {} : { run_id: runId }),
        data: { previous: before ?? null, ...(arm?.model === undefined ? {} : { model: arm.model }), ...why },
      },
    ]);
  };

  const decide = async (st: ExperimentState, ctx: ActorContext<ExperimentState>, rec: ExperimentRecord, runId: string): Promise<void> => {
    const r = seeded(seedOf(`${rec.id}:d:${rec.events}`));
    let d: Decision | undefined;
    if (rec.status === 'running' && rec.config.auto_promote) d = decideRunning(rec.arms, rec.control, rec.config, r);
    else if (rec.status === 'monitoring') {
      // The version the promotion replaced, when it was an arm; else the control.
      const control = rec.arms.find((a) => a.version === rec.previous) ?? rec.arms.find((a) => a.version === rec.control);
      if (control !== undefined) d = decideMonitoring(control, rec.after, rec.config, r);
    }
    if (d === undefined) return;
    if (d.type === 'promote') {
      await promote(st, ctx, rec, d.version, { run_id: runId, lift: { low: d.low, high: d.high } });
      return;
    }
    if (d.type === 'rollback') {
      const back = rec.previous ?? rec.control;
      // Rolling back a model arm switches the agent back to the model it used before the promotion.
      if (rec.switched_from !== undefined) await switchModel(deps, ctx.self.tenant, rec.agent, rec.switched_from);
      await deps.library.setLabel(ctx.self.tenant, rec.template, 'production', back);
      rec.status = 'rolled_back';
      rec.reason = `rolled back to ${rec.template}@${back}: the promoted version got worse`;
      await write(st, ctx, rec, [
        { type: 'rolled_back', run_id: runId, version: back, data: { from: rec.promoted ?? null, lift: { low: d.low, high: d.high } } },
      ]);
      return;
    }
    rec.status = 'completed';
    rec.reason = d.reason;
    await write(st, ctx, rec, [{ type: 'completed', run_id: runId, data: { reason: d.reason } }]);
  };

  const create = async (st: ExperimentState, ctx: ActorContext<ExperimentState>, p: ExperimentCreateMessage): Promise<ExperimentRecord> => {
    const { id: _id, ...config } = p;
    if (st.record !== undefined) {
      if (JSON.stringify(st.record.config) === JSON.stringify(config)) return st.record; // a retried create
      throw new ConflictError(`experiment ${id} already exists`);
    }
    const tenant = ctx.self.tenant;
    const template = deps.templateOf(p.agent);
    if (template === undefined)
      throw new ValidationError(`agent ${p.agent}: it renders no prompt template (config "prompt"), nothing to split`);
    for (const v of p.versions) await deps.library.version(tenant, template, v);
    const models = await armModels(new ModelRegistry(ctx.system.storage), tenant, p);
    const prod = await production(tenant, template);
    const control = prod !== undefined && p.versions.includes(prod) ? prod : (p.versions[0] as number);
    const now = new Date(ctx.system.clock.now()).toISOString();
    const rec: ExperimentRecord = {
      id,
      tenant,
      agent: p.agent,
      template,
      control,
      config,
      status: 'running',
      arms: p.versions.map((version, i): ExperimentArm => ({
        version,
        successes: 0,
        failures: 0,
        rewards: 0,
        assigned: 0,
        weight: 0,
        ...(models === undefined ? {} : { model: models[i] ?? null }),
      })),
      after: { successes: 0, failures: 0, rewards: 0 },
      created_at: now,
      updated_at: now,
      events: 0,
    };
    reweigh(rec);
    await write(st, ctx, rec, [{ type: 'created', data: { control, versions: p.versions } }]);
    return rec;
  };

  const reward = async (st: ExperimentState, ctx: ActorContext<ExperimentState>, p: ExperimentReward): Promise<void> => {
    const rec = st.record;
    if (rec === undefined || (rec.status !== 'running' && rec.status !== 'monitoring')) return;
    if (rec.config.key !== undefined && rec.config.key !== p.key) return;
    const key = rewardKey(ctx.self.tenant, rec.id, p.feedback_id);
    if ((await st.store.bucket.get(key)) !== undefined) return; // redelivered
    const r: StoredReward = { ...p, phase: rec.status === 'monitoring' && p.version === rec.promoted ? 'after' : 'test' };
    applyReward(rec, r);
    reweigh(rec);
    await write(
      st,
      ctx,
      rec,
      [{ type: 'reward', run_id: p.run_id, version: p.version, data: { score: p.score, phase: r.phase } }],
      [{ key, value: r }],
    );
    await decide(st, ctx, rec, p.run_id);
  };

  return {
    schemas: EXPERIMENT_SCHEMAS,
    async init(ctx) {
      const st: ExperimentState = { id, store: new ExperimentStore(ctx.system.storage) };
      const tenant = ctx.self.tenant;
      const stored = await st.store.bucket.get<StoredExperiment>(recordKey(tenant, id));
      if (stored === undefined) return st;
      const rec = shown(stored);
      // The rewards are the truth: the posteriors are rebuilt from them (a write cut short cannot skew them).
      for (const a of rec.arms) Object.assign(a, { successes: 0, failures: 0, rewards: 0 });
      rec.after = { successes: 0, failures: 0, rewards: 0 };
      for (const e of await st.store.bucket.list<StoredReward>([tenant, 'reward', id])) applyReward(rec, e.value);
      reweigh(rec);
      st.record = rec;
      return st;
    },
    async receive(msg, ctx) {
      const st = ctx.state;
      if (msg.type === EXPERIMENT_CREATE) return create(st, ctx, msg.payload as ExperimentCreateMessage);
      const rec = st.record;
      if (rec === undefined) {
        if (msg.type === EXPERIMENT_REWARD || msg.type === EXPERIMENT_ASSIGNED) return undefined;
        throw new NotFoundError(`experiment ${id} not found`);
      }
      switch (msg.type) {
        case EXPERIMENT_GET:
          return rec;
        case EXPERIMENT_REWARD:
          await reward(st, ctx, msg.payload as ExperimentReward);
          return undefined;
        case EXPERIMENT_ASSIGNED: {
          const runs = (msg.payload as ExperimentAssigned).runs;
          for (const r of runs) {
            const arm = rec.arms.find((a) => a.version === r.version);
            if (arm !== undefined) arm.assigned++;
          }
          await write(
            st,
            ctx,
            rec,
            runs.map((r) => ({ type: 'assigned' as const, run_id: r.run_id, version: r.version })),
          );
          return undefined;
        }
        case EXPERIMENT_STOP: {
          if (rec.status === 'running' || rec.status === 'monitoring') {
            rec.status = 'stopped';
            rec.reason = 'stopped by hand';
            for (const a of rec.arms) a.weight = 0;
            await write(st, ctx, rec, [{ type: 'stopped' }]);
          }
          return rec;
        }
        case EXPERIMENT_PROMOTE: {
          if (rec.status !== 'running') throw new ConflictError(`experiment ${id} is ${rec.status}: only a running experiment promotes`);
          const asked = (msg.payload as { version?: number } | undefined)?.version;
          const best = [...rec.arms].sort((a, b) => posteriorMean(b) - posteriorMean(a))[0] as ExperimentArm;
          const version = asked ?? best.version;
          if (!rec.arms.some((a) => a.version === version))
            throw new ValidationError(`version ${version} is not an arm of experiment ${id}`);
          await promote(st, ctx, rec, version, { by: 'hand' });
          return rec;
        }
        default:
          return undefined;
      }
    },
  };
}
