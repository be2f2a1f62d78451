/**
 * Vision through the providers with the real `openai` and `@anthropic-ai/sdk` clients against the local wire servers:
 * image parts (blob references read through the request's blob source) arrive in each vendor's own format.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicProvider, OfflineProvider, OpenAIProvider, type ModelRequest } from '../../actors/llm/index.js';
import { BlobStore, MemoryStorage } from '../../runtime/index.js';
import { antText, collect, lastDone, oaiText, sse, startServer, type FakeServer } from '../llm/fake-servers.js';
import { png } from './images.js';

let server: FakeServer;
const storage = new MemoryStorage();
const blobs = new BlobStore(storage);
const image = png(30, 20);
let request: ModelRequest;
beforeAll(async () => {
  server = await startServer();
  const ref = await blobs.put('acme', image, 'image/png', { width: 30, height: 20 });
  request = {
    model: 'm',
    messages: [
      {
        role: 'user',
        content: 'what is it?',
        parts: [
          { type: 'text', text: 'what is it?' },
          { type: 'image', mime: 'image/png', blob: ref.blob, size: ref.size, sha256: ref.sha256 },
        ],
      },
    ],
    blobs: (r) => blobs.bytesOf('acme', r),
  };
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('vision on the wire', () => {
  it('OpenAI: image_url with a data URL', async () => {
    server.script(sse(oaiText(['a ', 'square'])));
    const p = new OpenAIProvider({ apiKey: 'k', baseURL: `${server.url}/v1` });
    expect(lastDone(await collect(p.stream(request))).message.content).toBe('a square');
    const body = server.requests[0]?.body as { messages: { role: string; content: unknown }[] };
    expect(body.messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'what is it?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${image.toString('base64')}` } },
      ],
    });
  });

  it('Anthropic: an image block with a base64 source', async () => {
    server.script(sse(antText(['a square'])));
    const p = new AnthropicProvider({ apiKey: 'k', baseURL: server.url });
    expect(lastDone(await collect(p.stream(request))).message.content).toBe('a square');
    const body = server.requests[0]?.body as { messages: { role: string; content: unknown }[] };
    expect(body.messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'what is it?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: image.toString('base64') } },
      ],
    });
  });

  it('Anthropic refuses audio with a typed error (a transcription step comes first); OpenAI sends wav as input_audio', async () => {
    const audio: ModelRequest = {
      model: 'm',
      messages: [
        { role: 'user', content: '', parts: [{ type: 'audio', mime: 'audio/wav', data: Buffer.from('RIFF0000WAVE').toString('base64') }] },
      ],
    };
    const a = new AnthropicProvider({ apiKey: 'k', baseURL: server.url });
    await expect(collect(a.stream(audio))).rejects.toMatchObject({ code: 'unprocessable' });
    server.script(sse(oaiText(['ok'])));
    await collect(new OpenAIProvider({ apiKey: 'k', baseURL: `${server.url}/v1` }).stream(audio));
    const body = server.requests[0]?.body as { messages: { content: { type: string; input_audio?: { format: string } }[] }[] };
    expect(body.messages[0]?.content[0]).toMatchObject({ type: 'input_audio', input_audio: { format: 'wav' } });
  });

  it('the offline model measures an image it is given inline or by reference', async () => {
    const done = lastDone(await collect(new OfflineProvider().stream(request)));
    expect(done.message.content).toContain(`you sent: image (image/png, ${image.length} bytes, 30x20)`);
  });
});
