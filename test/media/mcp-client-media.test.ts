/**
 * An external MCP server's image result, end to end: a real MCP SDK server (Streamable HTTP, in process) exposes a tool
 * answering an image; Troupe attaches it (actors/tool/mcp.ts) and an agent on the real `openai` SDK (local wire server)
 * calls it. The image is stored once as a blob of the calling tenant, the model's next request carries it (image_url
 * data URL), and nothing in storage but the blob holds its bytes or their base64.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { Objm } from '@nats-io/obj';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBehavior, waitForRun } from '../../actors/agent/index.js';
import { OpenAIProvider } from '../../actors/llm/index.js';
import { TOOL_CALL, attachMcpServer, type McpAttachment, type ToolCallResult } from '../../actors/tool/index.js';
import { RUN_CREATE, codec } from '../../protocols/index.js';
import { BlobStore, MemoryStorage, sha256Hex, type ActorSystem, type KvBucket } from '../../runtime/index.js';
import { JetStreamStorage, blobObjectName } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';
import { NatsServer } from '../nats/server.js';
import { OAI_DONE, oaiChunk, oaiText, sse, startServer, type FakeServer } from '../llm/fake-servers.js';
import { png } from './images.js';

const image = png(40, 30, 'mcp');
const b64 = image.toString('base64');
const sha = sha256Hex(image);

/** Storage that remembers its buckets, so a test can read everything that was written. */
class WatchedStorage extends MemoryStorage {
  readonly names = new Set<string>();
  override bucket(name: string): KvBucket {
    this.names.add(name);
    return super.bucket(name);
  }
}

function mcpServer(): Server {
  const server = new Server({ name: 'camera', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [
      { name: 'snapshot', description: 'Takes a picture', inputSchema: { type: 'object', properties: {} } },
      { name: 'svg', description: 'Draws', inputSchema: { type: 'object', properties: {} } },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, (req) => {
    if (req.params.name === 'svg')
      return { content: [{ type: 'image', data: Buffer.from('<svg/>').toString('base64'), mimeType: 'image/svg+xml' }] };
    return {
      content: [
        { type: 'text', text: 'a snapshot' },
        { type: 'image', data: b64, mimeType: 'image/png' },
      ],
    };
  });
  return server;
}

let http: HttpServer;
let model: FakeServer;
let storage: WatchedStorage;
let system: ActorSystem;
let attached: McpAttachment;

beforeAll(async () => {
  // Stateless: a fresh SDK server and transport per request.
  http = createServer((req, res) => {
    const t = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    void mcpServer()
      .connect(t)
      .then(() => t.handleRequest(req, res))
      .catch((e: unknown) => res.writeHead(500).end(String(e)));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  model = await startServer();
  storage = new WatchedStorage();
  system = await createSystem({ storage, warn: () => undefined });
  attached = await lookerOn(system);
});

/** Attaches the camera MCP server to `on` and spawns agent `looker` (OpenAI SDK → the local model server) there. */
async function lookerOn(on: ActorSystem): Promise<McpAttachment> {
  const camera = await attachMcpServer(on, { name: 'camera', url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp` });
  const provider = new OpenAIProvider({ baseURL: `${model.url}/v1`, apiKey: 'k' });
  await on.spawn(
    'agent/looker',
    agentBehavior({ name: 'looker', instructions: 'Look.', provider, model: 'm', tools: ['camera.snapshot'] }),
  );
  return camera;
}

afterAll(async () => {
  await attached.close();
  await system.shutdown();
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
  await model.close();
});

/** Every stored value outside the blob bucket, encoded as the codec stores it. */
async function storedOutsideBlobs(): Promise<Buffer> {
  const all: Buffer[] = [];
  for (const name of storage.names) {
    if (name === 'blobs') continue;
    for (const e of await storage.bucket(name).list([])) all.push(Buffer.from(codec.encodeValue(e.value)), Buffer.from(e.key.join('/')));
  }
  return Buffer.concat(all);
}

describe('image results of an external MCP server', () => {
  it('reach the model as an image, stored once as a blob; the run log holds the reference only', async () => {
    model.script(
      sse([
        oaiChunk({
          role: 'assistant',
          content: null,
          tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'camera_snapshot', arguments: '{}' } }],
        }),
        oaiChunk({}, 'tool_calls'),
        OAI_DONE,
      ]),
      sse(oaiText(['a green ', 'picture'])),
    );
    const done = waitForRun(system, 'r1', 'default', 15_000);
    await system.ref('agent/looker').ask(RUN_CREATE, { run_id: 'r1', input: { messages: [{ role: 'user', content: 'look' }] } });
    const result = await done;
    expect(result.status).toBe('success');
    expect(result.output).toBe('a green picture');

    // The model's second request: the tool message's text names the image; the image follows as image_url.
    const body = model.requests[1]?.body as { messages: { role: string; content: unknown }[] };
    const tool = body.messages.find((m) => m.role === 'tool');
    expect(tool?.content).toBe(`a snapshot\n[image image/png 40x30, ${image.length} bytes, blob ${sha}]`);
    const after = body.messages[body.messages.indexOf(tool!) + 1];
    expect(after).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: '[media returned by tool camera_snapshot]' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${b64}` } },
      ],
    });

    // Stored once, in the calling tenant; the events and everything else in storage hold no bytes and no base64.
    const meta = await new BlobStore(storage).stat('default', sha);
    expect(meta).toMatchObject({ size: image.length, mime: 'image/png', width: 40, height: 30 });
    expect(JSON.stringify(result.events)).not.toContain(b64.slice(0, 64));
    const stored = await storedOutsideBlobs();
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.includes(b64.slice(0, 64))).toBe(false);
    expect(stored.includes(image.subarray(0, 64))).toBe(false);
    expect(stored.includes(sha)).toBe(true); // the reference is there
  });

  it('stores a forwarded call’s image as a blob of the calling tenant, once however often it is returned', async () => {
    const call = (): Promise<ToolCallResult> =>
      system.ref('tool/camera.snapshot').ask<ToolCallResult>(TOOL_CALL, { name: 'camera.snapshot', arguments: {}, tenant: 'acme' });
    const [one, two] = await Promise.all([call(), call()]);
    const item = { type: 'image', mimeType: 'image/png', blob: sha, size: image.length, sha256: sha, width: 40, height: 30 };
    expect(one.content).toEqual([{ type: 'text', text: 'a snapshot' }, item]);
    expect(two.content).toEqual(one.content);
    const blobs = new BlobStore(storage);
    expect((await blobs.get('acme', sha))?.bytes).toEqual(new Uint8Array(image));
    expect(await storage.bucket('blobs').list(['acme', sha, 'c'])).toHaveLength(1);
  });

  it('keeps the rest of a result when an image is refused (a type the media policy does not allow)', async () => {
    const r = await system.ref('tool/camera.svg').ask<ToolCallResult>(TOOL_CALL, { name: 'camera.svg', arguments: {} });
    expect(r.isError).toBeUndefined();
    expect(r.content).toHaveLength(1);
    expect(r.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/image image\/svg\+xml .*not kept.*not allowed/) });
  });
});

describe('image results of an external MCP server on a JetStream node', () => {
  let server: NatsServer;
  let js: JetStreamStorage;
  let node: ActorSystem;
  let camera: McpAttachment;
  beforeAll(async () => {
    server = await NatsServer.start();
    js = await JetStreamStorage.connect({ servers: [server.url], prefix: `m${process.pid}` });
    node = await createSystem({ storage: js, warn: () => undefined });
    camera = await lookerOn(node);
  });
  afterAll(async () => {
    await camera?.close();
    await node?.shutdown();
    await js?.close();
    await server?.stop();
  });

  it('stores the image in the object store and the model still sees it', async () => {
    model.reset();
    model.script(
      sse([
        oaiChunk({
          role: 'assistant',
          content: null,
          tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'camera_snapshot', arguments: '{}' } }],
        }),
        oaiChunk({}, 'tool_calls'),
        OAI_DONE,
      ]),
      sse(oaiText(['seen'])),
    );
    const done = waitForRun(node, 'j1', 'default', 20_000);
    await node.ref('agent/looker').ask(RUN_CREATE, { run_id: 'j1', input: { messages: [{ role: 'user', content: 'look' }] } });
    const result = await done;
    expect(result.status).toBe('success');
    const body = model.requests[1]?.body as { messages: { role: string; content: unknown }[] };
    expect(JSON.stringify(body.messages)).toContain(`data:image/png;base64,${b64}`);
    expect(JSON.stringify(result.events)).not.toContain(b64.slice(0, 64));
    const os = await new Objm(js.js).open(`m${process.pid}_blobs`);
    expect(await os.info(blobObjectName('default', sha))).toMatchObject({ size: image.length, metadata: { mime: 'image/png' } });
  });
});
