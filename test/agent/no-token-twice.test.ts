/**
 * No token twice after a resume: a host stopped while its model is mid-reply, and a new host on the same storage
 * that asks the model again. What clients already saw is held back while the new reply repeats it; a new reply that
 * differs starts with one `rewind`. Checked on the log and on what live subscribers of both hosts received.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RUN_CREATE, typedRunEventSchema, type RunEvent } from '../../protocols/index.js';
import { MemoryStorage, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { RunStore, agentBehavior, waitForRun } from '../../actors/agent/index.js';
import type { ModelEvent, ModelProvider } from '../../actors/llm/types.js';

const systems: ActorSystem[] = [];
afterEach(async () => {
  for (const s of systems.splice(0)) await s.shutdown();
});

/** A deterministic model streaming `tokens`; with `blockAfter`, it stops after that many until never. */
class Scripted implements ModelProvider {
  readonly name = 'scripted';
  constructor(
    private readonly tokens: readonly string[],
    private readonly blockAfter?: number,
  ) {}
  async *stream(): AsyncIterable<ModelEvent> {
    for (const [i, text] of this.tokens.entries()) {
      if (i === this.blockAfter) await new Promise<never>(() => undefined);
      yield { type: 'token', text };
    }
    const content = this.tokens.join('');
    yield { type: 'done', message: { role: 'assistant', content }, usage: { promptTokens: 1, completionTokens: 1 }, stopReason: 'stop' };
  }
}

async function host(storage: MemoryStorage, provider: ModelProvider, onEvent: (e: RunEvent) => void): Promise<ActorSystem> {
  const s = await createSystem({ storage });
  systems.push(s);
  s.subscribe('run.r1', (env) => onEvent(env.payload as RunEvent));
  await s.spawn('agent/talker', agentBehavior({ name: 'talker', instructions: 'Talk.', provider, model: 'scripted' }));
  return s;
}

/** The reply text a client rebuilds from events: tokens appended, a rewind drops those from its seq on. */
function clientText(events: readonly RunEvent[]): string {
  let parts: { seq: number; text: string }[] = [];
  for (const e of events) {
    if (e.event === 'token') parts.push({ seq: e.seq, text: (e.data as { text: string }).text });
    if (e.event === 'rewind') parts = parts.filter((p) => p.seq < (e.data as { from_seq: number }).from_seq);
  }
  return parts.map((p) => p.text).join('');
}

async function crashMidReply(first: Scripted, second: Scripted): Promise<{ live: RunEvent[]; log: RunEvent[]; output: string }> {
  const storage = new MemoryStorage();
  const live: RunEvent[] = [];
  let tokens = 0;
  let twoTokens = (): void => undefined;
  const streamed = new Promise<void>((r) => (twoTokens = r));
  const s1 = await host(storage, first, (e) => {
    live.push(e);
    if (e.event === 'token' && ++tokens === 2) twoTokens();
  });
  await s1.ref('agent/talker').ask(RUN_CREATE, { run_id: 'r1', input: { messages: [{ role: 'user', content: 'hi' }] } });
  await streamed;
  await s1.shutdown();
  systems.splice(systems.indexOf(s1), 1);

  const s2 = await createSystem({ storage });
  systems.push(s2);
  const done = waitForRun(s2, 'r1', 'default', 10_000, (e) => live.push(e));
  await s2.spawn('agent/talker', agentBehavior({ name: 'talker', instructions: 'Talk.', provider: second, model: 'scripted' }));
  const result = await done;
  expect(result.status).toBe('success');
  const log = await new RunStore(storage).events('default', 'r1');
  expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
  for (const e of log) expect(typedRunEventSchema.safeParse(e).success, e.event).toBe(true);
  expect(live.map((e) => e.seq)).toEqual(log.map((e) => e.seq)); // the subscribers saw the log, each event once
  return { live, log, output: result.output ?? '' };
}

describe('no token twice after a resume', () => {
  it('a new reply that repeats what clients saw continues it: each piece of text once, in order', async () => {
    const { live, log, output } = await crashMidReply(new Scripted(['Hel', 'lo ', 'wor', 'ld'], 2), new Scripted(['Hello', ' world', '!']));
    expect(output).toBe('Hello world!');
    const tokens = log.filter((e) => e.event === 'token').map((e) => (e.data as { text: string }).text);
    expect(tokens).toEqual(['Hel', 'lo ', 'world', '!']);
    expect(log.some((e) => e.event === 'rewind')).toBe(false);
    expect(clientText(live)).toBe('Hello world!');
    expect(log.findIndex((e) => e.event === 'status' && (e.data as { resumed?: number }).resumed === 1)).toBeGreaterThan(0);
  });

  it('a new reply that differs starts with exactly one rewind to the first token clients saw', async () => {
    const { live, log, output } = await crashMidReply(new Scripted(['Hel', 'lo ', 'wor', 'ld'], 2), new Scripted(['Help', ' is', ' here']));
    expect(output).toBe('Help is here');
    const rewinds = log.filter((e) => e.event === 'rewind');
    const firstToken = log.find((e) => e.event === 'token') as RunEvent;
    expect(rewinds).toEqual([expect.objectContaining({ data: { from_seq: firstToken.seq } })]);
    expect(clientText(live)).toBe('Help is here');
    expect(clientText(log)).toBe('Help is here');
  });

  it('a new reply that stops short of what clients saw is rewound too', async () => {
    const { log, output } = await crashMidReply(new Scripted(['Hel', 'lo ', 'wor', 'ld'], 2), new Scripted(['Hel']));
    expect(output).toBe('Hel');
    expect(log.filter((e) => e.event === 'rewind')).toHaveLength(1);
    expect(clientText(log)).toBe('Hel');
  });
});
