/**
 * RunStream (property): whatever mix of logged and live events, duplicates and reordering a
 * resume meets, the client gets exactly the events after `after_seq`, in order, once, and the
 * stream ends once at the terminal event. Real ActorSystem (memory transport) and RunStore.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../actors/agent/store.js';
import { RunStream, type RunSink } from '../../gateway/ws/index.js';
import { runTopic, type RunEvent } from '../../protocols/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';

let system: ActorSystem;
let store: RunStore;
beforeAll(async () => {
  system = await createSystem({ warn: () => undefined });
  store = new RunStore(system.storage);
});
afterAll(async () => {
  await system.shutdown();
});

const event = (runId: string, seq: number, last: number): RunEvent => ({
  run_id: runId,
  thread_id: 't',
  seq,
  agent: 'a',
  event: seq === last ? 'status' : 'token',
  data: seq === last ? { status: 'success', output: 'done' } : { text: `w${seq}` },
});

let runs = 0;

describe('RunStream resume (property)', () => {
  it('delivers after_seq+1..N in order exactly once from any log/live mix', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 25 }).chain((n) =>
          fc.record({
            n: fc.constant(n),
            afterSeq: fc.integer({ min: 0, max: n - 1 }),
            logged: fc.integer({ min: 0, max: n }),
            early: fc.array(fc.integer({ min: 1, max: n }), { maxLength: 10 }),
            late: fc.shuffledSubarray(
              Array.from({ length: n }, (_, i) => i + 1),
              { minLength: 0 },
            ),
            dupes: fc.array(fc.integer({ min: 1, max: n }), { maxLength: 10 }),
          }),
        ),
        async ({ n, afterSeq, logged, early, late, dupes }) => {
          const runId = `prop-${++runs}`;
          const got: number[] = [];
          let ends = 0;
          const sink: RunSink = {
            send: (f) => {
              got.push((f as { seq: number }).seq);
              return true;
            },
            ended: () => void ends++,
            warn: (m) => {
              throw new Error(m);
            },
          };
          // The run record and the first `logged` events exist before the client comes back.
          await store.putRun('default', {
            run_id: runId,
            thread_id: 't',
            assistant_id: 'a',
            agent: 'a',
            status: logged === n ? 'success' : 'running',
            created_at: '',
            updated_at: '',
            metadata: {},
            multitask_strategy: 'reject',
            last_seq: logged,
          });
          for (let s = 1; s <= logged; s++) await store.appendEvents('default', [event(runId, s, n)]);
          const stream = new RunStream(runId, 'default', '', afterSeq, system, store, sink);
          const publish = async (s: number): Promise<void> => system.publish(runTopic(runId), event(runId, s, n), { tenant: 'default' });
          for (const s of early) await publish(s); // live before the log was read (buffered)
          expect(await stream.resume()).toBe(true);
          // The rest of the run: logged first, then published (as the agent host does), in any order, with repeats.
          for (let s = logged + 1; s <= n; s++) await store.appendEvents('default', [event(runId, s, n)]);
          for (const s of [...late, ...dupes]) await publish(s);
          for (let s = logged + 1; s <= n; s++) if (!late.includes(s)) await publish(s);
          const want = Array.from({ length: n - afterSeq }, (_, i) => afterSeq + 1 + i);
          const until = Date.now() + 3_000;
          while (got.length < want.length && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
          await new Promise((r) => setTimeout(r, 5));
          stream.stop();
          expect(got).toEqual(want);
          expect(ends).toBe(1);
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);
});
