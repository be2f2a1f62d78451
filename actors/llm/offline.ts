/**
 * The offline model: deterministic, no network, the embedded default. It says plainly that it
 * is offline, streams its answer word by word, and follows a small documented convention so
 * tool calls, delegation and handoffs can be exercised without a real model:
 *
 *   /tool <name> <json-object>     call a tool (one line per call; several lines = parallel calls)
 *   /ask <agent> <text>            delegate: ask another agent and use its answer
 *   /handoff <agent>               hand the conversation to another agent
 *
 * The commands are read from the last user message. After tool results arrive, it answers with
 * a summary of them. Anything else is echoed back. Token counts are whitespace-separated words.
 */
import type { ChatMessage, ModelEvent, ModelProvider, ModelRequest, ToolCall } from './types.js';

const PREFIX = '[offline model]';

function words(text: string): number {
  const t = text.trim();
  return t === '' ? 0 : t.split(/\s+/).length;
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

  async *stream(request: ModelRequest): AsyncIterable<ModelEvent> {
    const messages = request.messages;
    const promptTokens = messages.reduce((n, m) => n + words(m.content), 0);
    const last = messages[messages.length - 1];
    const known = new Set((request.tools ?? []).map((t) => t.name));
    let text: string;
    let toolCalls: ToolCall[] = [];
    if (last?.role === 'tool') {
      const results: string[] = [];
      for (let i = messages.length - 1; i >= 0 && messages[i]?.role === 'tool'; i--) {
        const t = messages[i] as ChatMessage;
        results.unshift(`${t.name ?? 'tool'}: ${t.content}`);
      }
      text = `${PREFIX} tool results — ${results.join('; ')}`;
    } else {
      const input = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
      const { calls, errors } = parseOfflineCommands(input, known);
      toolCalls = calls.map((c) => ({ ...c, id: `call_${++this.calls}` }));
      if (toolCalls.length > 0) text = errors.length > 0 ? `${PREFIX} ${errors.join('; ')}` : '';
      else text = errors.length > 0 ? `${PREFIX} ${errors.join('; ')}` : `${PREFIX} I am an offline model (no network, no API key); you said: ${input}`;
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
