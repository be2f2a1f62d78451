/** JetStream storage on a three-server cluster: R3 buckets, reads from any server see resolved writes, a server may die. */
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isTroupeError } from '../../protocols/index.js';
import { JetStreamStorage } from '../../runtime/jetstream/index.js';
import { startReadyCluster, type NatsServer } from '../nats/server.js';

let servers: NatsServer[] = [];
let killed: NatsServer | undefined;

/** `op()` until it resolves; every failure must be a clear `unavailable`, and the whole wait is bounded. */
async function retry<T>(op: () => Promise<T>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await op();
    } catch (e) {
      expect(isTroupeError(e, 'unavailable'), String(e)).toBe(true);
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
/** `op()` until it resolves, for the test's own calls to the servers (raw nats.js errors), within 30 s. */
async function eventually<T>(op: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await op();
    } catch (e) {
      if (i >= 120) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
beforeAll(async () => {
  // Ready once an R3 stream can be placed: the cluster elected its JetStream meta leader and every peer joined.
  servers = await startReadyCluster(3);
}, 150_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

it('replicates buckets three ways, reads what any server was sent, and survives losing one server', async () => {
  const [a, b] = await Promise.all([
    JetStreamStorage.connect({ servers: [servers[0]?.url ?? ''], prefix: 'cl', timeoutMs: 3000 }),
    JetStreamStorage.connect({ servers: [servers[1]?.url ?? '', servers[2]?.url ?? ''], prefix: 'cl', timeoutMs: 3000 }),
  ]);
  try {
    expect(a.replicas).toBe(3);
    await a.bucket('runs').put(['warm'], 0);
    for (let i = 0; i < 20; i++) {
      await a.bucket('runs').put(['r', String(i).padStart(2, '0')], { i });
      expect(await b.bucket('runs').get(['r', String(i).padStart(2, '0')])).toEqual({ i });
    }
    expect((await b.bucket('runs').list(['r'])).map((e) => e.value)).toEqual(Array.from({ length: 20 }, (_, i) => ({ i })));
    await servers[2]?.kill();
    killed = servers[2];
    // Until the cluster settles (a stream or meta leader may have been on the dead server)
    // operations fail with `unavailable` after timeoutMs; then they work again.
    expect(
      await retry(() =>
        b
          .bucket('runs')
          .put(['after'], 'ok')
          .then(() => b.bucket('runs').get(['after'])),
      ),
    ).toBe('ok');
    expect(await retry(() => a.bucket('runs').list(['r']))).toHaveLength(20);
    expect(await retry(() => a.bucket('runs').deletePrefix(['r']))).toBe(20);
    expect(await retry(() => b.bucket('runs').list([]))).toEqual([
      { key: ['after'], value: 'ok' },
      { key: ['warm'], value: 0 },
    ]);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}, 90_000);

it('keeps writing through the kill of its stream leader, and lists every write, also just after the server came back', async () => {
  // The test above killed a server: bring it back.
  await killed?.launch();
  killed = undefined;
  const urls = servers.map((s) => s.url);
  const s = await retry(() => JetStreamStorage.connect({ servers: urls, prefix: 'lk', timeoutMs: 1_000, retryMs: 30_000 }));
  const nc = await connect({ servers: urls });
  try {
    const bucket = s.bucket('logs');
    await retry(() => bucket.put(['warm'], 0));
    // The server brought back above may still be starting JetStream (nats.js then says "jetstream is not enabled") or
    // catching the stream up: the leader is killed only once both other replicas are current, so a quorum is left to
    // elect the next one (with a lagging replica left, the stream stayed leaderless past the storage's 30 s retry).
    const leader = await eventually(async () => {
      const jsm = await jetstreamManager(nc, { timeout: 3_000 });
      const cluster = (await jsm.streams.info('KV_lk_logs')).cluster;
      const replicas = cluster?.replicas ?? [];
      if (replicas.length !== 2 || !replicas.every((r) => r.current && r.offline !== true)) throw new Error('replicas not current yet');
      return cluster?.leader;
    });
    const victim = servers.find((x) => x.name === leader);
    expect(victim).toBeDefined();
    const key = (i: number): string[] => ['ev', 'run1', String(i).padStart(4, '0')];
    let written = 0;
    // No retry here: every write must resolve through the election (the storage retries), none fail `unavailable`.
    const writer = (async () => {
      for (; written < 120; written++) await bucket.put(key(written), { i: written });
    })();
    while (written < 20) await new Promise((r) => setTimeout(r, 10));
    await victim?.kill('SIGKILL');
    await writer;
    expect((await bucket.list(['ev', 'run1'])).map((e) => e.value)).toEqual(Array.from({ length: 120 }, (_, i) => ({ i })));
    // The killed server comes back and catches up: a list right after each write sees that write (read-after-write).
    await victim?.launch();
    for (let i = 120; i < 160; i++) {
      await bucket.put(key(i), { i });
      const listed = await bucket.list<{ i: number }>(['ev', 'run1']);
      expect(listed.length, `list after write ${i}`).toBe(i + 1);
      expect(listed.at(-1)?.value).toEqual({ i });
    }
  } finally {
    await nc.close();
    await s.close();
  }
}, 120_000);
