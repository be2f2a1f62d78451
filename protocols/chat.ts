/**
 * Conversation contracts: chat messages, the tool calls a model makes, the tools it is offered
 * and token usage. They cross the mesh inside run checkpoints, thread records, `acp.run.continue`
 * and run events, and are stored; the agent runtime and every model provider speak them.
 */
import { z } from 'zod';
import { contentPartsSchema } from './content.js';

/**
 * An array of `item` whose inferred type is read-only. A type-level matter only: zod's own
 * `.readonly()` freezes what it parses, and throws a TypeError instead of failing when a hostile
 * value such as a Uint8Array stands where the array should be.
 */
export function readonlyArray<T extends z.ZodType>(item: T): z.ZodType<readonly z.output<T>[], readonly z.input<T>[]> {
  return z.array(item);
}

/** A tool call the model asked for; `arguments` is parsed JSON (an object). */
export const toolCallSchema = z.object({
  id: z.string(),
  name: z.string(),
  arguments: z.record(z.string(), z.unknown()),
});
/** A tool call the model asked for. */
export type ToolCall = Readonly<z.infer<typeof toolCallSchema>>;

/** Who speaks a chat message. */
export const CHAT_ROLES = ['system', 'user', 'assistant', 'tool'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];

/** One message of a conversation. */
export const chatMessageSchema = z.object({
  role: z.enum(CHAT_ROLES),
  /** The message's text (with `parts`: the text of its text parts). */
  content: z.string(),
  /** The whole message as typed parts (text, image, audio, file), when it holds more than text (protocols/content.ts). */
  parts: contentPartsSchema.optional(),
  /** Tool calls made by an assistant message. */
  toolCalls: readonlyArray(toolCallSchema).optional(),
  /** For `tool` messages: the call this answers. */
  toolCallId: z.string().optional(),
  /** For `tool` messages: the tool's name. */
  name: z.string().optional(),
});
/** One message of a conversation. */
export type ChatMessage = Readonly<z.infer<typeof chatMessageSchema>>;

/** A tool as a model sees it; `parameters` is the JSON Schema of its arguments (an object schema). */
export const toolSpecSchema = z.object({
  name: z.string(),
  description: z.string(),
  parameters: z.record(z.string(), z.unknown()),
});
/** A tool as a model sees it. */
export type ToolSpec = Readonly<z.infer<typeof toolSpecSchema>>;

/** Token usage of one model call, or of a run so far. */
export const usageSchema = z.object({
  promptTokens: z.number().nonnegative(),
  completionTokens: z.number().nonnegative(),
});
/** Token usage of one call. */
export type Usage = Readonly<z.infer<typeof usageSchema>>;
