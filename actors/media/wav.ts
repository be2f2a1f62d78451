/**
 * WAV, the one audio format decoded here (wavefile, loaded on first use). Other audio types are
 * recognised and passed to a provider as they are; asking to decode one is a `no_decoder` error.
 */
import type { WaveFile } from 'wavefile';
import { MediaError } from './errors.js';
import { AUDIO_TYPES, sniffMediaType } from './sniff.js';

/** A decoded WAV's format and length. */
export interface WavInfo {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitDepth: string;
  readonly samples: number;
  readonly durationMs: number;
}

type WaveFileCtor = typeof WaveFile;
let ctor: Promise<WaveFileCtor> | undefined;
const loadWaveFile = (): Promise<WaveFileCtor> => (ctor ??= import('wavefile').then((m) => m.WaveFile));

/** True when `b` opens as a RIFF/WAVE file. */
function isRiffWave(b: Buffer): boolean {
  return b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WAVE';
}

/** The chunks of a RIFF/WAVE file in order: id, offset of its header, declared body size. */
function* wavChunks(b: Buffer): Generator<{ readonly id: string; readonly at: number; readonly size: number }> {
  for (let at = 12; at + 8 <= b.length;) {
    const size = b.readUInt32LE(at + 4);
    yield { id: b.toString('latin1', at, at + 4), at, size };
    at += 8 + size + (size % 2);
  }
}

/**
 * A WAV whose RIFF and data sizes say "unknown" (streamed: espeak-ng writes 0x7ffff000) gets the sizes of the
 * bytes it has; another is returned as it is.
 */
export function fixStreamedWavSizes(bytes: Uint8Array): Uint8Array {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 44 || !isRiffWave(b)) return bytes;
  for (const c of wavChunks(b)) {
    if (c.id !== 'data') continue;
    const out = Buffer.from(b);
    const real = out.length - (c.at + 8);
    if (c.size > real) {
      out.writeUInt32LE(real, c.at + 4);
      out.writeUInt32LE(out.length - 8, 4);
    }
    return out;
  }
  return bytes;
}

/** The format chunk and sample bytes of a PCM WAV. */
function pcmParts(b: Buffer): { fmt: Buffer; data: Buffer } {
  if (!isRiffWave(b)) throw new Error('speech is not a WAV');
  let fmt: Buffer | undefined;
  for (const c of wavChunks(b)) {
    if (c.id === 'fmt ') fmt = b.subarray(c.at + 8, c.at + 8 + c.size);
    if (c.id === 'data' && fmt !== undefined) return { fmt, data: b.subarray(c.at + 8, Math.min(b.length, c.at + 8 + c.size)) };
  }
  throw new Error('speech WAV has no fmt or data chunk');
}

/** One WAV of WAVs one after another (from one engine: one format; the first's is kept, others are dropped). */
export function joinWavs(wavs: readonly Uint8Array[]): Uint8Array {
  const parts = wavs.map((w) => pcmParts(Buffer.from(w.buffer, w.byteOffset, w.byteLength)));
  const fmt = (parts[0] as { fmt: Buffer }).fmt;
  const data = Buffer.concat(parts.filter((p) => p.fmt.equals(fmt)).map((p) => p.data));
  const head = Buffer.alloc(12 + 8 + fmt.length + 8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(head.length - 8 + data.length, 4);
  head.write('WAVE', 8, 'latin1');
  head.write('fmt ', 12, 'latin1');
  head.writeUInt32LE(fmt.length, 16);
  fmt.copy(head, 20);
  head.write('data', 20 + fmt.length, 'latin1');
  head.writeUInt32LE(data.length, 24 + fmt.length);
  return Buffer.concat([head, data]);
}

/** Reads a WAV's header and checks its data is all there; throws a MediaError (`no_decoder` for other audio, `corrupt`). */
export async function decodeWav(bytes: Uint8Array): Promise<WavInfo & { readonly bytes: Uint8Array }> {
  const type = sniffMediaType(bytes);
  if (type !== 'audio/wav') {
    if (type !== undefined && (AUDIO_TYPES as readonly string[]).includes(type))
      throw new MediaError('no_decoder', `no decoder for ${type} here: only audio/wav is decoded locally`);
    throw new MediaError(
      type === undefined ? 'corrupt' : 'unsupported_type',
      `input is not audio/wav${type === undefined ? '' : ` (it is ${type})`}`,
    );
  }
  const WaveFile = await loadWaveFile();
  const wav = new WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (e) {
    throw new MediaError('corrupt', `WAV does not decode: ${(e as Error).message.slice(0, 200)}`, { cause: e });
  }
  const fmt = wav.fmt as { sampleRate?: number; numChannels?: number; blockAlign?: number; audioFormat?: number };
  const data = wav.data as { chunkSize?: number; samples?: Uint8Array };
  const sampleRate = fmt.sampleRate ?? 0;
  const channels = fmt.numChannels ?? 0;
  const blockAlign = fmt.blockAlign ?? 0;
  if (sampleRate < 1 || channels < 1 || blockAlign < 1) throw new MediaError('corrupt', 'WAV has no valid format chunk');
  const have = data.samples?.length ?? 0;
  if ((data.chunkSize ?? 0) > have) throw new MediaError('corrupt', `WAV is truncated: data says ${data.chunkSize} bytes, has ${have}`);
  const samples = Math.floor(have / blockAlign);
  return { sampleRate, channels, bitDepth: wav.bitDepth, samples, durationMs: Math.round((samples / sampleRate) * 1000), bytes };
}
