/**
 * Events past the storage and wire limits (issue 10): a run whose input makes a burst over the
 * codec's 8 MiB, and single events over NATS's 1 MiB max_payload, is logged and delivered whole —
 * every seq 1..N in the log and to a live reader — on the memory transport with lmdb storage and
 * on JetStream (transport and KV). The layout itself is checked by property.
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Codec, RUN_CREATE, type RunEvent } from '../../protocols/index.js';
import { MemoryStorage, type ActorSystem } from '../../runtime/index.js';
import { JetStreamStorage, JetStreamTransport } from '../../runtime/jetstream/index.js';
import { LmdbStorage } from '../../runtime/lmdb/index.js';
import { createSystem } from '../../supervisors/index.js';
import { RunStore, agentBehavior, isStoredStub, waitForRun } from '../../actors/agent/index.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import { layOut, sizeBound } from '../../actors/agent/event-log.js';
import { NatsServer } from '../nats/server.js';
import { tempDir } from '../storage/tmp.js';

const systems: ActorSystem[] = [];
afterEach(async () => {
  for (const s of systems.splice(0)) await s.shutdown();
});

/** An input of `words` words of `width` characters: the offline model echoes it token by token. */
function bigInput(words: number, width: number): string {
  return Array.from({ length: words }, (_, i) => `w${i}`.padEnd(width, 'x')).join(' ');
}

async function runBig(
  s: ActorSystem,
  store: RunStore,
  runId: string,
  text: string,
): Promise<{ live: RunEvent[]; logged: RunEvent[]; status: string; stubs: number }> {
  let stubs = 0;
  const raw = s.subscribe(`run.${runId}`, (env) => void (isStoredStub(env.payload) && stubs++), { tenant: 'default' });
  await s.spawn('agent/echo', agentBehavior({ name: 'echo', instructions: 'Echo.', provider: new OfflineProvider(), model: 'offline' }));
  const done = waitForRun(s, runId, 'default', 120_000, undefined, undefined, store);
  await s.ref('agent/echo').tell(RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content: text }] } });
  const end = await done;
  raw.unsubscribe();
  return { live: end.events, logged: await store.events('default', runId), status: end.status, stubs };
}

function expectWhole(events: readonly RunEvent[], text: string): void {
  expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
  expect(events.some(isStoredStub)).toBe(false);
  const end = events.at(-1) as RunEvent;
  expect((end.data as { status: string }).status).toBe('success');
  expect((end.data as { output: string }).output).toContain(text);
  const tokens = events
    .filter((e) => e.event === 'token')
    .map((e) => (e.data as { text: string }).text)
    .join('');
  expect(tokens).toContain(text);
}

describe('run log layout', () => {
  const codec = new Codec({ maxBytes: 1 << 30 });
  const event = (seq: number, data: unknown): RunEvent => ({ run_id: 'r1', thread_id: 't1', seq, event: 'token', agent: 'a', data });

  it('keeps every stored value under the budget and reads every event back whole, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(fc.string({ maxLength: 40 }), fc.string({ minLength: 500, maxLength: 5000 }), fc.uint8Array({ maxLength: 6000 })),
          { minLength: 1, maxLength: 30 },
        ),
        fc.integer({ min: 0, max: 5 }),
        async (datas, start) => {
          const events = datas.map((d, i) => event(start + i + 1, { text: d }));
          const budget = 2048;
          const { entries, wire } = layOut('t', events, budget);
          for (const e of entries) expect(codec.encodeValue(e.value).length).toBeLessThanOrEqual(budget);
          expect(wire.map((e) => e.seq)).toEqual(events.map((e) => e.seq));
          for (const [i, w] of wire.entries()) expect(isStoredStub(w)).toBe(codec.encodeValue(events[i]).length + 16 > budget);
          const store = new RunStore(new MemoryStorage(), budget);
          expect(await store.appendEvents('t', events)).toEqual(wire);
          expect(await store.events('t', 'r1', start)).toEqual(events);
          expect(await store.events('t', 'r1', start + 1)).toEqual(events.slice(1));
          expect(await store.lastSeq('t', 'r1')).toBe(events.at(-1)?.seq);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("bounds an event's encoded size from above without encoding it, so a segment never passes its budget", async () => {
    // Any wire value (nested objects, non-ASCII and astral strings, -0, undefined keys, bytes) as an event's data. A
    // `__proto__` key is not one (the codec refuses it), nor `toJSON` (test/protocols/arbitraries.ts says why).
    const wireKey = fc.string().filter((k) => k !== '__proto__' && k !== 'toJSON');
    const data = fc.oneof(
      fc.jsonValue().filter((v) => !/"(__proto__|toJSON)":/.test(JSON.stringify(v) ?? '')),
      fc.dictionary(wireKey, fc.oneof(fc.string({ unit: 'binary' }), fc.constant(undefined), fc.constant(-0), fc.uint8Array())),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(data, { minLength: 1, maxLength: 20 }), fc.integer({ min: 256, max: 4096 }), async (datas, budget) => {
        const events = datas.map((d, i) => event(i + 1, d));
        for (const e of events) expect(sizeBound(e)).toBeGreaterThanOrEqual(codec.encodeValue(e).length);
        const { entries, wire } = layOut('t', events, budget);
        for (const e of entries) expect(codec.encodeValue(e.value).length).toBeLessThanOrEqual(budget);
        for (const [i, w] of wire.entries()) expect(isStoredStub(w)).toBe(codec.encodeValue(events[i]).length + 16 > budget);
        const store = new RunStore(new MemoryStorage(), budget);
        await store.appendEvents('t', events);
        expect(await store.events('t', 'r1')).toEqual(codec.decodeValue(codec.encodeValue(events)));
      }),
      { numRuns: 100 },
    );
  });

  it("keeps the first driver's out-of-line event whole when another write of the same seq comes late", async () => {
    const storage = new MemoryStorage();
    const store = new RunStore(storage, 1024);
    const fence = { agent: 'a', epoch: 1 };
    // Two drivers' bodies of one seq, the same size, different bytes: chunks that replaced each other would mix them.
    const first = { text: 'a'.repeat(5000) };
    await store.appendEvents('t', [event(1, first)], fence);
    await expect(store.appendEvents('t', [event(1, { text: 'b'.repeat(5000) })], fence)).rejects.toThrow(/driven by a newer activation/);
    const logged = await store.events('t', 'r1');
    expect(logged.map((e) => e.data)).toEqual([first]);
    // The same write again (an answer lost, the write retried) is not a conflict.
    await expect(store.appendEvents('t', [event(1, first)], fence)).resolves.toHaveLength(1);
  });

  it('refuses a stub whose body is torn instead of returning part of it', async () => {
    const storage = new MemoryStorage();
    const store = new RunStore(storage, 1024);
    const [stub] = await store.appendEvents('t', [event(1, { text: 'x'.repeat(5000) })]);
    await storage.bucket('runs').delete(['t', 'evbody', 'r1', '0000000000000001', '0000000000000002']);
    expect(isStoredStub(stub)).toBe(true);
    await expect(store.events('t', 'r1')).rejects.toThrow(/event 1 is stored out of line but \d+ of its \d+ bytes were found/);
  });
});

describe('a run past the limits on the memory transport with lmdb storage', () => {
  it('logs and delivers all of a 14 MB burst of 120,030 events (before: 2 of them logged and streamed)', async () => {
    const storage = new LmdbStorage(tempDir('runlog'));
    const s = await createSystem({ storage });
    systems.push(s);
    const text = bigInput(60_000, 15);
    const { live, logged, status } = await runBig(s, new RunStore(storage), 'big-lmdb', text);
    expect(status).toBe('success');
    expect(live.length).toBe(120_030);
    expect(logged).toEqual(live);
    expectWhole(logged, text);
  }, 60_000);
});

describe('a run past the limits on JetStream', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await NatsServer.start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('logs and delivers a 2 MB burst and a 0.9 MB message and output over a 1 MiB max_payload', async () => {
    const prefix = `big${process.pid}`;
    const js = await JetStreamStorage.connect({ servers: [server.url], prefix });
    const s = await createSystem({ node: 'n1', transport: new JetStreamTransport({ servers: server.url, prefix }), storage: js });
    systems.push(s);
    const text = bigInput(6_000, 150);
    const { live, logged, status, stubs } = await runBig(s, new RunStore(js), 'big-js', text);
    expect(status).toBe('success');
    expect(stubs).toBe(2); // the message and the final status went out as stubs, and came in whole
    expect(logged).toEqual(live);
    expectWhole(live, text);
  }, 60_000);
});
