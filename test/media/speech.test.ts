/**
 * Speech through the real `openai` SDK against a local server speaking OpenAI's audio wire format, and
 * offline text to speech through espeak-ng (installed by .ci/run): valid WAV out, typed errors for a
 * missing engine or key, audio without a decoder, truncated WAV, wrong types, oversized input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaSchema } from '../../config/index.js';
import {
  decodeWav,
  detectSpeechEngine,
  isMediaError,
  synthesize,
  transcribe,
  transcribeTool,
  synthesizeTool,
} from '../../actors/media/index.js';
import { TOOL_CALL, spawnTool, type ToolCallResult } from '../../actors/tool/index.js';
import { BlobStore, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { startAudioServer, toneWav, type AudioServer } from './openai-audio-server.js';

let server: AudioServer;
beforeAll(async () => {
  server = await startAudioServer();
});
afterAll(() => server.close());

const openaiMedia = () =>
  mediaSchema.parse({
    speech: {
      stt: { kind: 'openai', baseURL: server.url, apiKey: 'sk-audio' },
      tts: { kind: 'openai', baseURL: server.url, apiKey: 'sk-audio', voice: 'nova' },
    },
  });

const reasonOf = async (p: Promise<unknown>): Promise<string> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!isMediaError(e)) throw new Error(`expected a MediaError, got ${String(e)}`);
  return e.reason;
};

describe('OpenAI audio through the SDK', () => {
  it('transcribes a WAV: multipart upload with the model, the text the server has for those bytes', async () => {
    const wav = toneWav(700);
    server.transcript(wav, 'turn on the kitchen lights');
    const media = openaiMedia();
    const t = await transcribe(wav, 'audio/wav', media.speech, { maxBytes: media.maxBytes });
    expect(t).toEqual({ text: 'turn on the kitchen lights', provider: 'openai', durationMs: 700 });
    const req = server.requests.at(-1);
    expect(req?.path).toBe('/v1/audio/transcriptions');
    expect(req?.fields['model']).toBe('whisper-1');
    expect(req?.file?.name).toBe('audio.wav');
    expect(req?.file?.bytes.equals(Buffer.from(wav))).toBe(true);
  });

  it('passes MP3 to the provider as it is, and maps a provider refusal to engine_failed', async () => {
    const mp3 = Buffer.concat([Buffer.from('ID3'), Buffer.alloc(200, 1)]);
    const media = openaiMedia();
    expect(await reasonOf(transcribe(mp3, 'audio/mpeg', media.speech, { maxBytes: media.maxBytes }))).toBe('engine_failed');
    expect(server.requests.at(-1)?.file?.name).toBe('audio.mp3');
  });

  it('synthesizes: JSON body with model, voice, input, wav; a streamed WAV with unknown sizes is fixed and checked', async () => {
    const a = await synthesize('Hello there', openaiMedia().speech);
    expect(server.requests.at(-1)?.fields).toMatchObject({
      model: 'gpt-4o-mini-tts',
      voice: 'nova',
      input: 'Hello there',
      response_format: 'wav',
    });
    expect(a).toMatchObject({ mediaType: 'audio/wav', sampleRate: 16_000, channels: 1, durationMs: 660, provider: 'openai' });
    expect((await decodeWav(a.bytes)).durationMs).toBe(660);
  });

  it('types errors: no provider, no key, wrong key, wrong type, oversized, truncated WAV, audio without a decoder', async () => {
    const none = mediaSchema.parse({});
    const wav = toneWav(200);
    expect(await reasonOf(transcribe(wav, 'audio/wav', none.speech, { maxBytes: 1e6 }))).toBe('engine_missing');
    expect(await reasonOf(synthesize('hi', none.speech))).toBe('engine_missing');
    const saved = process.env['OPENAI_API_KEY'];
    delete process.env['OPENAI_API_KEY'];
    try {
      const noKey = mediaSchema.parse({ speech: { stt: { kind: 'openai', baseURL: server.url } } });
      expect(await reasonOf(transcribe(wav, 'audio/wav', noKey.speech, { maxBytes: 1e6 }))).toBe('engine_missing');
    } finally {
      if (saved !== undefined) process.env['OPENAI_API_KEY'] = saved;
    }
    const wrongKey = mediaSchema.parse({ speech: { tts: { kind: 'openai', baseURL: server.url, apiKey: 'sk-wrong' } } });
    const err = await synthesize('hi', wrongKey.speech).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'engine_failed', details: { status: 401 } });
    const media = openaiMedia();
    expect(await reasonOf(transcribe(wav, 'image/png', media.speech, { maxBytes: 1e6 }))).toBe('unsupported_type');
    expect(await reasonOf(transcribe(wav, 'audio/wav', media.speech, { maxBytes: 100 }))).toBe('too_large');
    expect(await reasonOf(transcribe(wav.subarray(0, wav.length - 50), 'audio/wav', media.speech, { maxBytes: 1e6 }))).toBe('corrupt');
    expect(await reasonOf(decodeWav(Buffer.concat([Buffer.from('OggS'), Buffer.alloc(64)])))).toBe('no_decoder');
    expect(await reasonOf(synthesize('x'.repeat(5000), media.speech))).toBe('too_large');
  });
});

describe('espeak-ng', () => {
  const espeak = mediaSchema.parse({ speech: { tts: { kind: 'espeak-ng', voice: 'en', speed: 200 } } });

  it('is detected, and speaks a text as a valid WAV whose length grows with the text', async () => {
    expect((await detectSpeechEngine('espeak-ng')).available).toBe(true);
    const short = await synthesize('Hello.', espeak.speech);
    const long = await synthesize('Hello. This sentence is quite a lot longer than the first one was.', espeak.speech);
    expect(short).toMatchObject({ mediaType: 'audio/wav', channels: 1, provider: 'espeak-ng' });
    expect(short.sampleRate).toBeGreaterThanOrEqual(8000);
    expect(short.durationMs).toBeGreaterThan(200);
    expect(long.durationMs).toBeGreaterThan(short.durationMs * 2);
    // The header's sizes are the real ones (espeak-ng streams "unknown" sizes).
    const b = Buffer.from(long.bytes);
    expect(b.readUInt32LE(4)).toBe(b.length - 8);
  });

  it('a missing engine is a typed engine_missing error naming the binary', async () => {
    const missing = mediaSchema.parse({ speech: { tts: { kind: 'espeak-ng', command: 'espeak-ng-not-installed-here' } } });
    const e = await synthesize('Hello', missing.speech).catch((x: unknown) => x);
    expect(e).toMatchObject({ name: 'MediaError', reason: 'engine_missing', code: 'unavailable' });
    expect((e as Error).message).toContain('espeak-ng-not-installed-here');
  });
});

describe('speech tools through the tool runner', () => {
  let system: ActorSystem;
  beforeAll(async () => {
    system = await createSystem();
    const media = openaiMedia();
    await spawnTool(system, transcribeTool(media));
    await spawnTool(system, synthesizeTool(mediaSchema.parse({ speech: { tts: { kind: 'espeak-ng' } } })));
  });
  afterAll(() => system.shutdown());
  const call = (name: string, args: Record<string, unknown>): Promise<ToolCallResult> =>
    system.ref(`tool/${name}`).ask<ToolCallResult>(TOOL_CALL, { name, arguments: args }, { timeoutMs: 60_000 });

  it('speech.transcribe takes base64 audio; speech.synthesize answers audio, kept by the runner as a blob of the caller', async () => {
    const wav = toneWav(300);
    server.transcript(wav, 'what time is it');
    const t = await call('speech.transcribe', { data: Buffer.from(wav).toString('base64'), mimeType: 'audio/wav' });
    expect(t.structuredContent).toMatchObject({ text: 'what time is it' });
    const s = await call('speech.synthesize', { text: 'It is noon.' });
    expect(s.isError).toBeUndefined();
    const item = s.content[0] as { type: string; blob: string; mimeType: string };
    expect(item).toMatchObject({ type: 'audio', mimeType: 'audio/wav', blob: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(item).not.toHaveProperty('data');
    const bytes = await new BlobStore(system.storage).bytesOf('default', item);
    expect((await decodeWav(bytes)).durationMs).toBeGreaterThan(200);
  });

  it('bad input is an error result with the reason, not a crash', async () => {
    const r = await call('speech.transcribe', { data: Buffer.from('not audio at all').toString('base64'), mimeType: 'audio/wav' });
    expect(r).toMatchObject({ isError: true, structuredContent: { code: 'bad_request', reason: 'corrupt' } });
    const b = await call('speech.transcribe', { blob: 'blob:abc', mimeType: 'audio/wav' });
    expect(b).toMatchObject({ isError: true, structuredContent: { reason: 'engine_missing' } });
  });
});
