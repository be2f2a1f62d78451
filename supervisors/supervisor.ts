/**
 * Supervisors are actors. A failure of a child arrives as a `sys.child.failed` message; the
 * supervisor applies its strategy (one-for-one, one-for-all, rest-for-one) and the child's
 * restart type, within its restart intensity, with exponential backoff and jitter. When the
 * intensity is exceeded it ends its children and fails itself: the failure escalates.
 */
import { z } from 'zod';
import { HandlerError, wireErrorSchema, type Envelope } from '../protocols/index.js';
import { CHILD_EXITED, CHILD_FAILED, type ActorContext, type ActorOptions, type Behavior, type ChildInfo, type RestartType } from '../runtime/index.js';
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
}

/** A supervisor's private state. */
export interface SupervisorState {
  readonly window: RestartWindow;
  escalated: boolean;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 10, maxMs: 5_000, multiplier: 2, jitter: 0.2 };

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

  const escalate = async (ctx: ActorContext<SupervisorState>, child: ChildInfo, why: string): Promise<never> => {
    ctx.state.escalated = true;
    const children = ctx.children();
    for (let i = children.length - 1; i >= 0; i--) await ctx.terminateChild((children[i] as ChildInfo).ref);
    throw new HandlerError(`${ctx.self.address}: restart intensity exceeded (${maxRestarts} restarts within ${withinMs} ms); last failure of ${child.ref.address}: ${why}`, {
      details: { escalated: true, child: child.ref.address },
    });
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
      ctx.state = { window: new RestartWindow(maxRestarts, withinMs), escalated: false };
      for (const c of spec.children ?? []) await ctx.spawnChild(c.address, c.behavior, { ...c.options, restart: c.restart ?? 'permanent' });
      return ctx.state;
    },
    receive(msg, ctx) {
      if (msg.type === CHILD_FAILED || msg.type === CHILD_EXITED) return onChildEvent(msg, ctx);
      if (msg.type === WHICH_CHILDREN) return ctx.children().map((c) => ({ address: c.ref.address, tenant: c.ref.tenant, restart: c.restart, state: c.state, incarnation: c.incarnation }));
      return undefined;
    },
  };
}
