/**
 * Output formats end to end (docs/adr/0046-output-formats.md): `config.output_format` over `/ws` (real `ws` client),
 * `/acp` (real LangGraph SDK) and `/a2a` (real `@a2a-js/sdk`), against the real `openai` SDK talking to local wire
 * servers — chat completions (the request bodies are asserted: `response_format: json_schema`, the retry carrying the
 * validation error) and the audio speech endpoint (one call per sentence, in order). Bad formats are 4xx naming the
 * field, and the connection keeps serving.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '@langchain/langgraph-sdk';
import { Message, type Task } from '@a2a-js/sdk';
import { ClientFactory, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { WaveFile } from 'wavefile';
import { a2aRoutes } from '../../gateway/a2a/index.js';
import { acpRoute } from '../../gateway/acp/index.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import { OpenAIProvider } from '../../actors/llm/openai.js';
import { AnthropicProvider } from '../../actors/llm/anthropic.js';
import { composeCatalog } from '../../cli/kinds.js';
import { configSchema } from '../../config/index.js';
import { Gateway, catalogDeps } from '../../gateway/index.js';
import { BlobStore, MeshNode, type ActorSystem } from '../../runtime/index.js';
import { RunStore } from '../../actors/index.js';
import { typedRunEventSchema } from '../../protocols/index.js';
import { createSystem } from '../../supervisors/index.js';
import { WsClient } from '../gateway/ws-fixture.js';
import { antText, oaiText, sse, startServer, type FakeServer } from '../llm/fake-servers.js';
import { startAudioServer, type AudioServer } from './openai-audio-server.js';

type Frame = Record<string, unknown>;
interface Node {
  readonly url: string;
  readonly system: ActorSystem;
  close(): Promise<void>;
}

/** A node with agents `oai` (OpenAI SDK → the local chat server) and `offline`, `/acp`, `/a2a` and `/ws`. */
async function startNode(chat: FakeServer, tts: Record<string, unknown>): Promise<Node> {
  const config = configSchema.parse({
    agents: [
      { name: 'oai', description: 'openai agent', instructions: 'You help.' },
      { name: 'offline', description: 'offline agent', instructions: 'You help.' },
      { name: 'ant', description: 'anthropic agent', instructions: 'You help.' },
      { name: 'front', description: 'hands off', instructions: 'You route.', handoffs: ['offline'] },
    ],
    memory: { store: { index: [] } },
    media: { speech: { tts } },
  });
  const system = await createSystem({ warn: () => undefined });
  const mesh = new MeshNode(system);
  const oai = { provider: new OpenAIProvider({ apiKey: 'k', baseURL: `${chat.url}/v1` }), model: 'gpt-test' };
  const offline = { provider: new OfflineProvider(), model: 'offline' };
  const ant = { provider: new AnthropicProvider({ apiKey: 'k', baseURL: chat.url }), model: 'claude-test' };
  const catalog = await composeCatalog(config, mesh, { provider: (a) => (a === 'oai' ? oai : a === 'ant' ? ant : offline) });
  await mesh.start();
  const deps = { ...catalogDeps(system, catalog), media: config.media, speech: config.media.speech };
  const gateway = await Gateway.start({ deps, routes: [acpRoute(deps), ...a2aRoutes(deps)], port: 0, warn: () => undefined });
  return {
    url: gateway.url,
    system,
    async close() {
      await gateway.close();
      mesh.stop();
      await catalog.close();
      await system.shutdown();
    },
  };
}

let chat: FakeServer;
let audio: AudioServer;
let node: Node;
let ws: WsClient;
beforeAll(async () => {
  [chat, audio] = await Promise.all([startServer(), startAudioServer()]);
  node = await startNode(chat, { kind: 'openai', baseURL: audio.url, apiKey: 'sk-audio' });
  ws = await WsClient.connect(node.url.replace(/^http/, 'ws') + '/ws');
  await ws.type('welcome');
});
afterAll(async () => {
  ws.close();
  await node.close();
  await Promise.all([chat.close(), audio.close()]);
});
beforeEach(() => {
  chat.reset();
  audio.requests.length = 0;
});

let ids = 0;
/** Starts a run over /ws; resolves with its frames to the end (or the error frame answering the start). */
async function wsRun(agent: string, text: string, config: Record<string, unknown>): Promise<Frame[]> {
  const id = `r${++ids}`;
  ws.send({ type: 'run.start', id, agent, input: { messages: [{ role: 'user', content: text }] }, config });
  const first = await ws.next((f) => f['id'] === id, 10_000);
  if (first['type'] !== 'run.created') return [first];
  return ws.run(first['run_id'] as string, false, 20_000);
}

const ITEM = {
  type: 'object',
  properties: { item: { type: 'string' }, count: { type: 'integer', minimum: 0 } },
  required: ['item', 'count'],
  additionalProperties: false,
};

type ChatBody = { messages: { role: string; content: unknown }[]; response_format?: unknown };

describe('json over /ws (OpenAI SDK against the local wire server)', () => {
  it('sends response_format json_schema, asks once more with the validation error, delivers the validated object', async () => {
    chat.script(sse(oaiText(['{"item": "lamp", ', '"count": "many"}'])), sse(oaiText(['{"item":"lamp","count":709000}'])));
    const frames = await wsRun('oai', 'largest town in the game?', { output_format: { type: 'json', name: 'item', schema: ITEM } });
    const end = frames.at(-1) as Frame;
    expect(end).toMatchObject({ type: 'run.completed', outputs: { formats: ['json'], json: { item: 'lamp', count: 709000 } } });
    const [first, second] = chat.requests.map((r) => r.body as ChatBody);
    expect(first?.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'item', schema: ITEM, strict: true } });
    expect(JSON.stringify(first?.messages[0])).toContain('matches this JSON schema');
    const retry = second?.messages.at(-1);
    expect(retry?.role).toBe('user');
    expect(String(retry?.content)).toMatch(/did not match the required JSON schema: count: .*number/i);
    const messages = frames.filter((f) => f['event'] === 'message').map((f) => f['data'] as { parts?: unknown[] });
    expect(messages.at(-1)?.parts).toEqual([{ type: 'text', text: '{"item":"lamp","count":709000}', mime: 'application/json' }]);
  });

  it('still wrong after the retry: the run fails with output_invalid naming the failure; json + text', async () => {
    chat.script(sse(oaiText(['not json at all'])), sse(oaiText(['{"item": 3}'])));
    const frames = await wsRun('oai', 'an item please', { output_format: ['text', { type: 'json', schema: { ...ITEM, title: 'x' } }] });
    expect(frames.at(-1)).toMatchObject({ type: 'run.failed', code: 'output_invalid' });
    expect(String(frames.at(-1)?.['error'])).toMatch(/^output_invalid: .*item: .*string/);
    expect(chat.requests).toHaveLength(2);
    expect(String((chat.requests[1]?.body as ChatBody).messages.at(-1)?.content)).toMatch(/not JSON/);
  });

  it('Anthropic (its SDK): the schema goes in the system prompt, the answer is validated the same way', async () => {
    chat.script(sse(antText(['```json\n{"item": "desk", ', '"count": 2}\n```'])));
    const frames = await wsRun('ant', 'one item', { output_format: { type: 'json', schema: ITEM } });
    expect(frames.at(-1)).toMatchObject({ type: 'run.completed', outputs: { json: { item: 'desk', count: 2 } } });
    const body = chat.requests[0]?.body as { system?: string; response_format?: unknown };
    expect(body.system).toContain(JSON.stringify(ITEM));
    expect(body.response_format).toBeUndefined();
  });

  it('a schema OpenAI strict mode cannot take goes non-strict', async () => {
    chat.script(sse(oaiText(['{"a":"x"}'])));
    const schema = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, required: ['a'] };
    const frames = await wsRun('oai', 'loose', { output_format: { type: 'json', schema } });
    expect(frames.at(-1)).toMatchObject({ type: 'run.completed', outputs: { json: { a: 'x' } } });
    expect((chat.requests[0]?.body as ChatBody).response_format).toMatchObject({ json_schema: { name: 'answer', strict: false } });
  });
});

describe('a handoff', () => {
  it('carries the formats: the agent that answers delivers the JSON asked of the run', async () => {
    const frames = await wsRun('front', '/handoff offline', { output_format: { type: 'json', schema: ITEM } });
    expect(frames.some((f) => f['event'] === 'handoff')).toBe(true);
    const end = frames.at(-1) as Frame;
    expect(end).toMatchObject({ type: 'run.completed', outputs: { formats: ['json'] } });
    const json = (end['outputs'] as { json: { item: unknown; count: unknown } }).json;
    expect(typeof json.item).toBe('string');
    expect(Number.isInteger(json.count) && (json.count as number) >= 0).toBe(true);
  });
});

describe('markdown + audio over /ws', () => {
  it('tells the model to write Markdown, speaks each sentence in order as it streams, run.audio chunks then the whole answer', async () => {
    chat.script(sse(oaiText(['# Weather\n\n', 'It is **sunny** outside today. ', 'Tomorrow brings ', 'rain and wind!'])));
    const frames = await wsRun('oai', 'weather?', { output_format: ['markdown', { type: 'audio', voice: 'verse' }, 'text'] });
    const end = frames.at(-1) as Frame;
    expect(end).toMatchObject({ type: 'run.completed', outputs: { formats: ['markdown', 'audio', 'text'] } });
    const outputs = end['outputs'] as { markdown: string; text: string; audio: { blob: string; size: number; mime: string } };
    expect(outputs.markdown).toBe('# Weather\n\nIt is **sunny** outside today. Tomorrow brings rain and wind!');
    // Plain text beside Markdown: the same answer without its markup.
    expect(outputs.text).toBe('Weather\n\nIt is sunny outside today. Tomorrow brings rain and wind!');
    expect(JSON.stringify((chat.requests[0]?.body as ChatBody).messages[0])).toContain('Markdown');
    // One speech call per sentence, in order, with the request's voice, Markdown marks not read aloud.
    expect(audio.requests.map((r) => [r.fields['input'], r.fields['voice']])).toEqual([
      ['Weather', 'verse'],
      ['It is sunny outside today.', 'verse'],
      ['Tomorrow brings rain and wind!', 'verse'],
    ]);
    const chunks = frames.filter((f) => f['type'] === 'run.audio' && f['final'] === false);
    // Each sentence's WAV arrives whole, in parts, before the run ends; sentence 1 is long enough to need two.
    const sentences = new Map<number, Buffer[]>();
    for (const c of chunks)
      sentences.set(c['index'] as number, [...(sentences.get(c['index'] as number) ?? []), Buffer.from(c['data'] as string, 'base64')]);
    expect([...sentences.keys()]).toEqual([0, 1, 2]);
    expect(sentences.get(1)?.length).toBeGreaterThan(1);
    let samples = 0;
    for (const parts of sentences.values()) {
      const wav = new WaveFile(Buffer.concat(parts));
      samples += (wav.getSamples(false, Int16Array) as unknown as Int16Array).length;
    }
    const final = frames.find((f) => f['type'] === 'run.audio' && f['final'] === true) as Frame;
    expect(final).toMatchObject({ blob: outputs.audio.blob, mime: 'audio/wav' });
    expect(frames.indexOf(final)).toBeLessThan(frames.indexOf(end));
    // The whole answer is one WAV holding every sentence's samples.
    const whole = await new BlobStore(node.system.storage).bytesOf('default', outputs.audio);
    expect((new WaveFile(whole).getSamples(false, Int16Array) as unknown as Int16Array).length).toBe(samples);
    const message = frames.filter((f) => f['event'] === 'message').at(-1)?.['data'] as { parts: Frame[] };
    expect(message.parts).toEqual([
      { type: 'text', text: outputs.markdown, mime: 'text/markdown' },
      { type: 'audio', mime: 'audio/wav', blob: outputs.audio.blob, size: outputs.audio.size, sha256: outputs.audio.blob },
      { type: 'text', text: outputs.text, mime: 'text/plain' },
    ]);
    // The run log holds the audio events (each sentence and the whole answer) in the protocol's shape, references only.
    const runId = end['run_id'] as string;
    const events = await new RunStore(node.system.storage).events('default', runId);
    expect(events.filter((e) => e.event === 'audio')).toHaveLength(4);
    for (const e of events) expect(typedRunEventSchema.safeParse(e).success, JSON.stringify(e).slice(0, 300)).toBe(true);
    expect(JSON.stringify(events)).not.toContain(
      Buffer.concat(sentences.get(1) ?? [])
        .toString('base64')
        .slice(0, 64),
    );
  });
});

describe('/acp with the LangGraph SDK', () => {
  const client = (): Client => new Client({ apiUrl: `${node.url}/acp`, apiKey: null });

  it('config.configurable.output_format: the offline model answers JSON shaped by the schema, validated', async () => {
    const schema = {
      type: 'object',
      properties: { summary: { type: 'string', maxLength: 12 }, mood: { enum: ['calm', 'busy'] }, score: { type: 'number', minimum: 1 } },
      required: ['summary', 'mood', 'score'],
    };
    const out = (await client().runs.wait(null, 'offline', {
      input: { messages: [{ type: 'human', content: 'summarise my day' }] },
      config: { configurable: { output_format: [{ type: 'json', schema }, 'text'] } },
    })) as { messages: { content: unknown; additional_kwargs: { parts?: unknown[] } }[] };
    const last = out.messages.at(-1);
    const value = { summary: 'summarise my', mood: 'calm', score: 1 };
    expect(JSON.parse(String(last?.content))).toEqual(value);
    // The formats asked, in order: the validated JSON, then the text.
    expect(last?.additional_kwargs.parts).toEqual([
      { type: 'text', text: JSON.stringify(value), mime: 'application/json' },
      { type: 'text', text: String(last?.content), mime: 'text/plain' },
    ]);
  });

  it('an unknown format, a json format without schema, a schema that is no JSON schema: 4xx naming the field', async () => {
    const ask = (output_format: unknown) =>
      client().runs.wait(null, 'offline', {
        input: { messages: [{ type: 'human', content: 'x' }] },
        config: { configurable: { output_format } },
      });
    await expect(ask('yaml')).rejects.toThrow(/output_format.*expected an output format/);
    await expect(ask({ type: 'json' })).rejects.toThrow(/output_format\.0\.schema/);
    await expect(ask({ type: 'json', schema: { type: 'nonsense' } })).rejects.toThrow(/output_format\.0\.schema.*Unsupported type/);
    const fine = (await ask('markdown')) as { messages: unknown[] };
    expect(fine.messages.length).toBeGreaterThan(1);
  });
});

describe('/a2a with the @a2a-js/sdk client', () => {
  const a2a = () => new ClientFactory({ transports: [new JsonRpcTransportFactory()] }).createFromUrl(node.url);
  const message = (id: string, metadata?: Record<string, unknown>) =>
    Message.fromJSON({
      messageId: id,
      role: 'ROLE_USER',
      parts: [{ text: 'rate the movie' }],
      metadata: { skill: 'offline', ...metadata },
    });

  it('acceptedOutputModes application/json with metadata output_schema: the answer is JSON matching it', async () => {
    const c = await a2a();
    const schema = { type: 'object', properties: { stars: { type: 'integer', minimum: 1, maximum: 5 } }, required: ['stars'] };
    const task = (await c.sendMessage({
      tenant: '',
      message: message('fmt-1', { output_schema: schema }),
      configuration: {
        acceptedOutputModes: ['application/json'],
        historyLength: 0,
        returnImmediately: false,
        taskPushNotificationConfig: undefined,
      },
      metadata: undefined,
    })) as Task;
    const text = task.artifacts
      .flatMap((a) => a.parts)
      .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
      .join('');
    expect(JSON.parse(text)).toEqual({ stars: 1 });
    // The validated value comes as a data part too.
    const data = task.artifacts.flatMap((a) => a.parts).find((p) => p.content?.$case === 'data');
    expect(data?.content?.$case === 'data' ? data.content.value : undefined).toEqual({ stars: 1 });
  });

  it('a bad output_format is invalid params naming the field; the next request is served', async () => {
    const c = await a2a();
    const send = (id: string, metadata: Record<string, unknown>) =>
      c.sendMessage({ tenant: '', message: message(id, metadata), configuration: undefined, metadata: undefined });
    await expect(send('fmt-2', { output_format: { type: 'json' } })).rejects.toThrow(/metadata\.output_format\.0\.schema/);
    await expect(send('fmt-3', { output_format: ['json', 'audio'] })).rejects.toThrow(/output_format/);
    const ok = (await send('fmt-4', { output_format: 'text' })) as Task;
    expect(ok.artifacts.length).toBe(1);
  });
});

describe('bad formats over /ws', () => {
  it('error frames naming config.output_format; the connection keeps serving', async () => {
    const bad: [unknown, RegExp][] = [
      ['yaml', /config\.output_format.*expected an output format/],
      [{ type: 'json' }, /config\.output_format\.0\.schema/],
      [{ type: 'json', schema: { type: 'string', pattern: '(' } }, /config\.output_format\.0\.schema.*regular expression/],
      [[{ type: 'json', schema: ITEM }, 'audio'], /json and audio cannot be asked together/],
      [['text', 'text'], /asked for twice/],
      [{ type: 'audio', mime: 'audio/flac' }, /config\.output_format\.0\.mime/],
    ];
    for (const [format, why] of bad) {
      const [f] = await wsRun('offline', 'hi', { output_format: format });
      expect(f).toMatchObject({ type: 'error', code: 'bad_request' });
      expect(String(f?.['message'])).toMatch(why);
    }
    ws.send({ type: 'ping', id: 'still' });
    expect(await ws.next((f) => f['id'] === 'still')).toMatchObject({ type: 'pong' });
  });

  it('audio on a node with no text-to-speech: audio_unavailable (4xx), the node keeps serving', async () => {
    const bare = await startNode(chat, { kind: 'none' });
    const c = await WsClient.connect(bare.url.replace(/^http/, 'ws') + '/ws');
    try {
      await c.type('welcome');
      c.send({
        type: 'run.start',
        id: 'a',
        agent: 'offline',
        input: { messages: [{ role: 'user', content: 'say it' }] },
        config: { output_format: 'audio' },
      });
      const f = await c.next((x) => x['id'] === 'a');
      expect(f).toMatchObject({ type: 'error', code: 'bad_request' });
      expect(String(f['message'])).toMatch(/config\.output_format: audio_unavailable: no text-to-speech/);
      const acp = fetch(`${bare.url}/acp/runs/wait`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          assistant_id: 'offline',
          input: { messages: [{ type: 'human', content: 'x' }] },
          config: { output_format: 'audio' },
        }),
      });
      expect((await acp).status).toBeGreaterThanOrEqual(400);
      expect((await acp).status).toBeLessThan(500);
      c.send({
        type: 'run.start',
        id: 'b',
        agent: 'offline',
        input: { messages: [{ role: 'user', content: 'fine' }] },
        config: { output_format: 'markdown' },
      });
      const created = await c.next((x) => x['id'] === 'b');
      expect((await c.run(created['run_id'] as string)).at(-1)).toMatchObject({
        type: 'run.completed',
        outputs: { formats: ['markdown'] },
      });
    } finally {
      c.close();
      await bare.close();
    }
  });

  it('speech that fails mid-run ends the run with code audio_unavailable, not a crash', async () => {
    const refused = await startNode(chat, { kind: 'openai', baseURL: audio.url, apiKey: 'sk-wrong' });
    const c = await WsClient.connect(refused.url.replace(/^http/, 'ws') + '/ws');
    try {
      await c.type('welcome');
      const start = { type: 'run.start', agent: 'offline', input: { messages: [{ role: 'user', content: 'say it' }] } };
      c.send({ ...start, id: 'a', config: { output_format: 'audio' } });
      const created = await c.next((x) => x['id'] === 'a');
      const end = (await c.run(created['run_id'] as string)).at(-1);
      expect(end).toMatchObject({ type: 'run.failed', code: 'audio_unavailable' });
      expect(String(end?.['error'])).toMatch(/^audio_unavailable: .*HTTP 401/);
      c.send({ ...start, id: 'b' });
      const again = await c.next((x) => x['id'] === 'b');
      expect((await c.run(again['run_id'] as string)).at(-1)).toMatchObject({ type: 'run.completed' });
    } finally {
      c.close();
      await refused.close();
    }
  });
});
