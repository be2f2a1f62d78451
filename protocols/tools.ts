/**
 * Tool call contracts inside the mesh, mirroring MCP: the payload of `mcp.tools.call`
 * (`tools/call` params), its result (`CallToolResult`) and progress (`notifications/progress`).
 * A tool actor validates requests itself (actors/tool/runner.ts); these schemas are the shapes.
 */
import { z } from 'zod';
import { readonlyArray } from './chat.js';

/**
 * Payload of a tool call. The actor's address decides which tool runs; `name` is informational.
 * `runId`/`callId`: the run and call this belongs to (for progress, approvals and logs).
 * `idempotencyKey`: the same for every attempt of one call, across resumes of its run ({@link idempotencyKey});
 * a tool declared idempotent by key answers a key it has a recorded result for with that result.
 */
export const toolCallRequestSchema = z.object({
  name: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  runId: z.string().optional(),
  callId: z.string().optional(),
  idempotencyKey: z.string().min(1).max(512).optional(),
});
/** Payload of a tool call. */
export type ToolCallRequest = Readonly<z.infer<typeof toolCallRequestSchema>>;

/** MCP content items Troupe produces (`text`) and passes through (any other `type`, fields kept). */
export const toolContentSchema = z.union([z.object({ type: z.literal('text'), text: z.string() }), z.looseObject({ type: z.string() })]);
/** One MCP content item. */
export type ToolContent = Readonly<z.infer<typeof toolContentSchema>>;

/** Result of a tool call; a failing tool answers `isError: true`, never a crash of the caller. */
export const toolCallResultSchema = z.object({
  content: readonlyArray(toolContentSchema),
  structuredContent: z.record(z.string(), z.unknown()).optional(),
  isError: z.boolean().optional(),
});
/** Result of a tool call. */
export type ToolCallResult = Readonly<z.infer<typeof toolCallResultSchema>>;

/** Progress a running tool reports. */
export const toolProgressSchema = z.object({
  progress: z.number(),
  total: z.number().optional(),
  message: z.string().optional(),
});
/** Progress a running tool reports. */
export type ToolProgress = Readonly<z.infer<typeof toolProgressSchema>>;

/**
 * The `_meta` key an MCP `tools/call` request carries the idempotency key under (MCP `_meta` names: a
 * reverse-DNS prefix of our own, then a slash and a name; `modelcontextprotocol`/`mcp` prefixes are reserved).
 */
export const IDEMPOTENCY_META_KEY = 'io.troupe/idempotency-key';

/** The idempotency key of call `callId` of run `runId`: stable across resumes, since both ids are. */
export function idempotencyKey(runId: string, callId: string): string {
  return `${runId}:${callId}`;
}
