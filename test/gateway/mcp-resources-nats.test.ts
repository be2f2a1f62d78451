/**
 * MCP resource subscriptions on a real cluster: two gateway nodes on one real nats-server (JetStream transport and
 * storage). The client's GET stream is held by node one, it subscribes through node two, and the store item is
 * changed through node two's actor system: the notification crosses NATS to node one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { storeBehavior } from '../../actors/memory/index.js';
import { mcpRoute, storeItemUri, storeResources } from '../../gateway/mcp/index.js';
import type { GatewayDeps } from '../../gateway/types.js';
import { STORE_ADDRESS, STORE_PUT, isTroupeError } from '../../protocols/index.js';
import { JetStreamStorage, JetStreamTransport } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';
import { NatsServer } from '../nats/server.js';
import { startTestGateway, type TestGateway } from './mcp-fixture.js';

function withStore(deps: GatewayDeps): GatewayDeps {
  return {
    ...deps,
    ensure(address, tenant) {
      if (address !== STORE_ADDRESS) return deps.ensure(address, tenant);
      return deps.system.spawn(STORE_ADDRESS, storeBehavior({}), { tenant }).catch((e: unknown) => {
        if (isTroupeError(e, 'conflict')) return deps.system.ref(STORE_ADDRESS, tenant);
        throw e;
      });
    },
  };
}

const routes = (deps: GatewayDeps) => {
  const d = withStore(deps);
  return [mcpRoute(d, { resources: [storeResources(d)] })];
};

let nats: NatsServer;
let one: TestGateway;
let two: TestGateway;
beforeAll(async () => {
  nats = await NatsServer.start();
  const node = async () =>
    createSystem({
      warn: () => undefined,
      transport: new JetStreamTransport({ servers: nats.url, prefix: 'mcpres' }),
      storage: await JetStreamStorage.connect({ servers: [nats.url], prefix: 'mcpres' }),
    });
  one = await startTestGateway(routes, undefined, { makeSystem: node });
  two = await startTestGateway(routes, undefined, { makeSystem: node });
}, 60_000);
afterAll(async () => {
  await one?.close();
  await two?.close();
  await nats?.stop();
});

async function connect(url: string, sessionId?: string): Promise<Client> {
  const client = new Client({ name: 'mcp-nats-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: { authorization: 'Bearer acme' } },
    ...(sessionId === undefined ? {} : { sessionId }),
  });
  await client.connect(transport);
  return client;
}

describe('/mcp resource subscriptions over NATS', () => {
  it('a change made through node two reaches the stream on node one', async () => {
    const uris: string[] = [];
    const client = await connect(one.url);
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void uris.push(n.params.uri));
    const session = (client.transport as StreamableHTTPClientTransport).sessionId as string;
    const other = await connect(two.url, session);
    const uri = storeItemUri(['nats'], 'k');
    await other.subscribeResource({ uri });
    const store = await withStore(two.deps).ensure(STORE_ADDRESS, 'acme');
    // The SDK opens the GET stream in the background: change the item until node one's stream reports it.
    const deadline = Date.now() + 20_000;
    for (let n = 0; !uris.includes(uri); n++) {
      if (Date.now() > deadline) throw new Error('no resources/updated within 20 s');
      await store.ask(STORE_PUT, { namespace: ['nats'], key: 'k', value: { n } });
      const until = Date.now() + 500;
      while (!uris.includes(uri) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    }
    expect(uris.every((u) => u === uri)).toBe(true);
    const read = await client.readResource({ uri });
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({ namespace: ['nats'], key: 'k' });
    await client.close();
    await other.close();
  }, 60_000);
});
