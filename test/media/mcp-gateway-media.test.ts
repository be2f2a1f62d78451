/**
 * `/mcp` answers the media a tool returned as MCP content, with the real MCP SDK client: images and audio as base64
 * `image`/`audio` items read from the calling tenant's blobs, a blob over the inline limit as a `resource_link` to
 * `/blobs/<sha256>` that the client reads with its own key (another tenant's key gets 404).
 */
import { randomBytes } from 'node:crypto';
import { createCanvas } from '@napi-rs/canvas';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool, type FunctionTool } from '../../actors/tool/index.js';
import { blobsRoute } from '../../gateway/blobs/index.js';
import { mcpRoute } from '../../gateway/mcp/index.js';
import { BlobStore, sha256Hex } from '../../runtime/index.js';
import { startTestGateway, type TestGateway } from '../gateway/mcp-fixture.js';
import { png } from './images.js';
import { toneWav } from './openai-audio-server.js';

const INLINE_MAX = 2000;
const small = png(30, 20, 's');
// Noise compresses badly: a PNG well over the inline limit.
const big = (() => {
  const c = createCanvas(40, 40);
  const g = c.getContext('2d');
  const img = g.createImageData(40, 40);
  const noise = randomBytes(img.data.length);
  for (let i = 0; i < img.data.length; i++) img.data[i] = i % 4 === 3 ? 255 : (noise[i] as number);
  g.putImageData(img, 0, 0);
  return c.toBuffer('image/png');
})();
const wav = Buffer.from(toneWav(50));

const paint: FunctionTool<{ big: boolean }> = defineTool({
  name: 'paint',
  description: 'Paints a picture',
  input: z.object({ big: z.boolean() }),
  run: (input) => ({
    content: [
      { type: 'text', text: 'painted' },
      { type: 'image', data: (input.big ? big : small).toString('base64'), mimeType: 'image/png' },
    ],
  }),
});

const speak: FunctionTool<Record<string, never>> = defineTool({
  name: 'speak',
  description: 'Says something',
  input: z.object({}),
  run: () => ({ content: [{ type: 'audio', data: wav.toString('base64'), mimeType: 'audio/wav' }] }),
});

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway((deps) => [mcpRoute(deps, { inlineMediaMaxBytes: INLINE_MAX }), blobsRoute(deps)], {
    tools: [paint as FunctionTool<never>, speak as FunctionTool<never>],
  });
});
afterAll(async () => {
  await gw.close();
});

async function connect(tenant: string): Promise<Client> {
  const client = new Client({ name: 'mcp-media-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${tenant}` } } }),
  );
  return client;
}

describe('/mcp tools/call with media', () => {
  it('answers an image as an MCP image item, its bytes stored once as a blob of the caller’s tenant', async () => {
    const client = await connect('acme');
    const r = (await client.callTool({ name: 'paint', arguments: { big: false } })) as CallToolResult;
    expect(r.content).toEqual([
      { type: 'text', text: 'painted' },
      { type: 'image', data: small.toString('base64'), mimeType: 'image/png' },
    ]);
    await client.callTool({ name: 'paint', arguments: { big: false } });
    const blobs = new BlobStore(gw.system.storage);
    const sha = sha256Hex(small);
    expect(await blobs.stat('acme', sha)).toMatchObject({ size: small.length, width: 30, height: 20 });
    expect(await blobs.stat('globex', sha)).toBeUndefined();
    expect(await gw.system.storage.bucket('blobs').list(['acme', sha, 'm'])).toHaveLength(1);
    await client.close();
  });

  it('answers audio as an MCP audio item', async () => {
    const client = await connect('globex');
    const r = (await client.callTool({ name: 'speak', arguments: {} })) as CallToolResult;
    expect(r.content).toEqual([{ type: 'audio', data: wav.toString('base64'), mimeType: 'audio/wav' }]);
    await client.close();
  });

  it('links a blob over the inline limit to /blobs, readable with the caller’s key only', async () => {
    expect(big.length).toBeGreaterThan(INLINE_MAX);
    const client = await connect('acme');
    const r = (await client.callTool({ name: 'paint', arguments: { big: true } })) as CallToolResult;
    const sha = sha256Hex(big);
    expect(r.content[1]).toEqual({
      type: 'resource_link',
      uri: `${gw.url}/blobs/${sha}`,
      name: `image-${sha.slice(0, 12)}`,
      mimeType: 'image/png',
      size: big.length,
    });
    expect(JSON.stringify(r)).not.toContain(big.toString('base64').slice(0, 100));
    const uri = (r.content[1] as { uri: string }).uri;
    const mine = await fetch(uri, { headers: { authorization: 'Bearer acme' } });
    expect(mine.status).toBe(200);
    expect(Buffer.from(await mine.arrayBuffer()).equals(big)).toBe(true);
    const theirs = await fetch(uri, { headers: { authorization: 'Bearer globex' } });
    expect(theirs.status).toBe(404);
    await client.close();
  });
});
