/**
 * Media in `tools/call` answers (docs/content-parts.md “Tool results”). Inside the mesh a tool result's media is a
 * blob item (actors/tool/media.ts): a reference to a blob of the calling tenant. An MCP client gets MCP content: an
 * `image` or `audio` item with the bytes as base64 (a file: an embedded `resource` with a base64 `blob`) while the
 * blob is at most `inlineMaxBytes` (config `media.inlineMaxBytes`); a larger one is a `resource_link` to
 * `<gateway>/blobs/<sha256>`, which the client reads with its own credentials. A blob the tenant no longer holds is a
 * text item saying so.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { asBlobItem, type BlobItem, type ToolCallResult } from '../../actors/index.js';
import type { BlobStore } from '../../runtime/index.js';

/** Where and how large media is answered. */
export interface McpMediaOptions {
  readonly blobs: BlobStore;
  readonly tenant: string;
  /** Largest blob answered inline (base64); larger ones are linked. */
  readonly inlineMaxBytes: number;
  /** `scheme://host[:port]` of the gateway, for links to `/blobs/<sha256>`. */
  readonly baseUrl: string;
}

/** `result` as an MCP client gets it: every blob item made MCP content (results without one are returned as they are). */
export async function mcpResultContent(result: ToolCallResult, options: McpMediaOptions): Promise<CallToolResult> {
  if (!result.content.some((c) => asBlobItem(c) !== undefined)) return result as CallToolResult;
  const content = await Promise.all(
    result.content.map(async (c) => {
      const b = asBlobItem(c);
      return b === undefined ? c : mcpItem(b, options);
    }),
  );
  return { ...result, content } as CallToolResult;
}

async function mcpItem(b: BlobItem, options: McpMediaOptions): Promise<CallToolResult['content'][number]> {
  const uri = `${options.baseUrl}/blobs/${b.blob}`;
  if (b.size > options.inlineMaxBytes)
    return { type: 'resource_link', uri, name: b.name ?? `${b.type}-${b.blob.slice(0, 12)}`, mimeType: b.mimeType, size: b.size };
  const got = await options.blobs.get(options.tenant, b.blob);
  if (got === undefined) return { type: 'text', text: `[${b.type} ${b.mimeType}: blob ${b.blob} is no longer stored]` };
  const data = Buffer.from(got.bytes.buffer, got.bytes.byteOffset, got.bytes.byteLength).toString('base64');
  if (b.type === 'file') return { type: 'resource', resource: { uri: b.name ?? uri, mimeType: b.mimeType, blob: data } };
  return { type: b.type, data, mimeType: b.mimeType };
}
