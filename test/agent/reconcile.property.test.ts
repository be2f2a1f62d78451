/**
 * A resumed run's pending calls against its log (actors/agent/reconcile.ts): whatever prefix of a step's events was
 * logged before its host stopped, a logged result is taken as the call's answer and a logged call is not announced
 * again; events of earlier steps (call ids repeat across steps) and of other calls change nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PendingCalls, RunEvent } from '../../protocols/index.js';
import { reconcilePending } from '../../actors/agent/reconcile.js';
import { runEvent } from './run-event.js';

describe('reconcilePending', () => {
  it('takes each logged result and call of the step, and nothing of earlier steps or other calls', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom<string>('c1', 'c2', 'c3', 'c4'), { minLength: 1, maxLength: 4 }),
        fc.array(fc.record({ id: fc.constantFrom('c1', 'c2', 'c3', 'c4', 'x'), result: fc.boolean(), error: fc.boolean() }), {
          maxLength: 8,
        }),
        fc.boolean(),
        (ids, logged, earlierStep) => {
          const calls = ids.map((id) => ({ id, name: 'add', arguments: {} }));
          const pending: PendingCalls = { calls, results: {} };
          const events: RunEvent[] = [];
          // An earlier step with the same call ids, answered: none of its results belongs to this step.
          if (earlierStep) {
            events.push(runEvent(events.length + 1, 'message', { role: 'assistant', content: '', tool_calls: calls }));
            for (const id of ids)
              events.push(runEvent(events.length + 1, 'tool_result', { id, name: 'add', is_error: false, content: `old ${id}` }));
          }
          events.push(runEvent(events.length + 1, 'message', { role: 'assistant', content: '', tool_calls: calls }));
          const want: Record<string, { content: string; isError: boolean }> = {};
          const announced = new Set<string>();
          for (const l of logged) {
            if (l.result) {
              events.push(runEvent(events.length + 1, 'tool_result', { id: l.id, name: 'add', is_error: l.error, content: `new ${l.id}` }));
              if (ids.includes(l.id)) want[l.id] ??= { content: `new ${l.id}`, isError: l.error };
            } else {
              events.push(runEvent(events.length + 1, 'tool_call', { id: l.id, name: 'add', arguments: {} }));
              if (ids.includes(l.id)) announced.add(l.id);
            }
          }
          const out = reconcilePending(pending, events);
          expect(out.results).toEqual(want);
          expect(new Set(out.announced ?? [])).toEqual(announced);
          expect(out.calls).toBe(calls);
        },
      ),
    );
  });

  it('keeps results the checkpoint has, and stops waiting for an approval whose result is logged', () => {
    const calls = [
      { id: 'a', name: 'pay', arguments: {} },
      { id: 'b', name: 'add', arguments: {} },
    ];
    const pending: PendingCalls = { calls, results: { b: { content: 'kept', isError: false } }, awaiting: 'a' };
    const events = [
      runEvent(1, 'message', { role: 'assistant', content: '', tool_calls: calls }),
      runEvent(2, 'tool_result', { id: 'b', name: 'add', is_error: false, content: 'logged' }),
      runEvent(3, 'tool_call', { id: 'a', name: 'pay', arguments: {} }),
      runEvent(4, 'tool_result', { id: 'a', name: 'pay', is_error: true, content: 'rejected by a human' }),
    ];
    const out = reconcilePending(pending, events);
    expect(out.results).toEqual({ b: { content: 'kept', isError: false }, a: { content: 'rejected by a human', isError: true } });
    expect(out.awaiting).toBeUndefined();
    expect(out.announced).toEqual(['a']);
    // A log without the step's reply (it was never logged) leaves the checkpoint as it is.
    expect(reconcilePending(pending, events.slice(1))).toBe(pending);
  });
});
