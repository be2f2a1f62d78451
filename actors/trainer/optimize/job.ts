/**
 * One optimisation job (`trainer/opt-<id>`, stateful: one activation in the mesh; ADR 0032). Its record, suite,
 * case scores and events live in the storage bucket `optimizations`, each write fenced by the activation's lease
 * epoch; a new activation (restart, failover) goes on where the last stopped — candidates are in the record and every
 * case score is stored, so nothing is run or paid for twice. The search itself is ./search.ts.
 */
import {
  ConflictError,
  NotFoundError,
  OPTIMIZE_CANCEL,
  OPTIMIZE_CREATE,
  OPTIMIZE_GET,
  OPTIMIZE_RESUME,
  OPTIMIZE_SCHEMAS,
  ValidationError,
  optimizationTopic,
  parsePromptRef,
  scrubbedMessage,
  type OptimizeCreate,
  type OptimizeEvent,
  type OptimizeRecord,
} from '../../../protocols/index.js';
import { seqKey, type ActorContext, type ActorRef, type Behavior, type KvBucket, type StorageEntry } from '../../../runtime/index.js';
import type { PromptLibrary } from '../../prompt/index.js';
import { expandCases, parseSuite } from '../eval/index.js';
import { bodyOf, splitCases } from './candidates.js';
import { search, type SearchIo } from './search.js';

/** The bucket optimisations live in: `[tenant, 'opt', id]` records, `'suite'`, `'score'` and `'event'` under the id. */
export const OPTIMIZATIONS_BUCKET = 'optimizations';

/** What the kind gives each optimisation actor. */
export interface OptimizeDeps {
  readonly library: PromptLibrary;
  /** The template reference an agent renders (its config's `prompt`), or undefined. */
  promptOf(agent: string): string | undefined;
  resolve(address: string, tenant: string): Promise<ActorRef>;
}

/** A stored case score. */
export interface CaseScore {
  readonly score: number;
  readonly pass: boolean;
  readonly output: string;
}

/** What an optimisation actor holds. */
export interface OptimizeState {
  readonly bucket: KvBucket;
  record?: OptimizeRecord;
  suite?: string;
  running?: Promise<void>;
  stopped: boolean;
}

type Ctx = Pick<ActorContext<OptimizeState>, 'system' | 'self' | 'epoch'>;

/** The behavior of `trainer/opt-<id>`. */
export function optimizeBehavior(id: string, deps: OptimizeDeps): Behavior<OptimizeState> {
  const recordKey = (tenant: string) => [tenant, 'opt', id];

  const write = async (
    st: OptimizeState,
    ctx: Ctx,
    rec: OptimizeRecord,
    events: Omit<OptimizeEvent, 'optimization' | 'seq' | 'at'>[],
    extra: StorageEntry[] = [],
  ) => {
    const tenant = ctx.self.tenant;
    const at = new Date(ctx.system.clock.now()).toISOString();
    rec.updated_at = at;
    const logged: OptimizeEvent[] = events.map((e) => ({ optimization: id, seq: ++rec.events, at, ...e }));
    const ok = await st.bucket.putFenced(recordKey(tenant), ctx.epoch, [
      ...extra,
      ...logged.map((e) => ({ key: [tenant, 'event', id, seqKey(e.seq)], value: e })),
      { key: recordKey(tenant), value: { ...rec, epoch: ctx.epoch } },
    ]);
    if (!ok) {
      st.stopped = true;
      throw new ConflictError(`optimisation ${id}: a newer activation owns it`);
    }
    st.record = rec;
    const last = logged.at(-1);
    if (last !== undefined) await ctx.system.publish(optimizationTopic(id), { ...last, state: rec }, { tenant, from: ctx.self.address });
  };

  const start = (st: OptimizeState, ctx: Ctx): void => {
    const rec = st.record;
    if (st.running !== undefined || rec === undefined || rec.status !== 'running' || st.suite === undefined) return;
    const tenant = ctx.self.tenant;
    const cases = expandCases(parseSuite(st.suite)).map((c) => ({ ...c, agent: rec.agent }));
    const byId = new Map(cases.map((c) => [c.id, c]));
    const io: SearchIo = {
      library: deps.library,
      tenant,
      agent: () => deps.resolve(`agent/${rec.agent}`, tenant),
      teacher: rec.config.teacher === undefined ? undefined : () => deps.resolve(`agent/${rec.config.teacher as string}`, tenant),
      system: ctx.system,
      stopped: () => st.stopped,
      score: (candidate, caseId) => st.bucket.get<CaseScore>([tenant, 'score', id, seqKey(candidate), caseId]),
      save: (r, events, scores = []) =>
        write(
          st,
          ctx,
          r,
          events,
          scores.map((s) => ({ key: [tenant, 'score', id, seqKey(s.candidate), s.caseId], value: s.score })),
        ),
    };
    st.running = search(rec, { train: rec.train.map((c) => byId.get(c)!), heldout: rec.heldout.map((c) => byId.get(c)!) }, io)
      .catch(async (e: unknown) => {
        if (st.stopped || st.record?.status !== 'running') return;
        const r = st.record;
        r.status = 'failed';
        r.error = scrubbedMessage(e);
        await write(st, ctx, r, [{ type: 'failed', data: { error: r.error } }]).catch(() => undefined);
      })
      .finally(() => {
        delete st.running;
      });
  };

  const create = async (
    st: OptimizeState,
    ctx: ActorContext<OptimizeState>,
    p: OptimizeCreate & { id: string },
  ): Promise<OptimizeRecord> => {
    if (st.record !== undefined) {
      if (st.suite === p.suite && st.record.agent === p.agent) return st.record; // a retried create
      throw new ConflictError(`optimisation ${id} already exists`);
    }
    const tenant = ctx.self.tenant;
    const ref = deps.promptOf(p.agent);
    if (ref === undefined)
      throw new ValidationError(`agent ${p.agent}: it renders no prompt template (config "prompt"), nothing to optimise`);
    const template = parsePromptRef(ref).name;
    const cases = expandCases(parseSuite(p.suite));
    if (cases.length < 2)
      throw new ValidationError(`suite: ${cases.length} case(s); an optimisation needs at least 2 (train and held-out)`);
    const { train, heldout } = splitCases(cases, p.holdout, id);
    const base = (await deps.library.resolve(tenant, `${template}@production`)).template.version;
    const now = new Date(ctx.system.clock.now()).toISOString();
    const { suite: _suite, id: _id, ...config } = p;
    const rec: OptimizeRecord = {
      id,
      tenant,
      agent: p.agent,
      template,
      base_version: base.version,
      config,
      status: 'running',
      phase: 'baseline',
      used: 0,
      train: train.map((c) => c.id),
      heldout: heldout.map((c) => c.id),
      candidates: [{ index: 0, kind: 'baseline', body: bodyOf(base), version: base.version }],
      created_at: now,
      updated_at: now,
      events: 0,
    };
    st.suite = p.suite;
    await write(
      st,
      ctx,
      rec,
      [{ type: 'created', data: { train: train.length, heldout: heldout.length, budget: p.budget } }],
      [{ key: [tenant, 'suite', id], value: p.suite }],
    );
    start(st, ctx);
    return rec;
  };

  return {
    schemas: OPTIMIZE_SCHEMAS,
    async init(ctx) {
      const st: OptimizeState = { bucket: ctx.system.storage.bucket(OPTIMIZATIONS_BUCKET), stopped: false };
      const tenant = ctx.self.tenant;
      const stored = await st.bucket.get<OptimizeRecord & { epoch?: number }>(recordKey(tenant));
      if (stored === undefined) return st;
      const { epoch: _epoch, ...rec } = stored;
      st.record = rec;
      st.suite = await st.bucket.get<string>([tenant, 'suite', id]);
      // A job cut short by a restart or a failover goes on once this activation takes messages.
      if (rec.status === 'running')
        ctx.system.clock.setTimer(0, () => {
          ctx.system
            .tell(ctx.self, OPTIMIZE_RESUME)
            .catch((e: unknown) => ctx.system.warn(`optimisation ${id}: not resumed: ${scrubbedMessage(e)}`));
        });
      return st;
    },
    async receive(msg, ctx) {
      const st = ctx.state;
      if (msg.type === OPTIMIZE_CREATE) return create(st, ctx, msg.payload as OptimizeCreate & { id: string });
      const rec = st.record;
      if (rec === undefined) {
        if (msg.type === OPTIMIZE_RESUME) return undefined;
        throw new NotFoundError(`optimisation ${id} not found`);
      }
      switch (msg.type) {
        case OPTIMIZE_GET:
          return rec;
        case OPTIMIZE_RESUME:
          start(st, ctx);
          return undefined;
        case OPTIMIZE_CANCEL:
          if (rec.status === 'running') {
            st.stopped = true;
            rec.status = 'cancelled';
            await write(st, ctx, rec, [{ type: 'cancelled' }]);
          }
          return rec;
        default:
          return undefined;
      }
    },
    stop(ctx) {
      ctx.state.stopped = true;
    },
  };
}
