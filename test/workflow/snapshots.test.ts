import { describe, it, expect } from 'vitest';
import { assign as xstateAssign, createActor, setup, type AnyActorRef } from 'xstate';
import { parse } from 'yaml';
import { workflowSchema } from '../../config/index.js';
import { compileWorkflow, type StepRequest } from '../../actors/workflow/index.js';
import { assign, persistedSnapshot } from '../../actors/workflow/snapshots.js';
import { SimulatedClock } from '../../runtime/index.js';
import { SUPPORT_FLOW_YAML } from './fixtures.js';

type Ctx = { n: number; log: string[] };

/** A parallel machine whose context changes by `update`, in the same transitions that change its states. */
function machine(update: typeof assign) {
  const bump = update((a: { context: Ctx; event: { by?: number } }) => ({ n: a.context.n + (a.event.by ?? 1) }));
  const note = (s: string) => update((a: { context: Ctx }) => ({ log: [...a.context.log, s] }));
  return setup({ types: {} as { context: Ctx } }).createMachine({
    context: { n: 0, log: [] },
    type: 'parallel',
    states: {
      a: {
        initial: 'idle',
        states: {
          idle: { tags: ['a-idle'], on: { go: { target: 'busy', actions: [bump as never, note('a') as never] } } },
          busy: { always: { guard: ({ context }) => context.n >= 3, target: 'over', actions: note('over') as never } },
          over: { tags: ['a-over'] },
        },
      },
      b: { on: { go: { actions: bump as never }, stay: { actions: [bump as never, note('stay') as never] } } },
    },
  });
}

/** Every snapshot of a run of the example (with a timeout step: a deadline child) checked as it is emitted. */
async function runExample(check: (actor: AnyActorRef) => void) {
  const yaml = SUPPORT_FLOW_YAML.replace(/tech:\s*\{/, 'tech: { timeout: "5s",');
  const def = workflowSchema.parse(parse(yaml));
  const clock = new SimulatedClock();
  const execute = (r: StepRequest) =>
    Promise.resolve(r.kind === 'tool' ? 'T12:00' : r.step === 'classify' ? 'no idea' : `${r.target}: ${String(r.input)}`);
  const actor = createActor(compileWorkflow(def, { clock, execute }), { input: { input: { text: 'it crashes' }, metadata: {} } });
  let checked = 0;
  actor.subscribe(() => {
    check(actor);
    checked++;
  });
  actor.start();
  await clock.advance(1);
  actor.send({ type: 'answer', step: 'review', decision: 'approve' });
  await clock.advance(1);
  expect(actor.getSnapshot().output).toMatchObject({ status: 'completed' });
  return checked;
}

describe('workflow snapshots: cheaper forms of XState work, the same result', () => {
  it("assign gives the same snapshots as XState's own (state value, tags, context, persisted form)", () => {
    const ours = createActor(machine(assign)).start();
    const theirs = createActor(machine(xstateAssign as typeof assign)).start();
    for (const e of [{ type: 'stay' }, { type: 'go' }, { type: 'stay', by: 5 }, { type: 'go' }]) {
      ours.send(e);
      theirs.send(e);
      const [o, t] = [ours.getSnapshot(), theirs.getSnapshot()];
      expect(o.value).toEqual(t.value);
      expect(o.context).toEqual(t.context);
      expect([...o.tags]).toEqual([...t.tags]);
      expect(o.matches({ a: 'over' })).toBe(t.matches({ a: 'over' }));
      expect(ours.getPersistedSnapshot()).toEqual(theirs.getPersistedSnapshot());
    }
    expect(ours.getSnapshot().value).toEqual({ a: 'over', b: {} });
    expect(ours.getSnapshot().context).toEqual({ n: 9, log: ['stay', 'a', 'over', 'stay'] });
  });

  it("persistedSnapshot is the actor's persisted snapshot at every step of a run, with and without a deadline child", async () => {
    let withChild = 0;
    const checked = await runExample((actor) => {
      if (Object.keys((actor.getSnapshot() as { children: object }).children).length > 0) withChild++;
      expect(persistedSnapshot(actor)).toEqual(actor.getPersistedSnapshot());
    });
    expect(checked).toBeGreaterThan(3);
    expect(withChild).toBeGreaterThan(0);
  });
});
