/**
 * The ACP long-term store with both LangGraph SDK lines' StoreClient: put, get, update,
 * search with filters, namespaces, delete; tenants never see each other's items; bad bodies are
 * 422 `{detail}`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpError, LINES, startAcp, type AcpFixture, type AnyClient } from './acp-fixture.js';

let fx: AcpFixture;
beforeAll(async () => {
  fx = await startAcp();
});
afterAll(async () => {
  await fx.close();
});

describe.each(LINES)('LangGraph SDK %s store', (line, Ctor) => {
  const client = (tenant: string): AnyClient => new Ctor({ apiUrl: fx.url, apiKey: fx.keyOf(tenant) }) as AnyClient;
  const tenant = `store-${line.replace('.', '')}`;

  it('puts, gets, updates, searches, lists namespaces and deletes items', async () => {
    const c = client(tenant);
    expect(await c.store.putItem(['memories', 'u1'], 'likes', { text: 'tea', n: 1 })).toBeUndefined();
    await c.store.putItem(['memories', 'u1'], 'dislikes', { text: 'coffee', n: 2 });
    await c.store.putItem(['memories', 'u2'], 'likes', { text: 'cake', n: 1 });
    await c.store.putItem(['docs'], 'readme', { text: 'hello' }, { ttl: 60 });
    const item = await c.store.getItem(['memories', 'u1'], 'likes');
    expect(item).toMatchObject({ namespace: ['memories', 'u1'], key: 'likes', value: { text: 'tea', n: 1 } });
    expect(typeof item?.createdAt).toBe('string');
    await c.store.putItem(['memories', 'u1'], 'likes', { text: 'green tea', n: 1 });
    const updated = await c.store.getItem(['memories', 'u1'], 'likes');
    expect(updated?.value).toEqual({ text: 'green tea', n: 1 });
    expect(updated?.createdAt).toBe(item?.createdAt);
    const ones = await c.store.searchItems(['memories'], { filter: { n: 1 } });
    expect(ones.items.map((i) => `${i.namespace.join('/')}:${i.key}`).sort()).toEqual(['memories/u1:likes', 'memories/u2:likes']);
    expect((await c.store.searchItems(['memories'], { limit: 1 })).items).toHaveLength(1);
    expect((await c.store.searchItems(['memories', 'u1'], { filter: { n: { $gt: 1 } } })).items.map((i) => i.key)).toEqual(['dislikes']);
    const ns = await c.store.listNamespaces({ prefix: ['memories'] });
    expect(ns.namespaces.map((n) => n.join('/')).sort()).toEqual(['memories/u1', 'memories/u2']);
    expect((await c.store.listNamespaces({ maxDepth: 1 })).namespaces.map((n) => n.join('/')).sort()).toEqual(['docs', 'memories']);
    expect(await c.store.deleteItem(['memories', 'u1'], 'likes')).toBeUndefined();
    await httpError(c.store.getItem(['memories', 'u1'], 'likes'), 404);
    await c.store.deleteItem(['memories', 'u1'], 'likes');
  });

  it('keeps each tenant to its own items', async () => {
    const a = client(`${tenant}-a`);
    const b = client(`${tenant}-b`);
    await a.store.putItem(['secrets'], 'k', { v: 'acme' });
    await httpError(b.store.getItem(['secrets'], 'k'), 404);
    expect((await b.store.searchItems(['secrets'])).items).toEqual([]);
    expect((await b.store.listNamespaces()).namespaces).toEqual([]);
    await b.store.putItem(['secrets'], 'k', { v: 'globex' });
    expect((await a.store.getItem(['secrets'], 'k'))?.value).toEqual({ v: 'acme' });
    expect((await b.store.getItem(['secrets'], 'k'))?.value).toEqual({ v: 'globex' });
  });

  it('answers bad store requests with 422 {detail}', async () => {
    const send = async (method: string, path: string, body?: unknown): Promise<{ status: number; detail: unknown }> => {
      const res = await fetch(`${fx.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-api-key': fx.keyOf(tenant) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, detail: ((await res.json()) as { detail?: unknown }).detail };
    };
    for (const [method, path, body] of [
      ['PUT', '/store/items', { namespace: ['a'], key: 'k', value: 5 }],
      ['PUT', '/store/items', { namespace: [], key: 'k', value: {} }],
      ['PUT', '/store/items', { namespace: ['a.b'], key: 'k', value: {} }],
      ['PUT', '/store/items', { namespace: ['langgraph'], key: 'k', value: {} }],
      ['GET', '/store/items?namespace=a', undefined],
      ['DELETE', '/store/items', { namespace: ['a'] }],
      ['POST', '/store/items/search', { limit: 0 }],
      ['POST', '/store/namespaces', { max_depth: 'deep' }],
    ] as const) {
      const r = await send(method, path, body);
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(422);
      expect(typeof r.detail).toBe('string');
    }
  });
  it('refuses a JSON null or non-object body with 422, and takes an absent body as an empty one', async () => {
    const post = (path: string, body?: string) =>
      fetch(`${fx.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': fx.keyOf(tenant) },
        ...(body === undefined ? {} : { body }),
      });
    for (const body of ['null', '[]', '"thread"', '7']) {
      const r = await post('/threads', body);
      expect(r.status, body).toBe(422);
      expect(typeof ((await r.json()) as { detail?: unknown }).detail).toBe('string');
    }
    const none = await post('/threads');
    expect(none.status).toBe(200);
    expect(((await none.json()) as { thread_id?: unknown }).thread_id).toEqual(expect.any(String));
  });
});
