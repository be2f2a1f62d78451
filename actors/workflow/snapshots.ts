// Two cheaper forms of XState work a workflow run does on every step (docs/workflows.md, "Speed"), each giving what
// XState's own gives for the machines compileWorkflow makes (test/workflow/snapshots.test.ts compares them):
// - `assign`: a context update. XState's own rebuilds the whole machine snapshot (its state value from the active
//   state nodes, its tags) on every assign; a context update changes neither, so this one copies the snapshot with the
//   new context.
// - `persistedSnapshot`: the snapshot a run's record keeps. XState's own walks the whole context for actor refs (a
//   workflow's context holds none: step records, input, metadata, all data) and serializes history (a workflow machine
//   has no history states); with no child actor (a timeout or backoff deadline) the persisted shape is built directly.
import { assign as xstateAssign, type AnyActorRef } from 'xstate';
import type { WorkflowContext } from './types.js';

/** What XState passes a built-in action's `resolve` (xstate 5's action protocol: `assign` is such an action). */
type Resolve = (
  scope: unknown,
  snapshot: { readonly context: object },
  args: { readonly event: unknown; readonly self: unknown; readonly system: unknown },
  params: unknown,
  action: { readonly assignment: (a: unknown, params: unknown) => object },
) => [unknown, undefined, undefined];

const resolveContext: Resolve = (_scope, snapshot, args, params, { assignment }) => {
  const partial = assignment({ context: snapshot.context, event: args.event, self: args.self, system: args.system }, params);
  const context: Record<string, unknown> = {};
  for (const k in snapshot.context) context[k] = (snapshot.context as Record<string, unknown>)[k];
  for (const k in partial) context[k] = (partial as Record<string, unknown>)[k];
  return [{ ...snapshot, context }, undefined, undefined];
};

/**
 * XState's `assign` of a function (no `spawn`: a workflow spawns no actor from an assign), resolved without rebuilding
 * the state value: the snapshot is copied with the updated context.
 */
export function assign<A, C extends object = WorkflowContext>(f: (a: A) => Partial<C>): ReturnType<typeof xstateAssign> {
  const action = xstateAssign(f as never) as unknown as { resolve: Resolve };
  action.resolve = resolveContext;
  return action as never;
}

/** The persisted snapshot of a run actor, as `actor.getPersistedSnapshot()` gives it. */
export function persistedSnapshot(actor: AnyActorRef): unknown {
  const s = actor.getSnapshot() as {
    status: string;
    output?: unknown;
    error?: unknown;
    value: unknown;
    historyValue: Record<string, unknown>;
    context: WorkflowContext;
    children: Record<string, unknown>;
  };
  for (const _ in s.children) return actor.getPersistedSnapshot();
  for (const _ in s.historyValue) return actor.getPersistedSnapshot();
  return { status: s.status, output: s.output, error: s.error, value: s.value, historyValue: {}, context: s.context, children: {} };
}
