/**
 * The OpenAI embedder through the real `openai` SDK against a local server speaking the
 * `/v1/embeddings` wire format: batching, order by `index`, the `dimensions` field,
 * normalisation, retries on 429, and clear errors (bad key, wrong dims, no key).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIEmbedder } from '../../actors/memory/embedders/index.js';
import { jsonError, startServer, type FakeServer, type Handler } from '../llm/fake-servers.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());
afterEach(() => server.reset());

/** A vector for `text`: [length, vowels, 1, 0…] (so tests can predict it), answered in reverse order. */
function vectorOf(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  v[0] = text.length;
  v[1] = (text.match(/[aeiou]/g) ?? []).length;
  v[2] = 1;
  return v;
}

function embeddings(dims: number): Handler {
  return (res) => {
    const body = server.requests.at(-1)?.body as { input: string[]; model: string };
    const data = body.input.map((t, index) => ({ object: 'embedding', index, embedding: vectorOf(t, dims) })).reverse();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: 3, total_tokens: 3 } }));
  };
}

const make = (over: Partial<ConstructorParameters<typeof OpenAIEmbedder>[0]> = {}): OpenAIEmbedder =>
  new OpenAIEmbedder({ model: 'text-embedding-3-small', dims: 6, apiKey: 'sk-test', baseURL: `${server.url}/v1`, maxRetries: 0, ...over });

describe('OpenAIEmbedder', () => {
  it('sends batches of batchSize, keeps input order and normalises', async () => {
    server.script(embeddings(6));
    const e = make({ batchSize: 2 });
    const texts = ['alpha', 'be', 'gamma ray', 'de', 'epsilon'];
    const vs = await e.embed(texts);
    expect(server.requests).toHaveLength(3);
    expect(server.requests.map((r) => r.url)).toEqual(['/v1/embeddings', '/v1/embeddings', '/v1/embeddings']);
    expect(server.requests[0]?.body).toMatchObject({
      model: 'text-embedding-3-small',
      input: ['alpha', 'be'],
      dimensions: 6,
      encoding_format: 'float',
    });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-test');
    vs.forEach((v, i) => {
      const raw = vectorOf(texts[i] as string, 6);
      const n = Math.hypot(...raw);
      raw.forEach((x, j) => expect(v[j]).toBeCloseTo(x / n, 6));
    });
    expect(e.id).toBe('openai/text-embedding-3-small');
  });

  it('does not send dimensions for ada-002, and retries a 429', async () => {
    server.script(jsonError(429, { error: { message: 'slow down', type: 'rate_limit' } }, { 'retry-after-ms': '10' }), embeddings(6));
    const e = make({ model: 'text-embedding-ada-002', maxRetries: 1 });
    const [v] = await e.embed(['hello']);
    expect(v).toHaveLength(6);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.body).not.toHaveProperty('dimensions');
  });

  it('fails clearly on a bad key, on vectors of the wrong size and without a key', async () => {
    server.script(jsonError(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }));
    await expect(make().embed(['x'])).rejects.toThrow(/Incorrect API key/);
    server.reset();
    server.script(embeddings(4));
    await expect(make().embed(['x'])).rejects.toThrow(/got 4 dims, configured 6/);
    const saved = process.env['OPENAI_API_KEY'];
    delete process.env['OPENAI_API_KEY'];
    try {
      expect(() => new OpenAIEmbedder({ model: 'm', dims: 6 })).toThrow(/no API key/);
    } finally {
      if (saved !== undefined) process.env['OPENAI_API_KEY'] = saved;
    }
  });

  it('honours an aborted signal before sending', async () => {
    server.script(embeddings(6));
    const ac = new AbortController();
    ac.abort();
    await expect(make().embed(['x'], ac.signal)).rejects.toThrow();
    expect(server.requests).toHaveLength(0);
  });
});
