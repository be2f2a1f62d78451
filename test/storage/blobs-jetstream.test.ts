/**
 * Blobs on JetStream: the object store `<prefix>_blobs` (runtime/storage/jetstream-blobs.ts, ADR 0047), on a real
 * nats-server. Damage is done to the object's chunk messages in its stream.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore, type Storage } from '../../runtime/index.js';
import { JetStreamStorage, blobObjectName } from '../../runtime/jetstream/index.js';
import { NatsServer } from '../nats/server.js';
import { blobContract } from './blobs-contract.js';

let server: NatsServer;
let nc: NatsConnection;
beforeAll(async () => {
  server = await NatsServer.start();
  nc = await connect({ servers: server.url });
});
afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

let n = 0;
const prefixOf = (s: Storage): string => (s as JetStreamStorage).prefix;

blobContract({
  name: 'jetstream (object store)',
  runs: 25,
  open: () => JetStreamStorage.connect({ servers: [server.url], prefix: `b${process.pid}x${n++}` }),
  async copies(s, tenant, id) {
    const os = await new Objm(jetstream(nc)).open(`${prefixOf(s)}_blobs`);
    const objects = (await os.list()).filter((o) => !o.deleted && o.name === blobObjectName(tenant, id));
    // One object, and only its own chunks in the stream (an overwritten copy's chunks are purged).
    const info = await (await jetstreamManager(nc)).streams.info(`OBJ_${prefixOf(s)}_blobs`, { subjects_filter: '$O.>' });
    const chunkSubjects = Object.keys(info.state.subjects ?? {}).filter((k) => k.includes('.C.'));
    expect(chunkSubjects).toContain(`$O.${prefixOf(s)}_blobs.C.${objects[0]?.nuid}`);
    return objects.length;
  },
  async corrupt(s, tenant, id, how) {
    const bucket = `${prefixOf(s)}_blobs`;
    const os = await new Objm(jetstream(nc)).open(bucket);
    const info = await os.info(blobObjectName(tenant, id));
    const subject = `$O.${bucket}.C.${info!.nuid}`;
    const jsm = await jetstreamManager(nc);
    const last = await jsm.streams.getMessage(`OBJ_${bucket}`, { last_by_subj: subject });
    await jsm.streams.deleteMessage(`OBJ_${bucket}`, last!.seq);
    if (how === 'flip')
      await jetstream(nc).publish(
        subject,
        last!.data.map((b) => b ^ 0xff),
      );
  },
});

describe('blobs in the JetStream object store', () => {
  it('use the object store, not KV chunks: no `blobs` KV bucket is made', async () => {
    const s = await JetStreamStorage.connect({ servers: [server.url], prefix: `o${process.pid}` });
    const ref = await new BlobStore(s).put('acme', Buffer.from('hello'), 'text/plain');
    const jsm = await jetstreamManager(nc);
    const names: string[] = [];
    for await (const name of jsm.streams.names()) names.push(name);
    expect(names).toContain(`OBJ_o${process.pid}_blobs`);
    expect(names).not.toContain(`KV_o${process.pid}_blobs`);
    const info = await (await new Objm(jetstream(nc)).open(`o${process.pid}_blobs`)).info(`acme/${ref.blob}`);
    expect(info).toMatchObject({ size: 5, metadata: { mime: 'text/plain' } });
    await s.close();
  });

  it('reads what another node wrote (a second connection)', async () => {
    const prefix = `t${process.pid}`;
    const one = await JetStreamStorage.connect({ servers: [server.url], prefix });
    const two = await JetStreamStorage.connect({ servers: [server.url], prefix });
    const bytes = Buffer.from('shared between nodes');
    const ref = await new BlobStore(one).put('a.b', bytes, 'text/plain');
    expect(Buffer.from(await new BlobStore(two).bytesOf('a.b', ref)).equals(bytes)).toBe(true);
    expect(await new BlobStore(two).stat('a', ref.blob)).toBeUndefined();
    await one.close();
    await two.close();
  });
});
