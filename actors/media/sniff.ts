/**
 * Media types from the bytes themselves (magic numbers), and the checks every media input passes
 * first: size, declared type against the sniffed one, base64 that decodes. Light: no decoder loads here.
 */
import { MediaError } from './errors.js';

/** Image types OCR reads (through sharp/libvips). */
export const OCR_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/tiff', 'image/avif'] as const;
/** Types OCR reads. */
export const OCR_TYPES: readonly string[] = [...OCR_IMAGE_TYPES, 'application/pdf'];
/** Audio types recognised; only WAV is decoded locally (the others go to a provider as they are). */
export const AUDIO_TYPES = ['audio/wav', 'audio/mpeg', 'audio/ogg', 'audio/flac', 'audio/mp4', 'audio/webm'] as const;

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0): boolean =>
  b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);
const ascii = (b: Uint8Array, s: string, at = 0): boolean =>
  startsWith(
    b,
    [...s].map((c) => c.charCodeAt(0)),
    at,
  );

/** The media type the bytes start like, or undefined. */
export function sniffMediaType(b: Uint8Array): string | undefined {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (ascii(b, 'RIFF') && ascii(b, 'WEBP', 8)) return 'image/webp';
  if (ascii(b, 'RIFF') && ascii(b, 'WAVE', 8)) return 'audio/wav';
  if (ascii(b, 'GIF87a') || ascii(b, 'GIF89a')) return 'image/gif';
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'image/tiff';
  if (ascii(b, 'ftypavif', 4) || ascii(b, 'ftypavis', 4)) return 'image/avif';
  if (ascii(b, 'ftyp', 4)) return 'audio/mp4';
  // A PDF header may follow a little junk (the spec allows it within the first 1024 bytes).
  const head = Buffer.from(b.subarray(0, 1024)).toString('latin1');
  if (head.includes('%PDF-')) return 'application/pdf';
  if (ascii(b, 'ID3') || startsWith(b, [0xff, 0xfb]) || startsWith(b, [0xff, 0xf3]) || startsWith(b, [0xff, 0xf2])) return 'audio/mpeg';
  if (ascii(b, 'OggS')) return 'audio/ogg';
  if (ascii(b, 'fLaC')) return 'audio/flac';
  if (startsWith(b, [0x1a, 0x45, 0xdf, 0xa3])) return 'audio/webm';
  return undefined;
}

/** Canonical spelling of a declared type (lowercase, no parameters, common aliases folded). */
export function normalizeMediaType(type: string): string {
  const t = type.split(';')[0]?.trim().toLowerCase() ?? '';
  const aliases: Record<string, string> = {
    'image/jpg': 'image/jpeg',
    'image/pjpeg': 'image/jpeg',
    'audio/x-wav': 'audio/wav',
    'audio/wave': 'audio/wav',
    'audio/vnd.wave': 'audio/wav',
    'audio/mp3': 'audio/mpeg',
    'audio/x-flac': 'audio/flac',
    'audio/m4a': 'audio/mp4',
    'audio/x-m4a': 'audio/mp4',
  };
  return aliases[t] ?? t;
}

/** The media type of a file name's extension (for ingestion), or undefined. */
export function mediaTypeOfName(name: string): string | undefined {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  const byExt: Record<string, string> = {
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    webp: 'image/webp',
    gif: 'image/gif',
    tif: 'image/tiff',
    tiff: 'image/tiff',
    avif: 'image/avif',
    pdf: 'application/pdf',
    wav: 'audio/wav',
    mp3: 'audio/mpeg',
    ogg: 'audio/ogg',
    flac: 'audio/flac',
    m4a: 'audio/mp4',
    webm: 'audio/webm',
  };
  return ext === undefined ? undefined : byExt[ext];
}

/** A checked media input: the bytes and their (sniffed) type. */
export interface MediaInput {
  readonly bytes: Uint8Array;
  readonly mediaType: string;
}

/**
 * Checks `bytes` declared as `declared` (or undefined: sniff only) against `accepted` and `maxBytes`.
 * Throws a MediaError: `too_large`, `unsupported_type` (a type not accepted, or bytes that are not the
 * declared type), `corrupt` (empty).
 */
export function checkMedia(bytes: Uint8Array, declared: string | undefined, accepted: readonly string[], maxBytes: number): MediaInput {
  if (bytes.length > maxBytes) throw new MediaError('too_large', `input is ${bytes.length} bytes, over the limit of ${maxBytes}`);
  const want = declared === undefined ? undefined : normalizeMediaType(declared);
  if (want !== undefined && !accepted.includes(want))
    throw new MediaError('unsupported_type', `type ${want.slice(0, 80)} is not accepted here (accepted: ${accepted.join(', ')})`);
  if (bytes.length === 0) throw new MediaError('corrupt', 'input is empty');
  const sniffed = sniffMediaType(bytes);
  if (sniffed === undefined)
    throw new MediaError(want === undefined ? 'unsupported_type' : 'corrupt', `input is not ${want ?? 'a known media type'}`);
  if (want !== undefined && sniffed !== want) throw new MediaError('unsupported_type', `input declared ${want} is ${sniffed}`);
  if (!accepted.includes(sniffed))
    throw new MediaError('unsupported_type', `type ${sniffed} is not accepted here (accepted: ${accepted.join(', ')})`);
  return { bytes, mediaType: sniffed };
}

/** Decodes strict base64 (standard or URL alphabet, optional padding; whitespace ignored) within `maxBytes`. */
export function decodeBase64(data: string, maxBytes: number): Uint8Array {
  const s = data.replace(/\s+/g, '');
  if (Math.floor((s.length * 3) / 4) > maxBytes + 3)
    throw new MediaError('too_large', `input is about ${Math.floor((s.length * 3) / 4)} bytes, over the limit of ${maxBytes}`);
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s) || s.length % 4 === 1) throw new MediaError('corrupt', 'data is not base64');
  return new Uint8Array(Buffer.from(s, 'base64'));
}
