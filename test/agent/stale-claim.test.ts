/**
 * A thread owner that read no record for a run, then lost its thread (its node paused) while the owner that came next
 * made the run and its agent ended it, must not put the run back to `running` when it wakes (the mesh chaos run found
 * "step done but its agent run is running"): the run's first write is written once, and the late claim is answered
 * with the run that exists. On memory and on a real nats-server (JetStream writes key by key, so only a write that
 * refuses to replace the record keeps it).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newRunRecord, RunStore, ThreadOwners } from '../../actors/agent/index.js';
import { MemoryStorage, type ActorSystem, type Storage, type StorageKey } from '../../runtime/index.js';
import { JetStreamStorage } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';
import { NatsServer } from '../nats/server.js';

const T = 'acme';

let server: NatsServer;
beforeAll(async () => {
  server = await NatsServer.start();
});
afterAll(async () => {
  await server?.stop();
});

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

const checkpoint = (runId: string) => ({
  input: [{ role: 'user' as const, content: 'hello' }],
  checkpoint: { run_id: runId, agent: 'clerk', depth: 0, turns: 0, usage: { promptTokens: 0, completionTokens: 0 }, resumes: 0 },
});

async function lateClaim(storage: Storage): Promise<void> {
  system = await createSystem({ storage, warn: () => undefined });
  const owners = new ThreadOwners(system);
  const store = new RunStore(storage);
  const made = await owners.claim(T, newRunRecord('r1', 'th-1', 'clerk', {}, new Date().toISOString()), undefined, checkpoint('r1'));
  expect(made).toHaveProperty('thread');
  // Its agent drove it to its end: the record final, the thread idle, the checkpoint and active marker released.
  const rec = await store.run(T, 'r1');
  await store.putRun(T, { ...rec, status: 'success', output: 'done' });
  await store.setThreadStatus(T, 'th-1', 'idle', 'r1');
  await store.release(T, 'clerk', 'r1');
  // The late claim (another create of r1, asked again): its owner reads no record — it read before the run was made.
  const runs = storage.bucket('runs');
  const get = runs.get.bind(runs);
  let stale = true;
  runs.get = async <V>(key: StorageKey): Promise<V | undefined> => {
    if (stale && key[1] === 'run' && key[2] === 'r1') {
      stale = false;
      return undefined;
    }
    return get<V>(key);
  };
  const late = await owners.claim(T, newRunRecord('r1', 'th-1', 'clerk', {}, new Date().toISOString()), undefined, checkpoint('r1'));
  expect(stale).toBe(false);
  expect(late).toEqual({ existing: { run_id: 'r1', thread_id: 'th-1', status: 'success' } });
  expect(await store.run(T, 'r1')).toMatchObject({ status: 'success', output: 'done' });
  expect((await store.thread(T, 'th-1')).status).toBe('idle');
  // Nothing of the late claim is left to be resumed: no checkpoint, no active marker.
  expect(await store.getCheckpoint(T, 'r1')).toBeUndefined();
  expect(await store.activeRuns(T, 'clerk')).toEqual([]);
  expect(await store.indexedRuns()).toEqual([]);
}

describe('a late thread claim of a run another claim made', () => {
  it('is answered with that run and changes nothing of it (memory)', async () => {
    await lateClaim(new MemoryStorage());
  });

  it('is answered with that run and changes nothing of it (JetStream)', async () => {
    const storage = await JetStreamStorage.connect({ servers: [server.url], prefix: `stale${process.pid}` });
    try {
      await lateClaim(storage);
    } finally {
      await system?.shutdown();
      system = undefined;
      await storage.close();
    }
  });
});
