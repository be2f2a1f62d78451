/**
 * Content parts and blobs end to end against the real gateway (ADR 0043): `/blobs` upload and download with tenancy,
 * image parts through `/acp` with the real LangGraph SDK and through `/a2a` with the real `@a2a-js/sdk`, the offline
 * model describing what it received, and bad input (wrong MIME types, truncated images, oversized blobs, unknown part
 * types) answered 4xx without hurting the next request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@langchain/langgraph-sdk';
import { Message, type Task } from '@a2a-js/sdk';
import { ClientFactory, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { a2aRoutes } from '../../gateway/a2a/index.js';
import { acpRoute } from '../../gateway/acp/index.js';
import { blobsRoute } from '../../gateway/blobs/index.js';
import { RunStore } from '../../actors/agent/index.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import { composeCatalog } from '../../cli/kinds.js';
import { configSchema } from '../../config/index.js';
import { Gateway, catalogDeps, hashApiKey } from '../../gateway/index.js';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { jpeg, png } from './images.js';
import { charAccuracy, renderText } from './fixtures.js';
import { TOOL_CALL, type ToolCallResult } from '../../actors/tool/index.js';

const CONFIG = configSchema.parse({
  agents: [{ name: 'assistant', description: 'assistant agent', instructions: 'You help.' }],
  memory: { store: { index: [] } },
});

let gw: { url: string; system: ActorSystem; mesh: MeshNode; close(): Promise<void> };
beforeAll(async () => {
  const system = await createSystem({ warn: () => undefined });
  const mesh = new MeshNode(system);
  const offline = { provider: new OfflineProvider(), model: 'offline' };
  const catalog = await composeCatalog(CONFIG, mesh, { provider: () => offline });
  await mesh.start();
  const deps = {
    ...catalogDeps(system, catalog),
    media: { inlineMaxBytes: 64 * 1024, maxBlobBytes: 256 * 1024, allowedMime: ['image/*', 'audio/wav', 'text/plain', 'application/pdf'] },
  };
  const keys = ['acme', 'globex'].map((t) => ({ id: t, hash: hashApiKey(t), tenant: t, roles: ['user'] as const }));
  const gateway = await Gateway.start({
    deps,
    routes: [acpRoute(deps), blobsRoute(deps), ...a2aRoutes(deps)],
    port: 0,
    auth: { keys },
    limits: { ratePerSec: 100_000, burst: 100_000 },
    warn: () => undefined,
  });
  gw = {
    url: gateway.url,
    system,
    mesh,
    async close() {
      await gateway.close();
      mesh.stop();
      await catalog.close();
      await system.shutdown();
    },
  };
});
afterAll(async () => {
  await gw.close();
});

const auth = (tenant: string): Record<string, string> => ({ authorization: `Bearer ${tenant}` });

async function upload(tenant: string, body: Uint8Array, type: string): Promise<Response> {
  return fetch(`${gw.url}/blobs`, { method: 'POST', headers: { ...auth(tenant), 'content-type': type }, body });
}

describe('/blobs', () => {
  it('stores once, reads back the same bytes, and hides a blob from another tenant (404)', async () => {
    const bytes = png(40, 30);
    const a = await upload('acme', bytes, 'image/png');
    expect(a.status).toBe(201);
    const ref = (await a.json()) as { blob: string; sha256: string; size: number; mime: string; width: number; height: number };
    expect(ref).toMatchObject({ mime: 'image/png', size: bytes.length, width: 40, height: 30 });
    expect(ref.blob).toBe(ref.sha256);
    const again = (await (await upload('acme', bytes, 'image/png')).json()) as { blob: string };
    expect(again.blob).toBe(ref.blob);
    const got = await fetch(`${gw.url}/blobs/${ref.blob}`, { headers: auth('acme') });
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
    const other = await fetch(`${gw.url}/blobs/${ref.blob}`, { headers: auth('globex') });
    expect(other.status).toBe(404);
  });

  it('refuses a declared type the bytes do not match, a truncated image, an oversized body and a disallowed type', async () => {
    const wrong = await upload('acme', jpeg(), 'image/png');
    expect(wrong.status).toBe(415);
    expect(await wrong.text()).toMatch(/image\/jpeg/);
    const full = png(200, 200);
    const truncated = await upload('acme', full.subarray(0, Math.floor(full.length / 2)), 'image/png');
    expect(truncated.status).toBe(422);
    const big = await upload('acme', new Uint8Array(300 * 1024), 'image/png');
    expect(big.status).toBe(413);
    const html = await upload('acme', Buffer.from('<script>alert(1)</script>'), 'text/html');
    expect(html.status).toBe(415);
    const text = await upload('acme', Buffer.from([0xff, 0xfe, 0xfd]), 'text/plain');
    expect(text.status).toBe(415);
    // The node is fine: the next good upload works.
    expect((await upload('acme', png(8, 8), 'image/png')).status).toBe(201);
  });
});

describe('/acp with the LangGraph SDK', () => {
  const client = (tenant: string): Client => new Client({ apiUrl: `${gw.url}/acp`, apiKey: null, defaultHeaders: auth(tenant) });

  it('takes an image_url block with a data URL; run log and thread state hold a blob ref; the offline model describes it', async () => {
    const c = client('acme');
    const thread = await c.threads.create();
    const image = png(64, 48).toString('base64');
    const out = (await c.runs.wait(thread.thread_id, 'assistant', {
      input: {
        messages: [
          {
            type: 'human',
            content: [
              { type: 'text', text: 'what is this?' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${image}` } },
            ],
          },
        ],
      },
    })) as { messages: { type: string; content: unknown }[] };
    const last = out.messages[out.messages.length - 1] as { content: string };
    expect(last.content).toMatch(/you said: what is this\?; you sent: image \(image\/png, \d+ bytes, 64x48\)/);
    const human = out.messages[0] as { content: { type: string; image_url?: { url: string }; blob?: string }[] };
    expect(human.content[1]?.type).toBe('image_url');
    expect(human.content[1]?.image_url?.url).toMatch(/^\/blobs\/[0-9a-f]{64}$/);
    // Stored once: the thread's state and the run's events carry the reference, never the base64.
    const store = new RunStore(gw.system.storage);
    const t = await store.getThread('acme', thread.thread_id);
    expect(JSON.stringify(t)).not.toContain(image.slice(0, 200));
    expect(t?.values.messages[0]?.parts?.[1]).toMatchObject({ type: 'image', mime: 'image/png', width: 64, height: 48 });
    const runs = await c.runs.list(thread.thread_id);
    const events = await store.events('acme', runs[0]?.run_id as string);
    expect(JSON.stringify(events)).not.toContain(image.slice(0, 200));
  });

  it('takes a LangChain standard image block naming an uploaded blob, and refuses another tenant’s blob', async () => {
    const ref = (await (await upload('globex', png(20, 10), 'image/png')).json()) as { blob: string };
    const input = {
      messages: [{ type: 'human', content: [{ type: 'image', source_type: 'url', url: `/blobs/${ref.blob}`, mime_type: 'image/png' }] }],
    };
    const mine = (await client('globex').runs.wait(null, 'assistant', { input })) as { messages: { content: string }[] };
    expect(mine.messages[mine.messages.length - 1]?.content).toMatch(/image \(image\/png, \d+ bytes, 20x10\)/);
    await expect(client('acme').runs.wait(null, 'assistant', { input })).rejects.toThrow(/not found/);
  });

  it('answers bad parts 4xx: an unknown block type, a mismatched MIME type, a remote URL, oversize inline bytes', async () => {
    const send = (content: unknown): Promise<Response> =>
      fetch(`${gw.url}/acp/runs/wait`, {
        method: 'POST',
        headers: { ...auth('acme'), 'content-type': 'application/json' },
        body: JSON.stringify({ assistant_id: 'assistant', input: { messages: [{ type: 'human', content }] } }),
      });
    expect((await send([{ type: 'hologram', data: 'x' }])).status).toBe(422);
    expect((await send([{ type: 'image_url', image_url: { url: `data:image/png;base64,${jpeg().toString('base64')}` } }])).status).toBe(
      415,
    );
    expect((await send([{ type: 'image_url', image_url: { url: 'http://169.254.169.254/latest' } }])).status).toBe(422);
    expect((await send([{ type: 'image', source_type: 'base64', mime_type: 'image/png', data: '!!!' }])).status).toBe(422);
    const huge = Buffer.alloc(70 * 1024).toString('base64');
    expect((await send([{ type: 'image', source_type: 'base64', mime_type: 'image/png', data: huge }])).status).toBe(413);
    // A plain string message still works unchanged.
    const ok = await send('hello');
    expect(ok.status).toBe(200);
  });
});

describe('/a2a with the @a2a-js/sdk client', () => {
  it('takes a raw (file) part: stored as a blob, kept as its URL, described by the offline model', async () => {
    const fetchImpl: typeof fetch = (url, init) =>
      fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...auth('acme') } });
    const c = await new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl })] }).createFromUrl(gw.url);
    const bytes = png(16, 12);
    const m = Message.fromJSON({
      messageId: 'mm-1',
      role: 'ROLE_USER',
      parts: [{ text: 'look' }, { raw: bytes.toString('base64'), mediaType: 'image/png', filename: 'x.png' }, { data: { k: 1 } }],
    });
    const task = (await c.sendMessage({ tenant: '', message: m, configuration: undefined, metadata: undefined })) as Task;
    const text = task.artifacts
      .flatMap((a) => a.parts)
      .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
      .join('');
    expect(text).toMatch(/you said: look\n\{"k":1\}; you sent: image \(image\/png, \d+ bytes, 16x12, "x.png"\)/);
    const bad = Message.fromJSON({
      messageId: 'mm-2',
      role: 'ROLE_USER',
      parts: [{ raw: jpeg().toString('base64'), mediaType: 'image/png' }],
    });
    await expect(c.sendMessage({ tenant: '', message: bad, configuration: undefined, metadata: undefined })).rejects.toThrow(/image\/jpeg/);
  });
});

describe('the ocr tool on a blob uploaded to /blobs', () => {
  const ocr = async (tenant: string, args: { blob: string; mimeType?: string }): Promise<ToolCallResult> =>
    (await gw.mesh.activate('tool/ocr', tenant)).ask<ToolCallResult>(TOOL_CALL, { name: 'ocr', arguments: args }, { timeoutMs: 120_000 });

  it('reads the calling tenant’s blob (its type read from the bytes), and does not find another tenant’s', async () => {
    const image = renderText(['Invoice 4471 due Friday'], 'Liberation Sans', 28);
    const up = await upload('acme', image, 'image/png');
    expect(up.status).toBe(201);
    const { blob } = (await up.json()) as { blob: string };
    const mine = await ocr('acme', { blob });
    expect(mine.isError, JSON.stringify(mine.content)).toBeUndefined();
    expect(charAccuracy('Invoice 4471 due Friday', (mine.structuredContent as { text: string }).text)).toBeGreaterThan(0.9);
    const theirs = await ocr('globex', { blob, mimeType: 'image/png' });
    expect(theirs.isError).toBe(true);
    expect(JSON.stringify(theirs.content)).toMatch(/not found/);
    const wrong = await ocr('acme', { blob, mimeType: 'image/jpeg' });
    expect(wrong.isError).toBe(true);
    expect(wrong.structuredContent).toMatchObject({ reason: 'unsupported_type' });
  }, 180_000);
});
