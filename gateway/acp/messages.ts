/**
 * Messages at the ACP edge: our `ChatMessage`s become LangGraph message dicts
 * (`{type: 'human'|'ai'|'tool'|'system', content, id, …}`) on the way out, and the message
 * shapes LangGraph clients send (dicts with `type` or `role`, `[role, content]` tuples, bare
 * strings, text content blocks) become agent input on the way in.
 */
import { createHash } from 'node:crypto';
import type { ChatMessage, ContentPart, ToolCall } from '../../protocols/index.js';
import { unprocessableError } from '../http.js';
import { lcBlocksToParts, toLcContent } from '../blobs/blocks.js';

/** A message as LangGraph clients read it (a serialized LangChain message). */
export type LgMessage = Record<string, unknown> & { readonly type: string; readonly id: string };

/** An input message the agent accepts (protocols/acp.ts `inputMessageSchema`). */
export interface InputMessage {
  readonly role: 'user' | 'system' | 'assistant';
  readonly content: string;
  /** The message as typed parts, when it holds images, audio or files (LangChain content blocks; ADR 0043). */
  readonly parts?: ContentPart[];
}

/**
 * The id of the `index`-th message of a thread. Our messages carry no ids, so the id is derived
 * from the position: the same message has the same id in streams, state and history.
 */
export function messageId(threadId: string, index: number): string {
  const h = createHash('sha1').update(`${threadId}\u0000${index}`).digest('hex');
  const variant = ((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/** A tool call as LangChain serializes it. */
export function lgToolCall(c: ToolCall): Record<string, unknown> {
  return { name: c.name, args: c.arguments, id: c.id, type: 'tool_call' };
}

/** One of our messages as a LangGraph message dict with `id`. */
export function toLgMessage(m: ChatMessage, id: string): LgMessage {
  switch (m.role) {
    case 'user':
      return { type: 'human', content: toLcContent(m), id, name: null, additional_kwargs: {}, response_metadata: {} };
    case 'system':
      return { type: 'system', content: m.content, id, name: null, additional_kwargs: {}, response_metadata: {} };
    case 'tool':
      return {
        type: 'tool',
        content: toLcContent(m),
        id,
        tool_call_id: m.toolCallId ?? '',
        name: m.name ?? null,
        status: 'success',
        additional_kwargs: {},
        response_metadata: {},
      };
    case 'assistant':
      return {
        type: 'ai',
        content: m.content,
        id,
        name: null,
        tool_calls: (m.toolCalls ?? []).map(lgToolCall),
        invalid_tool_calls: [],
        // The answer in each output format asked (docs/adr/0046-output-formats.md); `content` stays its text.
        additional_kwargs: m.parts === undefined ? {} : { parts: m.parts },
        response_metadata: {},
      };
  }
}

/** A thread's values as LangGraph shows them: `{messages}` with position-derived ids. */
export function toValues(threadId: string, messages: readonly ChatMessage[]): { messages: LgMessage[] } {
  return { messages: messages.map((m, i) => toLgMessage(m, messageId(threadId, i))) };
}

const ROLES: Record<string, InputMessage['role'] | 'tool'> = {
  human: 'user',
  user: 'user',
  ai: 'assistant',
  assistant: 'assistant',
  system: 'system',
  developer: 'system',
  tool: 'tool',
  function: 'tool',
};

/** A LangChain `content`: a string, or content blocks (text, images, audio, files) as typed parts. */
function contentOf(content: unknown, where: string): { content: string; parts?: ContentPart[] } {
  if (typeof content === 'string') return { content };
  if (Array.isArray(content)) return lcBlocksToParts(content, `${where}.content`);
  throw unprocessableError(`${where}.content must be a string or an array of content blocks`);
}

/** One input message from any shape LangGraph clients send. */
function inputMessage(raw: unknown, where: string): InputMessage {
  if (typeof raw === 'string') return { role: 'user', content: raw };
  let kind: unknown;
  let content: unknown;
  if (Array.isArray(raw) && raw.length === 2) [kind, content] = raw as [unknown, unknown];
  else if (typeof raw === 'object' && raw !== null) {
    const o = raw as Record<string, unknown>;
    kind = o['type'] ?? o['role'];
    content = o['content'];
  } else throw unprocessableError(`${where} must be a message object, a [role, content] pair or a string`);
  const role = typeof kind === 'string' ? ROLES[kind.replace(/MessageChunk$|Message$/, '').toLowerCase()] : undefined;
  if (role === undefined)
    throw unprocessableError(`${where}: unknown message type ${JSON.stringify(kind)} (use human/user, ai/assistant or system)`);
  if (role === 'tool') throw unprocessableError(`${where}: tool messages cannot be sent as input`);
  return { role, ...contentOf(content, where) };
}

/**
 * The messages of a run's `input` (`{messages: [...]}`; a single message or string is one
 * message). Throws a 422 error for anything else.
 */
export function parseInputMessages(input: unknown): InputMessage[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw unprocessableError('input must be an object like {"messages": [...]}');
  const raw = (input as Record<string, unknown>)['messages'];
  if (raw === undefined) throw unprocessableError('input.messages is required');
  const list =
    Array.isArray(raw) && !(raw.length === 2 && typeof raw[0] === 'string' && typeof raw[1] === 'string' && ROLES[raw[0]] !== undefined)
      ? raw
      : [raw];
  if (list.length === 0) throw unprocessableError('input.messages must not be empty');
  return list.map((m, i) => inputMessage(m, `input.messages[${i}]`));
}

/** An input message as the `ChatMessage` the agent appends to its thread. */
export function toChatMessage(m: InputMessage): ChatMessage {
  return m.parts === undefined ? { role: m.role, content: m.content } : { role: m.role, content: m.content, parts: m.parts };
}
