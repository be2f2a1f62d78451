/**
 * The offline model: deterministic, no network, the embedded default. It says plainly that it
 * is offline, streams its answer word by word, and follows a small documented convention so
 * tool calls, delegation and handoffs can be exercised without a real model:
 *
 *   /tool <name> <json-object>     call a tool (one line per call; several lines = parallel calls)
 *   /ask <agent> <text>            delegate: ask another agent and use its answer
 *   /handoff <agent>               hand the conversation to another agent
 *
 * The commands are read from the last user message. Without a command, and when it was given a
 * {@link SemanticRouter}, it decides by meaning: it calls the tool (or hands off to / asks the
 * agent) whose description best matches the message, arguments read from the message; else it
 * answers from recalled passages when the prompt carries them ({@link RECALLED_CONTEXT_HEADING});
 * else it echoes. After tool results arrive, it answers with a summary of them. Asked for JSON matching a schema
 * (`responseFormat`), it answers a value built from the schema (offline-json.ts). Token counts are
 * whitespace-separated words.
 */
import type { SemanticRouter } from './offline-router.js';
import type { BlobSource, ChatMessage, ModelEvent, ModelProvider, ModelRequest, ToolCall, ToolSpec } from './types.js';
import { isMediaPart, partSize, type MediaPart } from '../../protocols/index.js';
import { sampleJson } from './offline-json.js';

const PREFIX = '[offline model]';
const TRANSFER = 'transfer_to_';

/** First line of the system message that carries recalled passages, one `[n] (source) text` per line. */
export const RECALLED_CONTEXT_HEADING = 'Passages recalled from memory (cite them as [document#chunk]):';

/** Options of {@link OfflineProvider}. */
export interface OfflineOptions {
  /** Routes messages without a slash command by meaning; absent: only the commands route. */
  readonly router?: SemanticRouter;
}

/** The best recalled passage right before the last user message, as `{ source, text }`. */
function recalled(messages: readonly ChatMessage[]): { source: string; text: string } | undefined {
  const at = messages.findLastIndex((m) => m.role === 'user');
  const context = messages[at - 1];
  if (context?.role !== 'system' || !context.content.startsWith(RECALLED_CONTEXT_HEADING)) return undefined;
  const m = /^\[\d+\] \(([^)]*)\) (.*)$/m.exec(context.content);
  return m === null ? undefined : { source: m[1] as string, text: (m[2] as string).trim() };
}

/** True when the trailing tool results are only the transfer that brought the conversation here. */
function justHandedOff(messages: readonly ChatMessage[]): boolean {
  const last = messages[messages.length - 1];
  return last?.role === 'tool' && (last.name ?? '').startsWith(TRANSFER) && messages[messages.length - 2]?.role !== 'tool';
}

function words(text: string): number {
  const t = text.trim();
  return t === '' ? 0 : t.split(/\s+/).length;
}

/** The bytes of a media part: inline, or read from the blob store; undefined when neither is at hand. */
async function bytesOf(p: MediaPart, blobs: BlobSource | undefined): Promise<Uint8Array | undefined> {
  if (p.data !== undefined) return Buffer.from(p.data, 'base64');
  if (p.blob === undefined || blobs === undefined) return undefined;
  try {
    return await blobs({ blob: p.blob });
  } catch {
    return undefined;
  }
}

/** One media part described: `image (image/png, 2048 bytes, 64x48)`; dimensions measured with `image-size`. */
export async function describePart(p: MediaPart, blobs?: BlobSource): Promise<string> {
  const facts = [p.mime, `${partSize(p)} bytes`];
  if (p.type === 'image') {
    let { width, height } = p;
    if (width === undefined || height === undefined) {
      const bytes = await bytesOf(p, blobs);
      if (bytes !== undefined) {
        try {
          const { imageSize } = await import('image-size');
          ({ width, height } = imageSize(bytes));
        } catch {
          facts.push('unreadable');
        }
      }
    }
    if (width !== undefined && height !== undefined) facts.push(`${width}x${height}`);
  }
  if (p.name !== undefined) facts.push(JSON.stringify(p.name));
  return `${p.type} (${facts.join(', ')})`;
}

/** What the media parts of a message are, as the offline model says it: `; you sent: image (…), audio (…)`. */
async function describeMedia(m: ChatMessage | undefined, blobs?: BlobSource): Promise<string> {
  const media = (m?.parts ?? []).filter(isMediaPart);
  if (media.length === 0) return '';
  return `; you sent: ${(await Promise.all(media.map((p) => describePart(p, blobs)))).join(', ')}`;
}

/** Parses the convention's commands from a user message. */
export function parseOfflineCommands(text: string, known: ReadonlySet<string>): { calls: Omit<ToolCall, 'id'>[]; errors: string[] } {
  const calls: Omit<ToolCall, 'id'>[] = [];
  const errors: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^\/tool\s+(\S+)\s*(.*)$/.exec(line)) !== null) {
      const [, name, argText] = m as unknown as [string, string, string];
      try {
        const args: unknown = argText === '' ? {} : JSON.parse(argText);
        if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new Error('arguments must be a JSON object');
        calls.push({ name, arguments: args as Record<string, unknown> });
      } catch (e) {
        errors.push(`/tool ${name}: ${(e as Error).message}`);
      }
    } else if ((m = /^\/ask\s+(\S+)\s+(.+)$/.exec(line)) !== null) {
      calls.push({ name: `ask_${m[1] as string}`, arguments: { question: m[2] as string } });
    } else if ((m = /^\/handoff\s+(\S+)\s*$/.exec(line)) !== null) {
      calls.push({ name: `transfer_to_${m[1] as string}`, arguments: {} });
    }
  }
  for (const c of calls) if (!known.has(c.name)) errors.push(`no tool named ${c.name} is available`);
  return { calls: calls.filter((c) => known.has(c.name)), errors };
}

/** The deterministic offline provider. */
export class OfflineProvider implements ModelProvider {
  readonly name = 'offline';
  private calls = 0;
  private readonly router: SemanticRouter | undefined;

  constructor(options: OfflineOptions = {}) {
    this.router = options.router;
  }

  /** The reply to the last user message: commands, then a route by meaning, then recall, then an echo. */
  private async decide(
    messages: readonly ChatMessage[],
    tools: readonly ToolSpec[],
    signal?: AbortSignal,
    blobs?: BlobSource,
  ): Promise<{ text: string; calls: Omit<ToolCall, 'id'>[] }> {
    const asked = [...messages].reverse().find((m) => m.role === 'user');
    const input = asked?.content ?? '';
    // After a handoff the new agent answers the same message: its commands already ran, and it does not pass the conversation on again.
    const handedOff = justHandedOff(messages);
    if (!handedOff) {
      const { calls, errors } = parseOfflineCommands(input, new Set(tools.map((t) => t.name)));
      if (calls.length > 0) return { text: errors.length > 0 ? `${PREFIX} ${errors.join('; ')}` : '', calls };
      if (errors.length > 0) return { text: `${PREFIX} ${errors.join('; ')}`, calls: [] };
    }
    const candidates = handedOff ? tools.filter((t) => !t.name.startsWith(TRANSFER)) : tools;
    const routable = this.router !== undefined && !input.trim().startsWith('/');
    const route = routable ? await this.router?.route(input, candidates, signal) : undefined;
    if (route !== undefined) return { text: '', calls: [{ name: route.name, arguments: route.arguments }] };
    const memory = recalled(messages);
    if (memory !== undefined) return { text: `${PREFIX} From what I recall (${memory.source}): ${memory.text}`, calls: [] };
    const who = handedOff ? `${(messages[messages.length - 1]?.name ?? '').slice(TRANSFER.length)} here. ` : '';
    const media = await describeMedia(asked, blobs);
    return { text: `${PREFIX} ${who}I am an offline model (no network, no API key); you said: ${input}${media}`, calls: [] };
  }

  async *stream(request: ModelRequest): AsyncIterable<ModelEvent> {
    const messages = request.messages;
    const promptTokens = messages.reduce((n, m) => n + words(m.content), 0);
    const last = messages[messages.length - 1];
    let text: string;
    let toolCalls: ToolCall[] = [];
    if (last?.role === 'tool' && !justHandedOff(messages)) {
      const results: string[] = [];
      for (let i = messages.length - 1; i >= 0 && messages[i]?.role === 'tool'; i--) {
        const t = messages[i] as ChatMessage;
        results.unshift(`${t.name ?? 'tool'}: ${t.content}${await describeMedia(t, request.blobs)}`);
      }
      text = `${PREFIX} tool results — ${results.join('; ')}`;
    } else {
      const decided = await this.decide(messages, request.tools ?? [], request.signal, request.blobs);
      text = decided.text;
      toolCalls = decided.calls.map((c) => ({ ...c, id: `call_${++this.calls}` }));
    }
    // Asked for JSON: a value shaped by the schema, strings from the user's words (offline-json.ts).
    if (request.responseFormat !== undefined && toolCalls.length === 0) {
      const asked = messages.findLast((m) => m.role === 'user' && !m.content.startsWith('[output_format]'));
      text = JSON.stringify(sampleJson(request.responseFormat.schema, asked?.content ?? ''));
    }
    const parts = text === '' ? [] : text.split(/(\s+)/).filter((p) => p !== '');
    let completion = 0;
    for (const p of parts) {
      if (request.signal?.aborted === true) throw request.signal.reason;
      if (p.trim() !== '') completion++;
      yield { type: 'token', text: p };
      await Promise.resolve();
    }
    for (const call of toolCalls) {
      completion += words(JSON.stringify(call.arguments));
      yield { type: 'tool_call', call };
    }
    yield {
      type: 'done',
      message: toolCalls.length > 0 ? { role: 'assistant', content: text, toolCalls } : { role: 'assistant', content: text },
      usage: { promptTokens, completionTokens: completion },
      stopReason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
    };
  }
}
