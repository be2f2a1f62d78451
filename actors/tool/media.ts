/**
 * Media in tool results (ADR 0043, docs/content-parts.md “Tool results”). A tool — a function tool or an external MCP
 * server's — may answer MCP `image`/`audio` items with base64 `data`, or an embedded `resource` holding a base64 `blob`.
 * Those bytes do not travel the mesh: the tool actor checks them (`inspectMedia`), stores them once as a blob of the
 * calling tenant and answers a {@link BlobItem} in their place — the MCP item with `blob`/`size`/`sha256` instead of
 * `data`. An agent run hands images to the model as media parts ({@link toolResultMedia}); the gateway's MCP
 * server turns it back into MCP content for its client (gateway/mcp/media.ts). Run logs and recorded results hold
 * the reference only.
 */
import { z } from 'zod';
import { TroupeError, blobIdSchema, isStrictBase64, mimeSchema, type MediaPart } from '../../protocols/index.js';
import { inspectMedia, normalMime, type BlobStore, type MediaPolicy } from '../../runtime/index.js';
import type { ToolCallResult, ToolContent } from './types.js';

/** A media item of a tool result inside the mesh: its bytes are blob `blob` of the calling tenant. */
export const blobItemSchema = z.object({
  type: z.enum(['image', 'audio', 'file']),
  mimeType: mimeSchema,
  blob: blobIdSchema,
  size: z.number().int().nonnegative(),
  sha256: blobIdSchema,
  /** The resource's URI (an embedded resource) or a file name, when the tool gave one. */
  name: z.string().max(2048).optional(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
});
/** A media item of a tool result inside the mesh. */
export type BlobItem = z.infer<typeof blobItemSchema>;

/** The item as a {@link BlobItem}, or undefined when it is not one. */
export function asBlobItem(c: ToolContent): BlobItem | undefined {
  if (c.type !== 'image' && c.type !== 'audio' && c.type !== 'file') return undefined;
  const r = blobItemSchema.safeParse(c);
  return r.success && r.data.blob === r.data.sha256 ? r.data : undefined;
}

/** Inline bytes a result item carries: MCP `image`/`audio` data, or an embedded resource's base64 blob. */
function inlineOf(c: ToolContent): { type: BlobItem['type']; mime: string; data: string; name?: string } | undefined {
  const item = c as Record<string, unknown>;
  if ((c.type === 'image' || c.type === 'audio') && typeof item['data'] === 'string' && typeof item['mimeType'] === 'string')
    return { type: c.type, mime: item['mimeType'], data: item['data'] };
  const r = item['resource'] as Record<string, unknown> | undefined;
  if (c.type === 'resource' && typeof r === 'object' && r !== null && typeof r['blob'] === 'string') {
    const mime = typeof r['mimeType'] === 'string' ? r['mimeType'] : 'application/octet-stream';
    const m = normalMime(mime);
    const type = m.startsWith('image/') ? 'image' : m.startsWith('audio/') ? 'audio' : 'file';
    return { type, mime, data: r['blob'], ...(typeof r['uri'] === 'string' ? { name: r['uri'] } : {}) };
  }
  return undefined;
}

/**
 * `result` with every inline media item stored as a blob of `tenant` and replaced by a {@link BlobItem}. Bytes that
 * are refused (a type the policy does not allow, bytes that are not what they claim, past the size limit) become a
 * text item saying so — the rest of the result stands. Storage failures are thrown. Results without inline media are
 * returned as they are.
 */
export async function storeResultMedia(
  result: ToolCallResult,
  tenant: string,
  blobs: BlobStore,
  policy: MediaPolicy,
): Promise<ToolCallResult> {
  if (!result.content.some((c) => inlineOf(c) !== undefined)) return result;
  const content = await Promise.all(
    result.content.map(async (c): Promise<ToolContent> => {
      const inline = inlineOf(c);
      if (inline === undefined) return c;
      const what = `${inline.type} ${inline.mime.slice(0, 80)}`;
      try {
        if (!isStrictBase64(inline.data)) throw new TroupeError('unprocessable', 'its data is not base64');
        const bytes = Buffer.from(inline.data, 'base64');
        const facts = await inspectMedia(bytes, inline.mime, { ...policy, maxBlobBytes: Math.min(policy.maxBlobBytes, blobs.maxBytes) });
        const dims = facts.width === undefined ? {} : { width: facts.width, height: facts.height as number };
        const ref = await blobs.put(tenant, bytes, facts.mime, dims);
        const item: BlobItem = {
          type: inline.type,
          mimeType: facts.mime,
          blob: ref.blob,
          size: ref.size,
          sha256: ref.sha256,
          ...(inline.name === undefined ? {} : { name: inline.name }),
          ...dims,
        };
        return item;
      } catch (e) {
        if (!(e instanceof TroupeError) || !['too_large', 'unsupported_media_type', 'unprocessable'].includes(e.code)) throw e;
        return { type: 'text', text: `[${what} returned by the tool was not kept: ${e.message}]` };
      }
    }),
  );
  return { ...result, content };
}

/** What the model reads for a media item: its type, MIME type, dimensions, size and blob (a tool can take it by reference). */
function mediaLine(b: BlobItem): string {
  const dims = b.width === undefined ? '' : ` ${b.width}x${String(b.height)}`;
  return `[${b.type} ${b.mimeType}${dims}, ${b.size} bytes, blob ${b.blob}${b.name === undefined ? '' : `, ${b.name}`}]`;
}

/** A tool result's text: text items as they are, media items as one descriptive line, other items as JSON. */
export function resultText(result: ToolCallResult): string {
  return result.content
    .map((c) => {
      if (c.type === 'text' && typeof c.text === 'string') return c.text;
      const b = asBlobItem(c);
      return b === undefined ? JSON.stringify(c) : mediaLine(b);
    })
    .join('\n');
}

/** The media part a blob item stands for. */
export function blobItemPart(b: BlobItem): MediaPart {
  return {
    type: b.type,
    mime: b.mimeType,
    blob: b.blob,
    size: b.size,
    sha256: b.sha256,
    ...(b.name === undefined ? {} : { name: b.name.slice(0, 255) }),
    ...(b.width === undefined ? {} : { width: b.width, height: b.height as number }),
  } as MediaPart;
}

/**
 * The media of a tool result the model gets as parts of the tool message, beside its text ({@link resultText}): the
 * images, as blob references (providers read the bytes right before the vendor call, actors/llm/media.ts). Audio and
 * files stay a line of the text naming their blob — few models take them in a tool result, and a tool
 * (`speech.transcribe`, `ocr`) can read them by reference.
 */
export function toolResultMedia(result: ToolCallResult): MediaPart[] {
  const out: MediaPart[] = [];
  for (const c of result.content) {
    const b = asBlobItem(c);
    if (b?.type === 'image') out.push(blobItemPart(b));
  }
  return out;
}
