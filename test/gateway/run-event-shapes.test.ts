/**
 * The run-event data schemas (protocols/run-events.ts) and record schemas (protocols/records.ts)
 * describe what the agent runtime really writes: runs with tokens, tool calls and results, a
 * handoff, an approval interrupt that is resumed and one that is cancelled are logged, and every
 * logged event, run record, thread record and checkpoint is accepted by its schema.
 */
import { describe, expect, it } from 'vitest';
import { RunStore } from '../../actors/index.js';
import {
  RUN_EVENT_KINDS,
  runRecordSchema,
  threadCheckpointSchema,
  threadRecordSchema,
  typedRunEventSchema,
  formatIssues,
} from '../../protocols/index.js';
import { startFrame, startNode, type TestNode, wsCleanup } from './ws-fixture.js';

let node: TestNode | undefined;
const connect = wsCleanup(
  () => node,
  () => (node = undefined),
);

describe('what runs write has the protocols shapes', () => {
  it('every logged event, run, thread and checkpoint of real runs is accepted by its schema', async () => {
    node = await startNode();
    const c = await connect(node);
    await c.type('welcome');
    const runs: { run: string; thread: string }[] = [];
    const start = async (id: string, agent: string, text: string): Promise<string> => {
      c.send(startFrame(id, agent, text));
      const created = await c.next((f) => f['id'] === id && f['type'] === 'run.created');
      runs.push({ run: created['run_id'] as string, thread: created['thread_id'] as string });
      return created['run_id'] as string;
    };
    await c.run(await start('t', 'assistant', '/tool add {"a":2,"b":40}'));
    await c.run(await start('h', 'triage', '/handoff billing'));
    const approved = await start('a', 'careful', '/tool add {"a":1,"b":1}');
    await c.run(approved, true);
    c.send({ type: 'run.resume', id: 'res', run_id: approved, resume: { approve: true } });
    await c.run(approved);
    const rejected = await start('r', 'careful', '/tool add {"a":1,"b":2}');
    await c.run(rejected, true);
    c.send({ type: 'run.resume', id: 'no', run_id: rejected, resume: { approve: false, reason: 'not now' } });
    await c.run(rejected);
    const cancelled = await start('x', 'careful', '/tool add {"a":5,"b":5}');
    await c.run(cancelled, true);
    c.send({ type: 'run.cancel', run_id: cancelled });
    await c.run(cancelled);

    const store = new RunStore(node.system.storage);
    const kinds = new Set<string>();
    for (const { run, thread } of runs) {
      for (const e of await store.events('default', run)) {
        const r = typedRunEventSchema.safeParse(e);
        expect(r.success, `${e.event} ${JSON.stringify(e.data)}: ${r.success ? '' : formatIssues(r.error.issues)}`).toBe(true);
        kinds.add(e.event);
      }
      const record = await store.run('default', run);
      const rr = runRecordSchema.safeParse(record);
      expect(rr.success, rr.success ? '' : formatIssues(rr.error.issues)).toBe(true);
      const t = threadRecordSchema.safeParse(await store.thread('default', thread));
      expect(t.success, t.success ? '' : formatIssues(t.error.issues)).toBe(true);
      for (const cp of await store.history('default', thread, 100)) {
        const h = threadCheckpointSchema.safeParse(cp);
        expect(h.success, h.success ? '' : formatIssues(h.error.issues)).toBe(true);
      }
    }
    // Every kind of event was seen (so none of the schemas above went unchecked) — but `rewind`, which only a run
    // resumed mid-reply with a different reply writes (test/agent/no-token-twice.test.ts checks its shape), and
    // `audio`, which only a spoken answer writes (test/media/formats.test.ts checks its shape).
    expect([...kinds].sort()).toEqual(RUN_EVENT_KINDS.filter((k) => k !== 'rewind' && k !== 'audio').sort());
  });
});
