/** `POST /blobs/prune` over real HTTP: admins only, the caller's tenant only, kept ids stay. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobsRoute } from '../../gateway/blobs/index.js';
import { hashApiKey } from '../../gateway/index.js';
import { BlobStore } from '../../runtime/index.js';
import { startTestGateway, type TestGateway } from '../gateway/mcp-fixture.js';

const keys = [
  { id: 'boss', hash: hashApiKey('boss'), tenant: 'acme', roles: ['admin'] as const },
  { id: 'user', hash: hashApiKey('user'), tenant: 'acme', roles: ['user'] as const },
];
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway((deps) => [blobsRoute(deps)], { tools: [] }, { auth: { keys } });
});
afterAll(async () => {
  await gw.close();
});

const prune = (key: string, body: unknown): Promise<Response> =>
  fetch(`${gw.url}/blobs/prune`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('POST /blobs/prune', () => {
  it('deletes the tenant’s blobs older than the given days except those kept; 403 for a user, 400 for a bad body', async () => {
    const blobs = new BlobStore(gw.system.storage, { now: () => Date.now() - 3 * 86_400_000 });
    const old = await blobs.put('acme', Buffer.from('old'), 'text/plain');
    const kept = await blobs.put('acme', Buffer.from('kept'), 'text/plain');
    const theirs = await blobs.put('globex', Buffer.from('theirs'), 'text/plain');
    const fresh = await new BlobStore(gw.system.storage).put('acme', Buffer.from('fresh'), 'text/plain');

    expect((await prune('user', { older_than_days: 1 })).status).toBe(403);
    expect((await prune('boss', { older_than_days: -1 })).status).toBe(400);
    expect((await prune('boss', { older_than_days: 1, keep: ['nope'] })).status).toBe(400);
    const res = await prune('boss', { older_than_days: 1, keep: [kept.blob] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted: [old.blob] });
    expect(await blobs.stat('acme', old.blob)).toBeUndefined();
    expect(await blobs.stat('acme', kept.blob)).toBeDefined();
    expect(await blobs.stat('acme', fresh.blob)).toBeDefined();
    expect(await blobs.stat('globex', theirs.blob)).toBeDefined();
  });
});
