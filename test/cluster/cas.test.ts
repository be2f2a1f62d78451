/**
 * Compare-and-set on a clustered KV bucket (runtime/jetstream/cas.ts): of writers that read one revision of a key and
 * write at once, exactly one is stored — on the server this machine runs too (Debian's 2.9.10 checks the expected
 * revision of a clustered write only before proposing it, nats-server#4320; two nodes took one lease with one epoch).
 * The same race through the plain `kv.update` is measured and printed beside it, not asserted (the server may or may not
 * let it through in a given round).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { casCreate, casPut, isWrongLastSequence, JetStreamStorage } from '../../runtime/jetstream/index.js';
import { startCluster, waitForJetStreamCluster, type NatsServer } from '../nats/server.js';

let servers: NatsServer[] = [];
const conns: NatsConnection[] = [];
let kvs: KV[] = [];

beforeAll(async () => {
  servers = await startCluster(3);
  await waitForJetStreamCluster(servers.map((s) => s.url));
  // One connection per server: writers reach the stream leader through different routes, as nodes of a mesh do.
  for (const s of servers) conns.push(await connect({ servers: s.url }));
  // Reads from the stream leader, as the mesh's directory bucket (runtime/jetstream/transport.ts): a direct get may be
  // answered by a lagging replica, with an older revision (every writer then refused) or no entry at all (seen at load 19).
  const first = await new Kvm(conns[0] as NatsConnection).create('castest', { history: 1, replicas: 3, allow_direct: false });
  kvs = [first, ...(await Promise.all(conns.slice(1).map((nc) => new Kvm(nc).open('castest'))))];
}, 60_000);

afterAll(async () => {
  for (const nc of conns) await nc.close();
  for (const s of servers) await s.stop();
});

/** Writers on every connection replace revision `rev` of `key` at once; returns which of them were stored. */
async function race(
  write: (kv: KV, value: string, rev: number) => Promise<number>,
  rounds: number,
): Promise<{ wins: number[]; finalOk: boolean }> {
  const wins: number[] = [];
  let finalOk = true;
  for (let r = 0; r < rounds; r++) {
    const values = Array.from({ length: 6 }, (_, i) => `round ${r} writer ${i}`);
    const rev = (await kvs[0]!.get('k'))!.revision;
    const results = await Promise.allSettled(values.map((v, i) => write(kvs[i % kvs.length] as KV, v, rev)));
    for (const x of results) if (x.status === 'rejected' && !isWrongLastSequence(x.reason)) throw x.reason;
    const won = results.flatMap((x, i) => (x.status === 'fulfilled' ? [i] : []));
    wins.push(won.length);
    const stored = (await kvs[0]!.get('k'))?.string();
    if (won.length === 1 && stored !== values[won[0] as number]) finalOk = false;
  }
  return { wins, finalOk };
}

describe('compare-and-set on a clustered bucket', () => {
  it('stores exactly one of the writers that replace one revision, round after round', async () => {
    await casCreate(kvs[0] as KV, 'k', 'start');
    const rounds = 40;
    const safe = await race((kv, v, rev) => casPut(kv, 'k', v, rev), rounds);
    // The same race through nats.js' own update, for the report.
    const plain = await race((kv, v, rev) => kv.update('k', v, rev), rounds);
    const over = (w: number[]): number => w.filter((n) => n > 1).length;
    console.log(
      `cas: ${rounds} rounds of 6 writers: casPut stored more than one in ${over(safe.wins)} rounds, ` +
        `none in ${safe.wins.filter((n) => n === 0).length}; kv.update stored more than one in ${over(plain.wins)} rounds`,
    );
    expect(safe.wins).toEqual(Array.from({ length: rounds }, () => 1));
    expect(safe.finalOk).toBe(true);
  }, 120_000);

  it('creates over a delete marker once, and refuses a create of a live key', async () => {
    const kv = kvs[1] as KV;
    await casCreate(kv, 'c', 'one');
    await expect(casCreate(kv, 'c', 'two')).rejects.toSatisfy(isWrongLastSequence);
    await kv.delete('c');
    const results = await Promise.allSettled(kvs.map((k, i) => casCreate(k, 'c', `again ${i}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(isWrongLastSequence(r.reason)).toBe(true);
  });

  it('refuses a delete naming a replaced revision', async () => {
    const kv = kvs[2] as KV;
    const r1 = await casCreate(kv, 'd', 'x');
    await casPut(kv, 'd', 'y', r1);
    await expect(casPut(kv, 'd', '', r1, { delete: true })).rejects.toSatisfy(isWrongLastSequence);
    expect((await kv.get('d'))?.string()).toBe('y');
  });

  it('leaves the highest epoch on a fence that writers of several epochs claim at once (run writes, storage putFenced)', async () => {
    const stores = await Promise.all(servers.map((srv) => JetStreamStorage.connect({ servers: [srv.url], prefix: 'castest' })));
    try {
      const fence = ['t', 'driver', 'run'];
      let lowerLanded = 0;
      for (let round = 0; round < 30; round++) {
        const key = [...fence, String(round)];
        await stores[0]!.bucket('fences').putFenced(key, 1, [{ key, value: { epoch: 1 } }]);
        // The highest epoch starts first: a lower one written at once could otherwise only land before it.
        const epochs = [7, 2, 3, 4, 5, 6];
        const claimed = await Promise.all(
          epochs.map((e, i) => stores[i % stores.length]!.bucket('fences').putFenced(key, e, [{ key, value: { epoch: e } }])),
        );
        // The highest epoch is never refused, and no lower one may land after it.
        expect(claimed[0]).toBe(true);
        const stored = await stores[0]!.bucket('fences').get<{ epoch: number }>(key);
        if (stored?.epoch !== 7) lowerLanded++;
      }
      expect(lowerLanded).toBe(0);
    } finally {
      for (const st of stores) await st.close();
    }
  }, 120_000);
});
