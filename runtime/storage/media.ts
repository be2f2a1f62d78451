/**
 * Checks on media bytes at the boundary (ADR 0043): the declared MIME type must be allowed and must match what the
 * bytes are (sniffed with `file-type`), images must decode whole (a truncated image is refused) and sizes stay under
 * the configured limits. {@link admitParts} turns a message's parts as a client sent them into parts that reference
 * blobs only: inline bytes are checked and stored once, references are checked against the tenant's blobs.
 */
import {
  DEFAULT_ALLOWED_MIME,
  TooLargeError,
  TroupeError,
  inlineSize,
  isMediaPart,
  type BlobRef,
  type ContentPart,
  type MediaPart,
} from '../../protocols/index.js';
import type { BlobStore } from './blobs.js';

/** Limits and allowed types (config `media`). */
export interface MediaPolicy {
  /** Most bytes a part may carry inline (base64 in the message). */
  readonly inlineMaxBytes: number;
  /** Largest blob. */
  readonly maxBlobBytes: number;
  /** Allowed MIME types; `type/*` allows a whole type. */
  readonly allowedMime: readonly string[];
}

/** The defaults of config `media`. */
export const DEFAULT_MEDIA_POLICY: MediaPolicy = Object.freeze({
  inlineMaxBytes: 512 * 1024,
  maxBlobBytes: 20 * 1024 * 1024,
  allowedMime: DEFAULT_ALLOWED_MIME,
});

/** What the bytes were found to be. */
export interface MediaFacts {
  readonly mime: string;
  readonly size: number;
  readonly width?: number;
  readonly height?: number;
}

/** Types the sniffer names differently from what clients declare. */
const SAME: Readonly<Record<string, string>> = {
  'audio/x-wav': 'audio/wav',
  'audio/wave': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'audio/mp3': 'audio/mpeg',
  'image/jpg': 'image/jpeg',
  'video/webm': 'audio/webm',
  'audio/x-ogg': 'audio/ogg',
  'application/ogg': 'audio/ogg',
};

/** A MIME type as compared: lowercase, parameters dropped, aliases folded. */
export function normalMime(mime: string): string {
  const m = mime.split(';')[0]?.trim().toLowerCase() ?? '';
  return SAME[m] ?? m;
}

/** Types whose bytes carry no magic number: UTF-8 text. */
function isTextual(mime: string): boolean {
  return mime.startsWith('text/') || mime === 'application/json';
}

/** True when `policy` allows `mime`. */
export function mimeAllowed(policy: MediaPolicy, mime: string): boolean {
  const m = normalMime(mime);
  return policy.allowedMime.some((a) => {
    const n = normalMime(a);
    return n === m || (n.endsWith('/*') && m.startsWith(n.slice(0, -1)));
  });
}

function unsupported(message: string, details?: Record<string, unknown>): TroupeError {
  return new TroupeError('unsupported_media_type', message, details === undefined ? undefined : { details });
}

/**
 * Checks `bytes` declared as `declared`: allowed, within `maxBlobBytes`, really of that type, and (images) whole.
 * Throws `too_large` (413), `unsupported_media_type` (415) or `unprocessable` (422); never anything else for bad bytes.
 */
export async function inspectMedia(bytes: Uint8Array, declared: string, policy: MediaPolicy = DEFAULT_MEDIA_POLICY): Promise<MediaFacts> {
  const mime = normalMime(declared);
  if (bytes.byteLength > policy.maxBlobBytes)
    throw new TooLargeError(`${bytes.byteLength} bytes exceed the ${policy.maxBlobBytes}-byte media limit`, {
      details: { size: bytes.byteLength, limit: policy.maxBlobBytes },
    });
  if (!mimeAllowed(policy, mime)) throw unsupported(`media type ${JSON.stringify(mime.slice(0, 80))} is not allowed`, { mime });
  let sniffed: string | undefined;
  try {
    const { fileTypeFromBuffer } = await import('file-type');
    sniffed = (await fileTypeFromBuffer(bytes))?.mime;
  } catch {
    sniffed = undefined; // a parser choking on hostile bytes: nothing recognised
  }
  if (isTextual(mime)) {
    if (sniffed !== undefined) throw unsupported(`declared ${mime} but the bytes are ${sniffed}`, { declared: mime, detected: sniffed });
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw unsupported(`declared ${mime} but the bytes are not UTF-8 text`, { declared: mime });
    }
    return { mime, size: bytes.byteLength };
  }
  if (sniffed === undefined) throw unsupported(`declared ${mime} but the bytes are of no recognised type`, { declared: mime });
  if (normalMime(sniffed) !== mime)
    throw unsupported(`declared ${mime} but the bytes are ${sniffed}`, { declared: mime, detected: normalMime(sniffed) });
  if (!mime.startsWith('image/')) return { mime, size: bytes.byteLength };
  return { mime, size: bytes.byteLength, ...(await checkImage(bytes, mime)) };
}

/** Dimensions of an image that decodes whole; `unprocessable` for a truncated or corrupt one. */
async function checkImage(bytes: Uint8Array, mime: string): Promise<{ width: number; height: number }> {
  const [{ imageSize }, { default: sharp }] = await Promise.all([import('image-size'), import('sharp')]);
  let dims: { width?: number | undefined; height?: number | undefined };
  try {
    dims = imageSize(bytes);
  } catch (e) {
    throw new TroupeError('unprocessable', `${mime} image has no readable header: ${(e as Error).message.slice(0, 120)}`);
  }
  const { width, height } = dims;
  if (width === undefined || height === undefined || width < 1 || height < 1)
    throw new TroupeError('unprocessable', `${mime} image has no dimensions`);
  try {
    // A full decode: a truncated image fails here (its header alone reads fine). Pixel count bounded (decompression bombs).
    await sharp(bytes, { failOn: 'truncated', limitInputPixels: 64 * 1024 * 1024, animated: false })
      .raw()
      .toBuffer();
  } catch (e) {
    throw new TroupeError('unprocessable', `${mime} image is truncated or corrupt: ${(e as Error).message.slice(0, 160)}`);
  }
  return { width, height };
}

/** Decodes strict base64 (the part schema already checked its alphabet). */
function decodeBase64(data: string): Uint8Array {
  return Buffer.from(data, 'base64');
}

/**
 * A message's parts as they may enter the mesh: every media part checked and referencing a blob of `tenant` (inline
 * bytes stored once), text parts as they are. Inline bytes past `inlineMaxBytes` are `too_large` (upload them as a
 * blob); a reference to a blob the tenant does not hold is `unprocessable`.
 */
export async function admitParts(
  tenant: string,
  parts: readonly ContentPart[],
  blobs: BlobStore,
  policy: MediaPolicy = DEFAULT_MEDIA_POLICY,
): Promise<ContentPart[]> {
  const out: ContentPart[] = [];
  for (const [i, p] of parts.entries()) {
    if (!isMediaPart(p)) {
      out.push(p);
      continue;
    }
    out.push(await admitPart(tenant, p, i, blobs, policy));
  }
  return out;
}

async function admitPart(tenant: string, p: MediaPart, i: number, blobs: BlobStore, policy: MediaPolicy): Promise<MediaPart> {
  const where = `parts[${i}]`;
  // A transcript is the node's (gateway/blobs admitMessages), never a client's: one sent in is dropped here.
  const { data: _data, blob: _blob, size: _size, sha256: _sha, width: _w, height: _h, transcript: _t, ...rest } = p;
  if (p.data !== undefined) {
    const size = inlineSize(p.data);
    if (size > policy.inlineMaxBytes)
      throw new TooLargeError(`${where}: ${size} inline bytes exceed the ${policy.inlineMaxBytes}-byte inline limit (upload a blob)`, {
        details: { size, limit: policy.inlineMaxBytes },
      });
    const bytes = decodeBase64(p.data);
    const facts = await prefixed(where, inspectMedia(bytes, p.mime, policy));
    const dims = facts.width === undefined ? {} : { width: facts.width, height: facts.height as number };
    const ref = await blobs.put(tenant, bytes, facts.mime, dims);
    return { ...rest, mime: facts.mime, ...refFields(ref), ...dims } as MediaPart;
  }
  const meta = await blobs.stat(tenant, p.blob as string);
  if (meta === undefined) throw new TroupeError('unprocessable', `${where}: blob ${p.blob as string} not found`);
  if (normalMime(meta.mime) !== normalMime(p.mime))
    throw unsupported(`${where}: blob ${meta.sha256} is ${meta.mime}, not ${p.mime}`, { declared: p.mime, stored: meta.mime });
  const dims = meta.width === undefined ? {} : { width: meta.width, height: meta.height as number };
  return { ...rest, mime: meta.mime, blob: meta.sha256, size: meta.size, sha256: meta.sha256, ...dims } as MediaPart;
}

function refFields(ref: BlobRef): { blob: string; size: number; sha256: string } {
  return { blob: ref.blob, size: ref.size, sha256: ref.sha256 };
}

/** `what` with its error messages prefixed by `where`. */
async function prefixed<T>(where: string, what: Promise<T>): Promise<T> {
  try {
    return await what;
  } catch (e) {
    if (e instanceof TroupeError) e.message = `${where}: ${e.message}`;
    throw e;
  }
}
