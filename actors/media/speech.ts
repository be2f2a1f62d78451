/**
 * Speech: speech to text through OpenAI's transcriptions endpoint, text to speech through OpenAI's speech
 * endpoint or a system engine (espeak-ng), chosen by config `media.speech`. The `openai` SDK and the
 * engine's process start only when a call needs them. Every failure is a {@link MediaError}.
 */
import { spawn } from 'node:child_process';
import type { OpenAI } from 'openai';
import type { MediaConfig } from '../../config/index.js';
import { registerSecret } from '../../protocols/index.js';
import { MediaError, isMediaError } from './errors.js';
import { AUDIO_TYPES, checkMedia } from './sniff.js';
import { decodeWav, fixStreamedWavSizes, type WavInfo } from './wav.js';

/** The `media.speech` config section. */
export type SpeechConfig = MediaConfig['speech'];

/** A transcription. */
export interface Transcript {
  readonly text: string;
  readonly language?: string;
  readonly durationMs?: number;
  readonly provider: string;
}

/** Synthesized speech: WAV bytes and their format. */
export interface SpeechAudio extends WavInfo {
  readonly mediaType: 'audio/wav';
  readonly bytes: Uint8Array;
  readonly provider: string;
}

const FILE_NAMES: Record<string, string> = {
  'audio/wav': 'audio.wav',
  'audio/mpeg': 'audio.mp3',
  'audio/ogg': 'audio.ogg',
  'audio/flac': 'audio.flac',
  'audio/mp4': 'audio.m4a',
  'audio/webm': 'audio.webm',
};

type OpenAIClient = OpenAI;

async function openaiClient(spec: { baseURL?: string | undefined; apiKey?: string | undefined }, timeoutMs: number): Promise<OpenAIClient> {
  const apiKey = spec.apiKey ?? process.env['OPENAI_API_KEY'];
  if (apiKey === undefined || apiKey === '')
    throw new MediaError('engine_missing', 'OpenAI speech needs media.speech.*.apiKey or OPENAI_API_KEY');
  registerSecret(apiKey);
  const { default: OpenAI } = await import('openai');
  return new OpenAI({ apiKey, baseURL: spec.baseURL ?? process.env['OPENAI_BASE_URL'], timeout: timeoutMs, maxRetries: 1 });
}

function providerFailed(provider: string, e: unknown): MediaError {
  if (isMediaError(e)) return e;
  const status = (e as { status?: unknown }).status;
  const text = (e as Error).message ?? String(e);
  return new MediaError(
    'engine_failed',
    `${provider} failed${typeof status === 'number' ? ` (HTTP ${status})` : ''}: ${text.slice(0, 300)}`,
    {
      cause: e,
      details: typeof status === 'number' ? { status } : {},
    },
  );
}

/**
 * Transcribes `bytes` (WAV, MP3, OGG, FLAC, M4A, WebM; `mediaType` the declared type or undefined) with the
 * configured provider. WAV is checked locally first (a truncated WAV is `corrupt`).
 */
export async function transcribe(
  bytes: Uint8Array,
  mediaType: string | undefined,
  config: SpeechConfig,
  limits: { readonly maxBytes: number },
  signal?: AbortSignal,
): Promise<Transcript> {
  const input = checkMedia(bytes, mediaType, AUDIO_TYPES, limits.maxBytes);
  const info = input.mediaType === 'audio/wav' ? await decodeWav(input.bytes) : undefined;
  const stt = config.stt;
  if (stt.kind === 'none') throw new MediaError('engine_missing', 'no speech-to-text provider configured (media.speech.stt)');
  const client = await openaiClient(stt, config.timeoutMs);
  const { toFile } = await import('openai');
  try {
    const file = await toFile(Buffer.from(input.bytes), FILE_NAMES[input.mediaType] ?? 'audio', { type: input.mediaType });
    const r = await client.audio.transcriptions.create({ file, model: stt.model, response_format: 'json' }, { signal });
    const text = (r as { text?: unknown }).text;
    if (typeof text !== 'string') throw new MediaError('engine_failed', 'transcription reply has no text');
    return { text, provider: 'openai', ...(info === undefined ? {} : { durationMs: info.durationMs }) };
  } catch (e) {
    throw providerFailed('OpenAI transcription', e);
  }
}

/** Outcome of looking for a system speech engine. */
export interface EngineCheck {
  readonly available: boolean;
  readonly version?: string;
  readonly error?: string;
}

const engineChecks = new Map<string, Promise<EngineCheck>>();

/** Runs `<command> --version` once per command (cached): whether the engine is installed. */
export function detectSpeechEngine(command: string): Promise<EngineCheck> {
  let check = engineChecks.get(command);
  if (check === undefined) {
    check = new Promise<EngineCheck>((resolve) => {
      let out = '';
      const child = spawn(command, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
      child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
      child.on('error', (e) => resolve({ available: false, error: e.message }));
      child.on('close', (code) =>
        resolve(code === 0 ? { available: true, version: out.trim().split('\n')[0] ?? '' } : { available: false, error: `exit ${code}` }),
      );
    });
    engineChecks.set(command, check);
  }
  return check;
}

/** Runs espeak-ng with `text` on stdin, WAV on stdout. */
async function espeak(
  text: string,
  spec: { command: string; voice: string; speed: number },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const check = await detectSpeechEngine(spec.command);
  if (!check.available)
    throw new MediaError(
      'engine_missing',
      `text-to-speech engine ${spec.command} is not installed (${check.error ?? 'not found'}); ` +
        'install espeak-ng or choose another media.speech.tts',
    );
  // Voice and speed come from config, text on stdin: nothing a caller sends becomes an argument.
  const child = spawn(spec.command, ['--stdout', '--stdin', '-v', spec.voice, '-s', String(spec.speed)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stderr.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-500)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const abort = (): void => void child.kill('SIGKILL');
  signal?.addEventListener('abort', abort, { once: true });
  child.stdin.on('error', () => undefined);
  child.stdin.end(text, 'utf8');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new MediaError('engine_failed', `${spec.command} exited with ${code ?? 'a signal'}: ${err.trim()}`);
    return fixStreamedWavSizes(Buffer.concat(chunks));
  } catch (e) {
    throw providerFailed(spec.command, e);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abort);
  }
}

/** Speaks `text` with the configured engine as WAV; throws a MediaError (`engine_missing` when none is configured or installed). */
export async function synthesize(text: string, config: SpeechConfig, signal?: AbortSignal): Promise<SpeechAudio> {
  if (text.trim() === '') throw new MediaError('unsupported_type', 'nothing to say: text is empty');
  if (text.length > config.maxChars)
    throw new MediaError('too_large', `text is ${text.length} characters, over the limit of ${config.maxChars}`);
  const tts = config.tts;
  let bytes: Uint8Array;
  let provider: string;
  if (tts.kind === 'none') throw new MediaError('engine_missing', 'no text-to-speech engine configured (media.speech.tts)');
  if (tts.kind === 'espeak-ng') {
    bytes = await espeak(text, tts, config.timeoutMs, signal);
    provider = 'espeak-ng';
  } else {
    const client = await openaiClient(tts, config.timeoutMs);
    try {
      const r = await client.audio.speech.create({ model: tts.model, voice: tts.voice, input: text, response_format: 'wav' }, { signal });
      bytes = fixStreamedWavSizes(new Uint8Array(await r.arrayBuffer()));
    } catch (e) {
      throw providerFailed('OpenAI speech', e);
    }
    provider = 'openai';
  }
  const info = await decodeWav(bytes);
  return { ...info, mediaType: 'audio/wav', bytes, provider };
}
