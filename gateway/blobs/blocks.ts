/**
 * Content parts at the gateway's edges (ADR 0043): LangChain content blocks (as the LangGraph SDK sends them) become
 * typed parts, checked with the part schema; parts become LangChain blocks on the way out. Anything else is a 422
 * naming the block — never a crash.
 */
import { contentPartSchema, fromWireContent, type ContentPart } from '../../protocols/index.js';
import { unprocessableError } from '../http.js';

/** Where a stored blob is read over HTTP (gateway/blobs/route.ts). */
export function blobUrl(id: string): string {
  return `/blobs/${id}`;
}

const DATA_URL = /^data:([a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*)(?:;[^,;]*)*;base64,([A-Za-z0-9+/]*={0,2})$/;
const BLOB_URL = /^(?:\/blobs\/|troupe-blob:)([0-9a-f]{64})$/;

type Block = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A `data:` URL as a media part of `type`; a blob URL (`/blobs/<sha256>`) as a reference (its size checked later). */
function fromUrl(type: 'image' | 'audio' | 'file', url: string, where: string, mimeHint?: string): Block {
  const d = DATA_URL.exec(url);
  if (d !== null) return { type, mime: d[1], data: d[2] };
  const b = BLOB_URL.exec(url);
  if (b !== null && mimeHint !== undefined) return { type, mime: mimeHint, blob: b[1], size: 0, sha256: b[1] };
  throw unprocessableError(
    `${where}: only data: URLs and uploaded blobs (/blobs/<sha256> with mime_type) are accepted; remote URLs are not fetched`,
  );
}

/** One LangChain (or OpenAI / Anthropic style) content block as a raw part, before the schema check. */
function blockToRaw(block: unknown, where: string): unknown {
  if (typeof block === 'string') return { type: 'text', text: block };
  if (typeof block !== 'object' || block === null || Array.isArray(block))
    throw unprocessableError(`${where} must be a content block object`);
  const b = block as Block;
  const type = b['type'];
  if (type === 'text') return { type: 'text', text: b['text'] };
  if (type === 'image_url') {
    const iu = b['image_url'];
    const url = typeof iu === 'string' ? iu : str((iu as Block | undefined)?.['url']);
    if (url === undefined) throw unprocessableError(`${where}: image_url needs a url`);
    return fromUrl('image', url, where, str(b['mime_type']));
  }
  if (type === 'input_audio') {
    const ia = (b['input_audio'] ?? {}) as Block;
    const format = str(ia['format']);
    return { type: 'audio', mime: format === 'mp3' ? 'audio/mpeg' : `audio/${format ?? ''}`, data: ia['data'] };
  }
  if (type === 'image' || type === 'audio' || type === 'file') {
    const mime = str(b['mime']) ?? str(b['mime_type']) ?? str(b['mimeType']);
    const name = str(b['name']) ?? str(b['filename']);
    const extra = name === undefined ? {} : { name };
    // Our own part shape (inline data or a blob reference).
    if (b['blob'] !== undefined) return { type, mime, blob: b['blob'], size: b['size'], sha256: b['sha256'] ?? b['blob'], ...extra };
    // Anthropic style: {source: {type: 'base64', media_type, data}}.
    const source = b['source'];
    if (typeof source === 'object' && source !== null) {
      const s = source as Block;
      if (s['type'] !== 'base64') throw unprocessableError(`${where}: only base64 sources are accepted`);
      return { type, mime: s['media_type'], data: s['data'], ...extra };
    }
    // LangChain v0.3 (`source_type`) and v1 (`base64`, `url`) standard blocks.
    const url = str(b['url']);
    if (b['source_type'] === 'url' || url !== undefined) return { ...fromUrl(type, url ?? '', where, mime), ...extra };
    if (b['source_type'] === 'id' || b['file_id'] !== undefined) throw unprocessableError(`${where}: provider file ids are not accepted`);
    return { type, mime, data: b['data'] ?? b['base64'], ...extra };
  }
  throw unprocessableError(`${where}: unknown content block type ${JSON.stringify(typeof type === 'string' ? type.slice(0, 40) : type)}`);
}

/** Checks raw parts with the part schema: a 422 naming the first problem. */
export function checkedParts(raw: readonly unknown[], where: string): ContentPart[] {
  return raw.map((r, i) => {
    const parsed = contentPartSchema.safeParse(r);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.length ? `.${issue.path.join('.')}` : '';
      throw unprocessableError(`${where}[${i}]${path}: ${issue?.message ?? 'invalid content part'}`);
    }
    return parsed.data;
  });
}

/** LangChain content blocks as a message body: its text and, when it holds media, its parts. */
export function lcBlocksToParts(blocks: readonly unknown[], where: string): { content: string; parts?: ContentPart[] } {
  if (blocks.length === 0) return { content: '' };
  if (blocks.length > 64) throw unprocessableError(`${where}: more than 64 content blocks`);
  return fromWireContent(
    checkedParts(
      blocks.map((b, i) => blockToRaw(b, `${where}[${i}]`)),
      where,
    ),
  );
}

/** A part as a LangChain block: text as `text`, images as `image_url` (the blob's URL), others as standard blocks. */
export function toLcBlock(p: ContentPart): Record<string, unknown> {
  if (p.type === 'text') return { type: 'text', text: p.text };
  const url = p.blob !== undefined ? blobUrl(p.blob) : `data:${p.mime};base64,${p.data ?? ''}`;
  const facts = { mime_type: p.mime, ...(p.name === undefined ? {} : { name: p.name }), ...(p.size === undefined ? {} : { size: p.size }) };
  const ref = p.blob === undefined ? {} : { blob: p.blob, sha256: p.blob };
  if (p.type === 'image') return { type: 'image_url', image_url: { url }, ...facts, ...ref };
  return { type: p.type, source_type: 'url', url, ...facts, ...ref };
}

/** A message's LangChain `content`: its text, or its parts as blocks. */
export function toLcContent(m: { readonly content: string; readonly parts?: readonly ContentPart[] | undefined }): unknown {
  return m.parts === undefined || m.parts.length === 0 ? m.content : m.parts.map(toLcBlock);
}
