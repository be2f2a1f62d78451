/**
 * RunStream (issue 10): an event that never reaches the log ends the stream with an `error`
 * frame naming the missing seqs — never a skip to the events after it — and an event published
 * as a stub (stored out of line) is read back and sent whole. Real ActorSystem and RunStore.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RunStore } from '../../actors/agent/index.js';
import { RunStream, type RunSink } from '../../gateway/ws/index.js';
import { runTopic, type RunEvent } from '../../protocols/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';

let system: ActorSystem;
beforeAll(async () => {
  system = await createSystem({ warn: () => undefined });
});
afterAll(async () => {
  await system.shutdown();
});

const ev = (runId: string, seq: number, data: unknown, event: RunEvent['event'] = 'token'): RunEvent => ({
  run_id: runId,
  thread_id: 't',
  seq,
  agent: 'a',
  event,
  data,
});

function collect(): { sink: RunSink; frames: Record<string, unknown>[]; ended: Promise<void> } {
  const frames: Record<string, unknown>[] = [];
  let done!: () => void;
  const ended = new Promise<void>((r) => (done = r));
  const sink: RunSink = { send: (f) => (frames.push(f as Record<string, unknown>), true), ended: () => done(), warn: () => undefined };
  return { sink, frames, ended };
}

it('ends with an error naming events that never reach the log, sending nothing after them', async () => {
  const store = new RunStore(system.storage);
  await store.appendEvents('default', [ev('gap-1', 1, { text: 'a' })]);
  const { sink, frames, ended } = collect();
  const stream = new RunStream('gap-1', 'default', 'a', 0, system, store, sink);
  expect(await stream.resume()).toBe(true);
  await system.publish(runTopic('gap-1'), ev('gap-1', 4, { text: 'd' }), { tenant: 'default' }); // 2 and 3 never logged
  await ended;
  expect(frames.map((f) => [f['type'], f['seq']])).toEqual([
    ['run.event', 1],
    ['error', undefined],
  ]);
  expect(frames[1]).toMatchObject({ type: 'error', code: 'unavailable', run_id: 'gap-1', missing: [2, 3] });
  expect(String(frames[1]?.['message'])).toMatch(/events 2\.\.3 could not be delivered/);
}, 15_000);

it('reads an event published as a stub back from the log and sends it whole, in order', async () => {
  const store = new RunStore(system.storage, 4096);
  const big = 'x'.repeat(50_000);
  const { sink, frames, ended } = collect();
  const stream = new RunStream('stub-1', 'default', 'a', 0, system, store, sink);
  stream.start();
  const events = [
    ev('stub-1', 1, { text: 'a' }),
    ev('stub-1', 2, { text: big }),
    ev('stub-1', 3, { status: 'success', output: big }, 'status'),
  ];
  const wire = await store.appendEvents('default', events);
  expect(wire.filter((w) => w.stored !== undefined).map((w) => w.seq)).toEqual([2, 3]);
  for (const w of wire) await system.publish(runTopic('stub-1'), w, { tenant: 'default' });
  await ended;
  expect(frames.map((f) => f['seq'])).toEqual([1, 2, 3]);
  expect(frames[1]).toMatchObject({ type: 'run.event', data: { text: big } });
  expect(frames[2]).toMatchObject({ type: 'run.completed', output: big });
});
