/**
 * Properties of the compiler on random DAGs (fast-check): every run ends completed; a step starts only after each of
 * its needs is done; a step whose `if` is false is skipped and never executed; steps with all needs done start
 * without waiting for unrelated ones; and random, hostile definitions either load or fail with a ConfigError.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { isConfigError, loadConfig, workflowSchema } from '../../config/index.js';
import { compileWorkflow, type StepRequest, type WorkflowEmitted } from '../../actors/workflow/index.js';
import { SimulatedClock } from '../../runtime/index.js';

const dagArb = fc
  .integer({ min: 1, max: 7 })
  .chain((n) =>
    fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.record({ needs: fc.subarray(Array.from({ length: i }, (_, j) => `s${j}`)), run: fc.boolean(), fails: fc.boolean() }),
      ),
    ),
  );

describe('workflow compiler properties', () => {
  it('runs random DAGs in dependency order, skipping exactly the steps whose if is false', async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, async (spec) => {
        const steps = Object.fromEntries(
          spec.map((s, i) => [
            `s${i}`,
            { tool: 't', needs: s.needs, if: s.run ? 'true' : 'false', ...(s.fails ? { retry: { count: 1, backoffMs: 5 } } : {}) },
          ]),
        );
        const def = workflowSchema.parse({ name: 'p', steps });
        const clock = new SimulatedClock();
        const failedOnce = new Set<string>();
        const executed: string[] = [];
        const execute = (r: StepRequest) => {
          executed.push(r.step);
          const i = Number(r.step.slice(1));
          if (spec[i]?.fails && !failedOnce.has(r.step)) {
            failedOnce.add(r.step);
            return Promise.reject(new Error('flaky'));
          }
          return Promise.resolve(r.step);
        };
        const actor = createActor(compileWorkflow(def, { clock, execute }), { input: { input: {} } });
        const events: WorkflowEmitted[] = [];
        actor.on('*', (e) => events.push(e as WorkflowEmitted));
        actor.start();
        await clock.advance(1_000);
        expect(actor.getSnapshot().output?.status).toBe('completed');
        const doneAt = new Map<string, number>();
        events.forEach((e, k) => {
          if ((e.type === 'step.completed' || e.type === 'step.skipped') && 'step' in e) doneAt.set(e.step, k);
        });
        events.forEach((e, k) => {
          if (e.type !== 'step.started') return;
          for (const need of spec[Number(e.step.slice(1))]?.needs ?? []) expect(doneAt.get(need) ?? Infinity).toBeLessThan(k);
        });
        spec.forEach((s, i) => {
          expect(executed.includes(`s${i}`)).toBe(s.run);
          expect(doneAt.has(`s${i}`)).toBe(true);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('hostile definitions either load or fail with a ConfigError, never another error', () => {
    const id = fc.constantFrom('a', 'b', 'c', '__proto__', 'constructor', 'x-y', '');
    const value = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('${', '${}', '${steps}', '${steps.a.output}', '${input.}'),
      fc.integer(),
    );
    const step = fc.dictionary(
      fc.constantFrom('agent', 'tool', 'human', 'needs', 'if', 'input', 'onError', 'next', 'on', 'final', 'retry', 'timeout'),
      fc.oneof(value, fc.array(id, { maxLength: 3 }), fc.dictionary(id, id)),
    );
    fc.assert(
      fc.property(fc.dictionary(id, step, { maxKeys: 4 }), fc.boolean(), fc.anything({ maxDepth: 2 }), (steps, dag, output) => {
        const wf = { name: 'h', [dag ? 'steps' : 'states']: steps, output };
        try {
          loadConfig({ env: {}, overrides: { workflows: [wf] } });
        } catch (e) {
          expect(isConfigError(e), String(e)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
