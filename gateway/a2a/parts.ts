/**
 * A2A message parts as content parts (ADR 0043): `text` parts are text, `data` parts are their JSON as text, `raw`
 * parts (base64 bytes with `mediaType`) are images, audio or files checked and stored as blobs of the tenant, and
 * `url` parts naming an uploaded blob (`/blobs/<sha256>`) reference it; other URLs stay a `[file: url]` line (they are
 * not fetched). The task keeps the message with its raw bytes replaced by the blob's URL: bytes are stored once.
 */
import { fromWireContent, isTroupeError, type ContentPart } from '../../protocols/index.js';
import { admitMessages, blobUrl, checkedParts } from '../blobs/index.js';
import type { GatewayDeps } from '../types.js';
import { RpcError } from './jsonrpc.js';
import { A2A_ERRORS, type Message, type Part } from './types.js';

const BLOB_URL = /^(?:\/blobs\/|troupe-blob:)([0-9a-f]{64})$/;

function mediaType(mime: string): 'image' | 'audio' | 'file' {
  return mime.startsWith('image/') ? 'image' : mime.startsWith('audio/') ? 'audio' : 'file';
}

/** One A2A part as a raw content part (before the schema check). */
function rawPart(p: Part): unknown {
  const name = p.filename === undefined ? {} : { name: p.filename };
  if (p.text !== undefined) return { type: 'text', text: p.text };
  if (p.data !== undefined) return { type: 'text', text: JSON.stringify(p.data) };
  if (p.raw !== undefined) {
    const mime = (p.mediaType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (mime === '') throw new RpcError(A2A_ERRORS.INVALID_PARAMS, 'Invalid params: a raw part needs mediaType');
    return { type: mediaType(mime), mime, data: p.raw, ...name };
  }
  if (p.url !== undefined) {
    const b = BLOB_URL.exec(p.url);
    const mime = p.mediaType?.split(';')[0]?.trim().toLowerCase();
    if (b !== null && mime !== undefined) return { type: mediaType(mime), mime, blob: b[1], size: 0, sha256: b[1], ...name };
    return { type: 'text', text: `[file: ${p.url}]` };
  }
  throw new RpcError(A2A_ERRORS.CONTENT_TYPE_NOT_SUPPORTED, 'a part carries none of text, raw, url or data');
}

/** An admission failure as the JSON-RPC error a client reads. */
function rpcError(e: unknown): unknown {
  if (isTroupeError(e, 'unsupported_media_type')) return new RpcError(A2A_ERRORS.CONTENT_TYPE_NOT_SUPPORTED, e.message);
  if (isTroupeError(e, 'unprocessable') || isTroupeError(e, 'too_large') || isTroupeError(e, 'bad_request'))
    return new RpcError(A2A_ERRORS.INVALID_PARAMS, `Invalid params: ${e.message}`);
  return e;
}

/**
 * The message body (text, and parts when it holds media: blob references only) of A2A message `m` for `tenant`, and
 * the message as the task keeps it (raw bytes replaced by the blob's URL).
 */
export async function a2aContent(
  deps: GatewayDeps,
  tenant: string,
  m: Message,
): Promise<{ content: string; parts?: ContentPart[]; kept: Message }> {
  try {
    const raws = m.parts.map(rawPart);
    const checked = checkedParts(raws, 'message.parts');
    // Text parts are lines (as A2A text always read), so consecutive ones join with a newline.
    let seen = false;
    const lined = checked.map((p) => {
      if (p.type !== 'text') return p;
      const line = seen ? { ...p, text: `\n${p.text}` } : p;
      seen = true;
      return line;
    });
    const body = fromWireContent(lined);
    if (body.parts === undefined) {
      if (body.content.trim() === '') throw new RpcError(A2A_ERRORS.INVALID_PARAMS, 'Invalid params: the message has no text');
      return { content: body.content, kept: m };
    }
    const [admitted] = await admitMessages(deps, tenant, [{ parts: body.parts }]);
    const parts = admitted?.parts ?? [];
    const kept: Message = {
      ...m,
      parts: m.parts.map((p, i) => {
        const a = parts[i];
        if (p.raw === undefined || a === undefined || a.type === 'text' || a.blob === undefined) return p;
        const { raw: _raw, ...rest } = p;
        return { ...rest, url: blobUrl(a.blob), mediaType: a.mime };
      }),
    };
    return { content: body.content, parts, kept };
  } catch (e) {
    throw rpcError(e);
  }
}
