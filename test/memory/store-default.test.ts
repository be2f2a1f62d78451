/**
 * Semantic search out of the box: on the default config every namespace of the store is indexed
 * (whole value, offline USE-lite), so a query ranks; with indexing turned off a query is refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { STORE_PUT, STORE_SEARCH, type StoreSearchReply } from '../../protocols/index.js';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import type { Catalog } from '../../actors/kinds/index.js';
import { composeCatalog } from '../../cli/kinds.js';

let system: ActorSystem | undefined;
let catalog: Catalog | undefined;
afterEach(async () => {
  await catalog?.close();
  await system?.shutdown();
  system = catalog = undefined;
});

async function storeOf(config: unknown) {
  const cfg = configSchema.parse(config);
  system = await createSystem({ config: cfg });
  const mesh = new MeshNode(system);
  catalog = await composeCatalog(cfg, mesh);
  await mesh.start();
  return catalog.ensure('memory/store', 'acme');
}

const memories: [string, Record<string, unknown>][] = [
  ['hike', { text: 'I love hiking in the mountains on weekends' }],
  ['food', { text: 'My favourite dish is spicy ramen' }],
  ['job', { text: 'I work as a nurse on night shifts' }],
  ['pets', { text: 'I have two cats named Miso and Tofu' }],
  ['music', { text: 'I play the piano in a jazz band' }],
];

describe('the store on the default config', () => {
  it('ranks any namespace by meaning, with scores', async () => {
    const store = await storeOf({ memory: { embedThreads: 0 } });
    for (const [key, value] of memories)
      await store.ask(STORE_PUT, { namespace: ['users', 'u1', 'prefs'], key, value }, { timeoutMs: 30_000 });
    const r = await store.ask<StoreSearchReply>(
      STORE_SEARCH,
      { namespace_prefix: ['users', 'u1'], query: 'outdoor activities I enjoy' },
      { timeoutMs: 30_000 },
    );
    expect(r.items[0]?.key).toBe('hike');
    expect(r.items.every((i) => typeof i.score === 'number')).toBe(true);
  }, 60_000);

  it('refuses a query when indexing is turned off, and still lists without one', async () => {
    const store = await storeOf({ memory: { store: { index: [] } } });
    await store.ask(STORE_PUT, { namespace: ['notes'], key: 'n', value: { text: 'hiking' } });
    await expect(store.ask(STORE_SEARCH, { namespace_prefix: ['notes'], query: 'outdoor' })).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('semantic search is off'),
    });
    expect((await store.ask<StoreSearchReply>(STORE_SEARCH, { namespace_prefix: ['notes'] })).items.map((i) => i.key)).toEqual(['n']);
  });
});
