/**
 * Snapshot reads of the JetStream state store (runtime/jetstream/state-store.ts) go to the short-timeout read handle and
 * are asked again at once after a timeout (a read sent while the bucket elected a leader is never answered); writes stay
 * on the bucket's own handle.
 */
import type { KV, KvEntry } from '@nats-io/kv';
import { TimeoutError } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { Codec } from '../../protocols/index.js';
import { KvStateStore } from '../../runtime/jetstream/state-store.js';
import { MeshNames } from '../../runtime/jetstream/subjects.js';

const codec = new Codec();

function entry(value: Uint8Array, revision: number): KvEntry {
  return { value, revision, operation: 'PUT' } as unknown as KvEntry;
}

describe('KvStateStore reads', () => {
  it('load asks the read handle again after a timeout and never waits on the write handle', async () => {
    const stored = entry(codec.encodeValue({ epoch: 3, data: { n: 7 } }), 42);
    const reads: string[] = [];
    const readKv = {
      get: (key: string) => {
        reads.push(key);
        return reads.length === 1 ? Promise.reject(new TimeoutError()) : Promise.resolve(stored);
      },
    } as unknown as KV;
    const writeKv = { get: () => Promise.reject(new Error('snapshot read on the write handle')) } as unknown as KV;
    const store = new KvStateStore(writeKv, new MeshNames('reads'), codec, readKv);
    const start = performance.now();
    expect(await store.load('t', 'tally/a')).toEqual({ data: { n: 7 }, epoch: 3, revision: 42 });
    expect(reads).toEqual(['t.tally.a', 't.tally.a']);
    // Asked again after a short pause (25 ms doubling), not after a request timeout of its own.
    expect(performance.now() - start).toBeLessThan(1_000);
  });
});
