/**
 * The assignment of a run to an experiment's arm, on the node that starts the run (ADR 0032). Each node keeps, per
 * tenant, the running experiments by agent with their traffic split already computed by the experiment's actor (the
 * Thompson weights: its posterior sampling, done once per change, not per run), so assigning a run is one uniform
 * draw over a cumulative table — no storage read, no message. The table is loaded once per tenant, then kept current
 * by the experiments' events on their topic, and re-read in the background every {@link REFRESH_MS}. Assignments are
 * reported to the experiment's actor in batches, off the run's path.
 */
import {
  EXPERIMENT_ASSIGNED,
  EXPERIMENTS_TOPIC_PATTERN,
  experimentAddress,
  type ExperimentEvent,
  type ExperimentRecord,
} from '../../../protocols/index.js';
import type { ActorRef, ActorSystem, Subscription, TimerHandle } from '../../../runtime/index.js';
import { ExperimentStore } from './store.js';

/** How often a node re-reads a tenant's experiments in the background (a missed event heals by then). */
export const REFRESH_MS = 30_000;
/** How long assignments wait before they are reported (one message per experiment per flush). */
export const REPORT_MS = 200;
/** Assignments per report message at most. */
export const REPORT_BATCH = 500;

/** The version an experiment gave a run. */
export interface Assignment {
  /** `name@version`: the template reference the run renders. */
  readonly prompt: string;
  readonly version: number;
  readonly experiment: string;
  /** The model id the run calls (null: the agent's configured model); absent when the arms name no models. */
  readonly model?: string | null;
}

/** Runs whose arm's model a node remembers until their first model call (the oldest is forgotten first). */
const REMEMBERED_RUNS = 4096;

interface Route {
  readonly id: string;
  readonly template: string;
  readonly versions: Int32Array;
  /** Cumulative weights; the last is 1. */
  readonly cumulative: Float64Array;
  readonly events: number;
  readonly refs: readonly string[];
  /** Each arm's model id (null: the configured model); undefined when the arms name no models. */
  readonly models: readonly (string | null)[] | undefined;
}

interface TenantRoutes {
  byAgent: Map<string, Route>;
  loadedAt: number;
  loading?: Promise<void>;
  subscription?: Subscription;
}

/** One node's assignment table over every tenant's running experiments. */
export class ExperimentRouter {
  private readonly tenants = new Map<string, TenantRoutes>();
  private readonly store: ExperimentStore;
  private pending = new Map<string, { tenant: string; runs: { run_id: string; version: number }[] }>();
  private flushTimer: TimerHandle | undefined;
  private closed = false;
  /** `tenant\0run` → the model its arm names, for the run's model calls on this node (modelOf). */
  private readonly runModels = new Map<string, string | null>();

  constructor(
    private readonly system: ActorSystem,
    private readonly resolve: (address: string, tenant: string) => Promise<ActorRef>,
    private readonly random: () => number = Math.random,
  ) {
    this.store = new ExperimentStore(system.storage);
  }

  /**
   * The arm run `runId` of `agent` renders, when a running experiment splits the agent's template `template`;
   * synchronous once the tenant's table is loaded (a promise only for the tenant's first run on this node).
   */
  assign(tenant: string, agent: string, template: string, runId: string): Assignment | undefined | Promise<Assignment | undefined> {
    const t = this.tenants.get(tenant);
    if (t === undefined || t.loadedAt === 0) return this.load(tenant).then(() => this.pick(tenant, agent, template, runId));
    if (t.loading === undefined && this.system.clock.now() - t.loadedAt > REFRESH_MS) this.refresh(tenant, t);
    return this.pick(tenant, agent, template, runId);
  }

  private pick(tenant: string, agent: string, template: string, runId: string): Assignment | undefined {
    const route = this.tenants.get(tenant)?.byAgent.get(agent);
    if (route === undefined || route.template !== template) return undefined;
    const u = this.random();
    const c = route.cumulative;
    let i = 0;
    while (i < c.length - 1 && (c[i] as number) <= u) i++;
    const version = route.versions[i] as number;
    this.report(tenant, route.id, runId, version);
    if (route.models === undefined) return { prompt: route.refs[i] as string, version, experiment: route.id };
    const model = route.models[i] ?? null;
    if (this.runModels.size >= REMEMBERED_RUNS) this.runModels.delete(this.runModels.keys().next().value as string);
    this.runModels.set(`${tenant}\u0000${runId}`, model);
    return { prompt: route.refs[i] as string, version, experiment: route.id, model };
  }

  /**
   * The model an experiment's arm gave run `runId` on this node (null: the agent's configured model); undefined when
   * it was given none. The agents' model override reads it at the run's model calls (finetune/override.ts).
   */
  modelOf(tenant: string, runId: string): string | null | undefined {
    return this.runModels.get(`${tenant}\u0000${runId}`);
  }

  /** Applies an experiment's state (from its event, or storage) when it is newer than the one held. */
  apply(tenant: string, state: ExperimentRecord): void {
    const t = this.tenant(tenant);
    const held = t.byAgent.get(state.agent);
    if (held !== undefined && held.id === state.id && held.events > state.events) return;
    const active = state.status === 'running' || state.status === 'monitoring';
    if (!active) {
      if (held?.id === state.id) t.byAgent.delete(state.agent);
      return;
    }
    const arms = state.arms.filter((a) => a.weight > 0);
    const total = arms.reduce((s, a) => s + a.weight, 0);
    if (arms.length === 0 || total <= 0) return;
    const cumulative = new Float64Array(arms.length);
    let acc = 0;
    arms.forEach((a, i) => {
      acc += a.weight / total;
      cumulative[i] = i === arms.length - 1 ? 1 : acc;
    });
    t.byAgent.set(state.agent, {
      id: state.id,
      template: state.template,
      versions: Int32Array.from(arms.map((a) => a.version)),
      cumulative,
      events: state.events,
      refs: arms.map((a) => `${state.template}@${a.version}`),
      models: arms.some((a) => a.model !== undefined) ? arms.map((a) => a.model?.model ?? null) : undefined,
    });
  }

  private tenant(tenant: string): TenantRoutes {
    let t = this.tenants.get(tenant);
    if (t === undefined) {
      t = { byAgent: new Map(), loadedAt: 0 };
      this.tenants.set(tenant, t);
    }
    return t;
  }

  /** Loads `tenant`'s table once (subscribing to its experiments' events first, so none is missed). */
  load(tenant: string): Promise<void> {
    const t = this.tenant(tenant);
    if (t.loadedAt > 0) return Promise.resolve();
    t.subscription ??= this.system.subscribe(
      EXPERIMENTS_TOPIC_PATTERN,
      (env) => {
        // Only an experiment's own actor speaks for it: a client may publish on these topics too (/ws `publish`).
        const state = (env.payload as ExperimentEvent | undefined)?.state;
        if (state !== undefined && typeof state === 'object' && env.from === experimentAddress(state.id)) this.apply(tenant, state);
      },
      { tenant },
    );
    t.loading ??= this.read(tenant, t);
    return t.loading;
  }

  private async read(tenant: string, t: TenantRoutes): Promise<void> {
    try {
      for (const e of await this.store.list(tenant)) this.apply(tenant, e);
      t.loadedAt = this.system.clock.now();
    } finally {
      delete t.loading;
    }
  }

  private refresh(tenant: string, t: TenantRoutes): void {
    t.loadedAt = this.system.clock.now();
    t.loading = this.read(tenant, t);
    t.loading.catch((e: unknown) => this.system.warn(`experiments of ${tenant}: refresh failed: ${(e as Error).message}`));
  }

  private report(tenant: string, id: string, runId: string, version: number): void {
    const k = `${tenant}\u0000${id}`;
    let p = this.pending.get(k);
    if (p === undefined) {
      p = { tenant, runs: [] };
      this.pending.set(k, p);
    }
    p.runs.push({ run_id: runId, version });
    if (this.flushTimer === undefined && !this.closed)
      this.flushTimer = this.system.clock.setTimer(REPORT_MS, () => {
        this.flushTimer = undefined;
        this.flush().catch((e: unknown) => this.system.warn(`experiment assignments not reported: ${(e as Error).message}`));
      });
  }

  /** Reports the pending assignments to their experiments now. */
  async flush(): Promise<void> {
    const batches = this.pending;
    this.pending = new Map();
    for (const [k, p] of batches) {
      const id = k.slice(k.indexOf('\u0000') + 1);
      const ref = await this.resolve(experimentAddress(id), p.tenant);
      for (let i = 0; i < p.runs.length; i += REPORT_BATCH)
        await this.system.tell(ref, EXPERIMENT_ASSIGNED, { runs: p.runs.slice(i, i + REPORT_BATCH) });
    }
  }

  /** Stops listening and reports what is pending. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.flushTimer !== undefined) this.system.clock.clearTimer(this.flushTimer);
    for (const t of this.tenants.values()) t.subscription?.unsubscribe();
    this.tenants.clear();
    await this.flush().catch(() => undefined);
  }
}
