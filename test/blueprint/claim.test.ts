/**
 * A blueprint name belongs to one scope on a mesh (docs/blueprints.md): the registry's claim is a create-only write,
 * so of many concurrent claims of one name by different scopes exactly one holds it — on memory, lmdb and a real
 * JetStream KV (two storage connections, as two nodes have) — the holder may claim again, and once it lets go
 * another scope may take it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlueprintRegistry } from '../../actors/index.js';
import { MemoryStorage, type Storage } from '../../runtime/index.js';
import { JetStreamStorage } from '../../runtime/jetstream/index.js';
import { LmdbStorage } from '../../runtime/lmdb/index.js';
import { NatsServer } from '../nats/server.js';
import { tempDir } from '../storage/tmp.js';

let nats: NatsServer;
const opened: Storage[] = [];
beforeAll(async () => {
  nats = await NatsServer.start();
}, 60_000);
afterAll(async () => {
  for (const s of opened) await s.close();
  await nats?.stop();
});

const SCOPES = ['acme', 'beta', 'gamma', 'delta', '*', 'epsilon'];

/** Every scope claims `name` at once, each through its own registry (over `storages`, round robin). */
async function race(storages: readonly Storage[], name: string): Promise<string[]> {
  const registries = storages.map((s) => new BlueprintRegistry(s));
  const results = await Promise.all(SCOPES.map((scope, i) => (registries[i % registries.length] as BlueprintRegistry).claim(name, scope)));
  return SCOPES.filter((_, i) => results[i]?.held === true);
}

async function contract(storages: readonly Storage[]): Promise<void> {
  for (let round = 0; round < 8; round++) {
    const winners = await race(storages, `bp${round}`);
    expect(winners).toHaveLength(1);
    const winner = winners[0] as string;
    const registry = new BlueprintRegistry(storages[0] as Storage);
    expect(await registry.claim(`bp${round}`, winner)).toEqual({ held: true, created: false });
    const other = SCOPES.find((s) => s !== winner) as string;
    expect((await registry.claim(`bp${round}`, other)).held).toBe(false);
    await registry.unclaim(`bp${round}`, other); // not its claim: kept
    expect((await registry.claim(`bp${round}`, other)).held).toBe(false);
    await registry.unclaim(`bp${round}`, winner);
    expect(await registry.claim(`bp${round}`, other)).toEqual({ held: true, created: true });
  }
}

describe('blueprint name claims', () => {
  it('memory: one of concurrent claims holds the name', async () => {
    await contract([new MemoryStorage()]);
  });

  it('lmdb: one of concurrent claims holds the name', async () => {
    const s = new LmdbStorage(tempDir('bp-claim'));
    opened.push(s);
    await contract([s]);
  });

  it('JetStream: one of concurrent claims from two connections holds the name', async () => {
    const a = await JetStreamStorage.connect({ servers: [nats.url], prefix: 'bpclaim' });
    const b = await JetStreamStorage.connect({ servers: [nats.url], prefix: 'bpclaim' });
    opened.push(a, b);
    await contract([a, b]);
  }, 60_000);
});
