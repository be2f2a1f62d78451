/**
 * Supervisors are actors. A failure of a child arrives as a `sys.child.failed` message; the
 * supervisor applies its strategy (one-for-one, one-for-all, rest-for-one) and the child's
 * restart type, within its restart intensity, with exponential backoff and jitter. When the
 * intensity is exceeded it ends its children and fails itself: the failure escalates.
 */
import { z } from 'zod';
import { HandlerError, wireErrorSchema, type Envelope } from '../protocols/index.js';
import {
  CHILD_EXITED,
  CHILD_FAILED,
  type ActorContext,
  type ActorOptions,
  type Behavior,
  type ChildInfo,
  type RestartType,
} from '../runtime/index.js';
import { backoffDelay, RestartWindow, type BackoffOptions } from './backoff.js';

/** Restart strategies. */
export type Strategy = 'one-for-one' | 'one-for-all' | 'rest-for-one';

/** A child a supervisor starts in `init` (and again whenever the supervisor restarts). */
export interface ChildSpec {
  readonly address: string;
  readonly behavior: Behavior<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly restart?: RestartType;
  readonly options?: ActorOptions;
}

/** How a supervisor behaves. */
export interface SupervisorSpec {
  readonly strategy?: Strategy;
  /** Restarts allowed within `withinMs` before escalating (default 3). */
  readonly maxRestarts?: number;
  readonly withinMs?: number;
  readonly backoff?: Partial<BackoffOptions>;
  readonly children?: readonly ChildSpec[];
  /** Source of jitter; inject a seeded one in tests. */
  readonly random?: () => number;
  /**
   * Makes this the root of a node: it never fails. A child past the restart intensity is
   * restarted alone after an escalation backoff, with an alarm raised until it is up again.
   */
  readonly root?: RootPolicy;
}

/** How a root supervisor treats children that escalate (config `supervision.root`). */
export interface RootPolicy {
  /** Delay before restarting an escalated child: grows per consecutive escalation of that child. */
  readonly backoff?: Partial<BackoffOptions>;
  /** A child quiet this long after its restart starts its escalation count again (default 60 s). */
  readonly quietMs?: number;
  /**
   * Consecutive escalations of a node-infrastructure child (one of the root's own tenant that is
   * not a tenant supervisor) after which the node gives up: `system.fatal` (default 5).
   */
  readonly fatalAfter?: number;
  /** True for children that are tenant supervisors (their failures never end the node). */
  readonly isTenantSupervisor?: (address: string) => boolean;
  /** Jitter of the escalation backoff (default Math.random). */
  readonly random?: () => number;
}

/** A supervisor's private state. */
export interface SupervisorState {
  readonly window: RestartWindow;
  escalated: boolean;
  /** Root only: consecutive escalations per child (`tenant\u0000address`) and when the last one was. */
  readonly escalations?: Map<string, { n: number; at: number }>;
  /** Root only: escalated children awaited back up (their alarms clear when they are ready). */
  readonly awaited?: Set<string>;
  /** Root only: stops watching children come back up (set while any is awaited). */
  unwatch?: () => void;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 10, maxMs: 5_000, multiplier: 2, jitter: 0.2 };
const ROOT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, multiplier: 2, jitter: 0.2 };

/** The alarm key of a root's child that is restarting after an escalation. */
export function subtreeAlarmKey(tenant: string, address: string): string {
  return `subtree:${tenant}/${address}`;
}

const childEventSchema = z.object({
  address: z.string(),
  tenant: z.string(),
  incarnation: z.number(),
  restart: z.enum(['permanent', 'transient', 'temporary']),
  error: wireErrorSchema.optional(),
});

/** Message type that returns a supervisor's children. */
export const WHICH_CHILDREN = 'sys.supervisor.which_children';

/** Makes a supervisor behavior. */
export function supervisor(spec: SupervisorSpec = {}): Behavior<SupervisorState> {
  const strategy = spec.strategy ?? 'one-for-one';
  const maxRestarts = spec.maxRestarts ?? 3;
  const withinMs = spec.withinMs ?? 5_000;
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...spec.backoff };
  const random = spec.random ?? Math.random;

  const rootBackoff: BackoffOptions = { ...ROOT_BACKOFF, ...spec.root?.backoff };
  const rootRandom = spec.root?.random ?? Math.random;

  /**
   * The root never fails: the escalated child alone is restarted after a growing backoff, under
   * an alarm that clears when the child is up again; infrastructure that keeps failing ends the node.
   */
  const rootEscalate = (ctx: ActorContext<SupervisorState>, child: ChildInfo, why: string): void => {
    const policy = spec.root as RootPolicy;
    const now = ctx.system.clock.now();
    const key = `${child.ref.tenant}\u0000${child.ref.address}`;
    const book = ctx.state.escalations as Map<string, { n: number; at: number }>;
    const last = book.get(key);
    const n = last === undefined || now - last.at > (policy.quietMs ?? 60_000) ? 1 : last.n + 1;
    book.set(key, { n, at: now });
    const delay = backoffDelay(n, rootBackoff, rootRandom);
    const infrastructure = child.ref.tenant === ctx.self.tenant && policy.isTenantSupervisor?.(child.ref.address) !== true;
    ctx.system.raiseAlarm({
      key: subtreeAlarmKey(child.ref.tenant, child.ref.address),
      message:
        `${child.ref.address} (tenant ${child.ref.tenant}) failed past its restart intensity (${n} in a row): ` +
        `${why}; restarting it in ${delay} ms`,
      tenant: child.ref.tenant,
      address: child.ref.address,
    });
    if (infrastructure && n > (policy.fatalAfter ?? 5)) {
      ctx.system.fatal(`${child.ref.address} keeps failing (${n} escalations in a row): ${why}`);
      return;
    }
    ctx.system.log.error(
      {
        event: 'supervisor.escalation',
        supervisor: ctx.self.address,
        child: child.ref.address,
        tenant: child.ref.tenant,
        n,
        delay_ms: delay,
        error: why,
      },
      `${child.ref.address} failed past its restart intensity; restarting it alone in ${delay} ms`,
    );
    awaitBackUp(ctx, child);
    ctx.restartChild(child.ref, delay);
  };

  /**
   * Watches lifecycle transitions only while an escalated child is awaited (a watcher costs every
   * transition on the node): the child's first `ready` clears its alarm, the last one stops the watch.
   */
  const awaitBackUp = (ctx: ActorContext<SupervisorState>, child: ChildInfo): void => {
    const state = ctx.state;
    const awaited = state.awaited as Set<string>;
    awaited.add(`${child.ref.tenant}\u0000${child.ref.address}`);
    state.unwatch ??= ctx.system.watchLifecycle((e) => {
      if (e.to !== 'ready' || e.from !== 'starting' || !awaited.delete(`${e.tenant}\u0000${e.address}`)) return;
      ctx.system.clearAlarm(subtreeAlarmKey(e.tenant, e.address));
      if (awaited.size > 0) return;
      state.unwatch?.();
      state.unwatch = undefined;
    });
  };

  const escalate = async (ctx: ActorContext<SupervisorState>, child: ChildInfo, why: string): Promise<never | void> => {
    if (spec.root !== undefined) return rootEscalate(ctx, child, why);
    ctx.state.escalated = true;
    ctx.system.log.error(
      { event: 'supervisor.escalation', supervisor: ctx.self.address, child: child.ref.address, tenant: child.ref.tenant, error: why },
      `${ctx.self.address}: restart intensity exceeded; escalating`,
    );
    const children = ctx.children();
    for (let i = children.length - 1; i >= 0; i--) await ctx.terminateChild((children[i] as ChildInfo).ref);
    throw new HandlerError(
      `${ctx.self.address}: restart intensity exceeded (${maxRestarts} restarts within ${withinMs} ms); ` +
        `last failure of ${child.ref.address}: ${why}`,
      {
        details: { escalated: true, child: child.ref.address },
      },
    );
  };

  const restart = async (ctx: ActorContext<SupervisorState>, child: ChildInfo, why: string): Promise<void> => {
    const n = ctx.state.window.admit(ctx.system.clock.now());
    if (n === 0) return escalate(ctx, child, why);
    const delay = backoffDelay(n, backoff, random);
    const children = ctx.children();
    const at = children.findIndex((c) => c.ref.address === child.ref.address);
    let targets: ChildInfo[];
    if (strategy === 'one-for-one' || at < 0) targets = [child];
    else if (strategy === 'one-for-all') targets = children;
    else targets = children.slice(at);
    ctx.system.log.warn(
      {
        event: 'supervisor.restart',
        supervisor: ctx.self.address,
        child: child.ref.address,
        tenant: child.ref.tenant,
        strategy,
        restarts: targets.map((t) => t.ref.address),
        attempt: n,
        delay_ms: delay,
        error: why,
      },
      `restarting ${child.ref.address} in ${delay} ms`,
    );
    for (const t of targets) {
      if (t.restart === 'temporary' && t.ref.address !== child.ref.address) await ctx.terminateChild(t.ref);
      else ctx.restartChild(t.ref, delay);
    }
  };

  const onChildEvent = async (msg: Envelope, ctx: ActorContext<SupervisorState>): Promise<void> => {
    const ev = childEventSchema.parse(msg.payload);
    const crashed = msg.type === CHILD_FAILED;
    const child = ctx.children().find((c) => c.ref.address === ev.address && c.ref.tenant === ev.tenant);
    // A report is acted on only while it is current: the child is still failed (or still exited).
    if (child === undefined || ctx.state.escalated || child.state !== (crashed ? 'failed' : 'stopped')) return;
    const why = ev.error?.message ?? 'exited normally';
    if (crashed) {
      if (child.restart === 'temporary') await ctx.terminateChild(child.ref);
      else if (spec.root !== undefined)
        rootEscalate(ctx, child, why); // every failure that reaches the root is an escalation
      else await restart(ctx, child, why);
      return;
    }
    if (child.restart === 'permanent') await restart(ctx, child, why);
    else ctx.forgetChild(child.ref);
  };

  return {
    supervises: true,
    // No user message types: anything but sys.* is refused (bad_request), never a crash.
    schemas: {},
    async init(ctx) {
      ctx.state = {
        window: new RestartWindow(maxRestarts, withinMs),
        escalated: false,
        ...(spec.root === undefined ? {} : { escalations: new Map(), awaited: new Set<string>() }),
      };
      for (const c of spec.children ?? []) await ctx.spawnChild(c.address, c.behavior, { ...c.options, restart: c.restart ?? 'permanent' });
      return ctx.state;
    },
    receive(msg, ctx) {
      if (msg.type === CHILD_FAILED || msg.type === CHILD_EXITED) return onChildEvent(msg, ctx);
      if (msg.type === WHICH_CHILDREN)
        return ctx
          .children()
          .map((c) => ({ address: c.ref.address, tenant: c.ref.tenant, restart: c.restart, state: c.state, incarnation: c.incarnation }));
      return undefined;
    },
    stop(ctx) {
      (ctx.state as SupervisorState | undefined)?.unwatch?.();
    },
  };
}
