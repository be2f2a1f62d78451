/**
 * /mcp resources, subscriptions, sessions and prompt sources with the real MCP SDK client against the real gateway:
 * the long-term store actor of each tenant behind `troupe://store/…` URIs, change notifications over the mesh (the
 * GET stream on one node, the change made on another), server-to-client requests answered through another node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  ElicitRequestSchema,
  McpError,
  ResourceUpdatedNotificationSchema,
  type CallToolResult,
  type GetPromptResult,
} from '@modelcontextprotocol/sdk/types.js';
import { HashingTestEmbedder, RAG_DELETE, RAG_INGEST, collectionBehavior, storeBehavior } from '../../actors/memory/index.js';
import {
  collectionDocumentUri,
  collectionResources,
  mcpRoute,
  storeItemUri,
  storeResources,
  type McpPromptSource,
} from '../../gateway/mcp/index.js';
import type { GatewayDeps, Principal } from '../../gateway/types.js';
import { STORE_ADDRESS, STORE_PUT, STORE_DELETE, isTroupeError } from '../../protocols/index.js';
import { MemoryHub, MemoryStorage, type ActorRef } from '../../runtime/index.js';
import { startTestGateway, type TestGateway } from './mcp-fixture.js';

const embedder = new HashingTestEmbedder();
const COLLECTION = 'kb';

/** Deps whose `ensure` also activates the tenant's store actor and collection `kb` (single activations across a mesh). */
const storesOf = new WeakMap<object, Map<string, Promise<ActorRef>>>();
function withStore(deps: GatewayDeps): GatewayDeps {
  const stores = storesOf.get(deps.system) ?? new Map<string, Promise<ActorRef>>();
  storesOf.set(deps.system, stores);
  return {
    ...deps,
    collections: () => [COLLECTION],
    ensure(address, tenant) {
      const behavior =
        address === STORE_ADDRESS
          ? storeBehavior({})
          : address === `collection/${COLLECTION}`
            ? collectionBehavior(COLLECTION, { embedder })
            : undefined;
      if (behavior === undefined) return deps.ensure(address, tenant);
      const key = `${tenant}|${address}`;
      let p = stores.get(key);
      if (p === undefined) {
        p = deps.system.spawn(address, behavior as never, { tenant }).catch((e: unknown) => {
          if (isTroupeError(e, 'conflict')) return deps.system.ref(address, tenant);
          throw e;
        });
        stores.set(key, p);
      }
      return p;
    },
  };
}

const seen: Principal[] = [];
const promptSource: McpPromptSource = {
  async list(principal) {
    seen.push(principal);
    return [{ name: 'greet', description: `Greets, for ${principal.tenant}`, arguments: [{ name: 'who', required: true }] }];
  },
  async get(principal, name, args): Promise<GetPromptResult | undefined> {
    if (name !== 'greet') return undefined;
    return { messages: [{ role: 'user', content: { type: 'text', text: `Hello ${args.who ?? '?'} from ${principal.tenant}` } }] };
  },
};

function routes(deps: GatewayDeps) {
  const d = withStore(deps);
  return [mcpRoute(d, { resources: [storeResources(d), collectionResources(d)], prompts: [promptSource], fixtures: 'conformance' })];
}

async function connect(url: string, tenant: string, options: { sessionId?: string; fetch?: typeof fetch } = {}): Promise<Client> {
  const client = new Client({ name: 'mcp-test', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${tenant}` } },
    ...(options.sessionId === undefined ? {} : { sessionId: options.sessionId }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  await client.connect(transport);
  return client;
}

function sessionOf(client: Client): string {
  const id = (client.transport as StreamableHTTPClientTransport | undefined)?.sessionId;
  if (id === undefined) throw new Error('no session');
  return id;
}

async function put(gw: TestGateway, tenant: string, namespace: string[], key: string, value: Record<string, unknown>): Promise<void> {
  const ref = await withStore(gw.deps).ensure(STORE_ADDRESS, tenant);
  await ref.ask(STORE_PUT, { namespace, key, value });
}

const CANARY = storeItemUri(['canary'], 'c');

/** The URIs the client is told were updated, in order (canary ones apart). */
function updates(client: Client): { next(timeoutMs?: number): Promise<string>; canary(timeoutMs: number): Promise<boolean> } {
  const queue: string[] = [];
  const waiting: ((uri: string) => void)[] = [];
  let canaries = 0;
  const canaryWaiters: (() => void)[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    if (n.params.uri === CANARY) {
      canaries++;
      canaryWaiters.splice(0).forEach((w) => w());
      return;
    }
    const w = waiting.shift();
    if (w !== undefined) w(n.params.uri);
    else queue.push(n.params.uri);
  });
  return {
    next: (timeoutMs = 10_000) =>
      new Promise<string>((resolve, reject) => {
        const q = queue.shift();
        if (q !== undefined) return resolve(q);
        const timer = setTimeout(() => reject(new Error(`no resources/updated notification within ${timeoutMs} ms`)), timeoutMs);
        waiting.push((uri) => {
          clearTimeout(timer);
          resolve(uri);
        });
      }),
    canary: (timeoutMs) =>
      new Promise<boolean>((resolve) => {
        if (canaries > 0) return resolve(true);
        const timer = setTimeout(() => resolve(false), timeoutMs);
        canaryWaiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      }),
  };
}

/**
 * Waits (with a deadline) until the session's GET stream is up — the SDK opens it in the background after
 * initialize: subscribes to a canary item and changes it until a notification for it arrives.
 */
async function streamOpen(client: Client, gw: TestGateway, seenUpdates: ReturnType<typeof updates>): Promise<void> {
  await client.subscribeResource({ uri: CANARY });
  const deadline = Date.now() + 10_000;
  for (let n = 0; Date.now() < deadline; n++) {
    await put(gw, 'acme', ['canary'], 'c', { n });
    if (await seenUpdates.canary(250)) return;
  }
  throw new Error('the GET stream did not open within 10 s');
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(routes);
});
afterAll(async () => {
  await gw.close();
});

describe('/mcp resources: the long-term store of the caller’s tenant', () => {
  it('lists items in pages with cursors, only the caller’s tenant’s', async () => {
    for (let i = 0; i < 57; i++) await put(gw, 'acme', ['notes', 'u1'], `k${i}`, { i });
    await put(gw, 'globex', ['notes', 'g'], 'only-globex', { secret: 'globex data' });
    const client = await connect(gw.url, 'acme');
    const uris: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.listResources(cursor === undefined ? {} : { cursor });
      uris.push(...page.resources.map((r) => r.uri));
      for (const r of page.resources) if (r.uri.startsWith('troupe://store/')) expect(r.mimeType).toBe('application/json');
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== undefined);
    const store = uris.filter((u) => u.startsWith('troupe://store/'));
    expect(pages).toBe(2); // 3 fixture resources + 57 items, 50 a page
    expect(new Set(store).size).toBe(57);
    expect(store).toContain(storeItemUri(['notes', 'u1'], 'k0'));
    expect(uris.some((u) => u.includes('only-globex'))).toBe(false);
    await expect(client.listResources({ cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: -32602 });
    await client.close();
  });

  it('offers the store template and reads an item; another tenant’s item is not found, never its content', async () => {
    await put(gw, 'acme', ['profile', 'user 7'], 'prefs/theme', { theme: 'dark' });
    const acme = await connect(gw.url, 'acme');
    const { resourceTemplates } = await acme.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('troupe://store/{namespace}/{key}');
    const uri = storeItemUri(['profile', 'user 7'], 'prefs/theme');
    expect(uri).toBe('troupe://store/profile.user%207/prefs%2Ftheme');
    const read = await acme.readResource({ uri });
    const content = read.contents[0] as { uri: string; mimeType: string; text: string };
    expect(content).toMatchObject({ uri, mimeType: 'application/json' });
    expect(JSON.parse(content.text)).toMatchObject({ namespace: ['profile', 'user 7'], key: 'prefs/theme', value: { theme: 'dark' } });

    const globex = await connect(gw.url, 'globex');
    const err = await globex.readResource({ uri }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(err).toMatchObject({ code: -32002 });
    expect(JSON.stringify(err)).not.toContain('dark');
    for (const bad of [
      'troupe://store/',
      'troupe://store/a/b/c',
      'troupe://store/a..b/k',
      'troupe://store/%E0%A4%A/k',
      'file:///etc/passwd',
    ])
      await expect(globex.readResource({ uri: bad })).rejects.toMatchObject({ code: -32002 });
    await acme.close();
    await globex.close();
  });

  it('sends resources/updated for subscribed items only, and stops after unsubscribe', async () => {
    const client = await connect(gw.url, 'acme');
    const seenUpdates = updates(client);
    await streamOpen(client, gw, seenUpdates);
    const a = storeItemUri(['watch'], 'a');
    const b = storeItemUri(['watch'], 'b');
    await client.subscribeResource({ uri: a });
    await put(gw, 'acme', ['watch'], 'other', { x: 1 }); // not subscribed
    await put(gw, 'globex', ['watch'], 'a', { x: 1 }); // same URI, other tenant
    await put(gw, 'acme', ['watch'], 'a', { x: 2 });
    expect(await seenUpdates.next()).toBe(a);
    await client.unsubscribeResource({ uri: a });
    await client.subscribeResource({ uri: b });
    await put(gw, 'acme', ['watch'], 'a', { x: 3 }); // unsubscribed: no notification…
    await put(gw, 'acme', ['watch'], 'b', { x: 1 });
    expect(await seenUpdates.next()).toBe(b); // …so the next one is b's
    await (await withStore(gw.deps).ensure(STORE_ADDRESS, 'acme')).ask(STORE_DELETE, { namespace: ['watch'], key: 'b' });
    expect(await seenUpdates.next()).toBe(b);
    await client.close();
  });

  it('refuses subscriptions without a session', async () => {
    const res = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: { authorization: 'Bearer acme', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri: storeItemUri(['a'], 'b') } }),
    });
    expect(await res.text()).toMatch(/"code":-32600.*Mcp-Session-Id/);
  });
});

async function ingest(gw: TestGateway, tenant: string, documents: { id: string; content: string }[]): Promise<void> {
  const ref = await withStore(gw.deps).ensure(`collection/${COLLECTION}`, tenant);
  await ref.ask(RAG_INGEST, { documents });
}

describe('/mcp resources: RAG collection documents of the caller’s tenant', () => {
  it('lists, reads and watches documents; another tenant’s are not found', async () => {
    await ingest(gw, 'acme', [
      { id: 'guide/intro', content: 'Troupe runs actors. Each actor has a mailbox.' },
      { id: 'faq', content: 'Refunds take five days.' },
    ]);
    await ingest(gw, 'globex', [{ id: 'globex-only', content: 'Globex secret plans.' }]);
    const acme = await connect(gw.url, 'acme');
    const { resourceTemplates } = await acme.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('troupe://collections/{collection}/{document}');
    const uris: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await acme.listResources(cursor === undefined ? {} : { cursor });
      uris.push(...page.resources.map((r) => r.uri));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    const docs = uris.filter((u) => u.startsWith('troupe://collections/'));
    expect(docs.sort()).toEqual([collectionDocumentUri(COLLECTION, 'faq'), collectionDocumentUri(COLLECTION, 'guide/intro')]);

    const uri = collectionDocumentUri(COLLECTION, 'guide/intro');
    expect(uri).toBe('troupe://collections/kb/guide%2Fintro');
    const read = await acme.readResource({ uri });
    const doc = JSON.parse((read.contents[0] as { text: string }).text) as { id: string; chunkTexts: { text: string }[] };
    expect(doc.id).toBe('guide/intro');
    expect(doc.chunkTexts.map((c) => c.text).join(' ')).toContain('Each actor has a mailbox.');

    const globex = await connect(gw.url, 'globex');
    await expect(globex.readResource({ uri })).rejects.toMatchObject({ code: -32002 });
    await expect(acme.readResource({ uri: collectionDocumentUri(COLLECTION, 'globex-only') })).rejects.toMatchObject({ code: -32002 });
    await expect(acme.readResource({ uri: collectionDocumentUri('nope', 'faq') })).rejects.toMatchObject({ code: -32002 });

    const seenUpdates = updates(acme);
    await streamOpen(acme, gw, seenUpdates);
    const faq = collectionDocumentUri(COLLECTION, 'faq');
    await acme.subscribeResource({ uri: faq });
    await ingest(gw, 'acme', [{ id: 'faq', content: 'Refunds take three days.' }]);
    expect(await seenUpdates.next()).toBe(faq);
    await (await withStore(gw.deps).ensure(`collection/${COLLECTION}`, 'acme')).ask(RAG_DELETE, { documentIds: ['faq'] });
    expect(await seenUpdates.next()).toBe(faq);
    await acme.close();
    await globex.close();
  });
});

describe('/mcp sessions: the GET stream and DELETE', () => {
  const headers = (session: string, accept = 'text/event-stream') => ({ authorization: 'Bearer acme', 'mcp-session-id': session, accept });

  it('opens the stream only for SSE, and DELETE closes it wherever it is', async () => {
    const client = await connect(gw.url, 'acme');
    const session = sessionOf(client);
    expect((await fetch(`${gw.url}/mcp`, { headers: headers(session, 'application/json') })).status).toBe(406);
    const stream = await fetch(`${gw.url}/mcp`, { headers: headers(session) });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const ended = (async () => {
      const reader = stream.body!.getReader();
      for (;;) if ((await reader.read()).done) return true;
    })();
    const del = await fetch(`${gw.url}/mcp`, { method: 'DELETE', headers: headers(session) });
    expect(del.status).toBe(200);
    expect(await ended).toBe(true); // the stream ends (the test times out otherwise)
    const none = await fetch(`${gw.url}/mcp`, { method: 'DELETE', headers: { authorization: 'Bearer acme' } });
    expect(none.status).toBe(400); // no session named: nothing to end
    await client.close();
  });

  it('holds at most 100 subscriptions a session and refuses over-long URIs', { timeout: 60_000 }, async () => {
    const client = await connect(gw.url, 'acme');
    for (let i = 0; i < 100; i++) await client.subscribeResource({ uri: storeItemUri(['many'], `k${i}`) });
    await client.subscribeResource({ uri: storeItemUri(['many'], 'k0') }); // again: not a new one
    await expect(client.subscribeResource({ uri: storeItemUri(['many'], 'k100') })).rejects.toMatchObject({ code: -32602 });
    await client.unsubscribeResource({ uri: storeItemUri(['many'], 'k0') });
    await client.subscribeResource({ uri: storeItemUri(['many'], 'k100') });
    await expect(client.subscribeResource({ uri: `troupe://store/a/${'x'.repeat(3000)}` })).rejects.toMatchObject({ code: -32602 });
    await client.close();
  });
});

describe('/mcp prompts from pluggable sources', () => {
  it('lists and renders the source’s prompts for the caller; an unknown name is -32602', async () => {
    const client = await connect(gw.url, 'globex');
    const { prompts } = await client.listPrompts();
    expect(prompts.find((p) => p.name === 'greet')).toMatchObject({ description: 'Greets, for globex' });
    expect(seen.at(-1)).toMatchObject({ tenant: 'globex', subject: 'key:globex' });
    const got = await client.getPrompt({ name: 'greet', arguments: { who: 'Ada' } });
    expect(got.messages[0]?.content).toEqual({ type: 'text', text: 'Hello Ada from globex' });
    await expect(client.getPrompt({ name: 'nope' })).rejects.toMatchObject({ code: -32602 });
    await client.close();
  });
});

describe('/mcp sessions across two gateway nodes of one mesh', () => {
  let one: TestGateway;
  let two: TestGateway;
  beforeAll(async () => {
    const mesh = { hub: new MemoryHub(), storage: new MemoryStorage() };
    one = await startTestGateway(routes, undefined, { mesh });
    two = await startTestGateway(routes, undefined, { mesh });
  });
  afterAll(async () => {
    await one.close();
    await two.close();
  });

  it('a subscription made on node two notifies the stream held by node one when node two changes the item', async () => {
    const client = await connect(one.url, 'acme');
    const seenUpdates = updates(client);
    await streamOpen(client, one, seenUpdates);
    const other = await connect(two.url, 'acme', { sessionId: sessionOf(client) });
    const uri = storeItemUri(['mesh'], 'k');
    await other.subscribeResource({ uri });
    await put(two, 'acme', ['mesh'], 'k', { v: 1 });
    expect(await seenUpdates.next()).toBe(uri);
    await client.close();
    await other.close();
  });

  it('an elicitation answer posted to node two reaches the call waiting on node one', async () => {
    let relayed = 0;
    // Answers (JSON-RPC responses) go to node two; everything else to node one.
    const split: typeof fetch = (input, init) => {
      const body = typeof init?.body === 'string' ? init.body : '';
      if (init?.method === 'POST' && body.includes('"result"') && !body.includes('"method"')) {
        relayed++;
        return fetch(String(input).replace(one.url, two.url), init);
      }
      return fetch(input, init);
    };
    const client = await connect(one.url, 'acme', { fetch: split });
    client.setRequestHandler(ElicitRequestSchema, async (req) => ({
      action: 'accept',
      content: { response: `answer to ${req.params.message}` },
    }));
    const r = (await client.callTool({ name: 'test_elicitation', arguments: { message: 'who?' } })) as CallToolResult;
    expect(r.content).toEqual([{ type: 'text', text: 'User response: action=accept, content={"response":"answer to who?"}' }]);
    expect(relayed).toBe(1);
    await client.close();
  });
});
