/**
 * Tool names the vendors accept: OpenAI and Anthropic allow only `[a-zA-Z0-9_-]{1,64}` for
 * function names, while mesh tools may carry dots (an MCP tool is `server.tool`). Names are
 * mapped to safe ones on the way out and back on the way in, so neither side sees the other's.
 */
import type { ChatMessage, ModelEvent, ModelRequest, ToolCall } from './types.js';

const SAFE = /^[A-Za-z0-9_-]{1,64}$/;

/** A two-way map between mesh tool names and vendor-safe ones for one request. */
export class ToolNameMap {
  private readonly out = new Map<string, string>();
  private readonly back = new Map<string, string>();

  constructor(names: Iterable<string>) {
    for (const n of names) this.add(n);
  }

  private add(name: string): string {
    const known = this.out.get(name);
    if (known !== undefined) return known;
    let safe = SAFE.test(name) ? name : name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'tool';
    // Two names that map alike (a.b and a_b) get a numbered suffix; safe names keep theirs.
    for (let i = 2; this.back.has(safe) && this.back.get(safe) !== name; i++) safe = `${safe.slice(0, 64 - String(i).length - 1)}_${i}`;
    this.out.set(name, safe);
    this.back.set(safe, name);
    return safe;
  }

  /** The vendor-safe name of a mesh tool name. */
  toVendor(name: string): string {
    return this.add(name);
  }

  /** The mesh name of a vendor-side name (unknown names pass through). */
  fromVendor(name: string): string {
    return this.back.get(name) ?? name;
  }
}

function renameCall(c: ToolCall, f: (n: string) => string): ToolCall {
  return { ...c, name: f(c.name) };
}

function renameMessage(m: ChatMessage, f: (n: string) => string): ChatMessage {
  return {
    ...m,
    ...(m.toolCalls === undefined ? {} : { toolCalls: m.toolCalls.map((c) => renameCall(c, f)) }),
    ...(m.role === 'tool' && m.name !== undefined ? { name: f(m.name) } : {}),
  };
}

/** Streams `request` through `stream` with every tool name made vendor-safe, and mapped back in what comes out. */
export async function* withSafeToolNames(
  request: ModelRequest,
  stream: (r: ModelRequest) => AsyncIterable<ModelEvent>,
): AsyncIterable<ModelEvent> {
  const names = new ToolNameMap((request.tools ?? []).map((t) => t.name));
  const toVendor = (n: string): string => names.toVendor(n);
  const fromVendor = (n: string): string => names.fromVendor(n);
  const vendorRequest: ModelRequest = {
    ...request,
    messages: request.messages.map((m) => renameMessage(m, toVendor)),
    ...(request.tools === undefined ? {} : { tools: request.tools.map((t) => ({ ...t, name: toVendor(t.name) })) }),
  };
  for await (const ev of stream(vendorRequest)) {
    if (ev.type === 'tool_call') yield { ...ev, call: renameCall(ev.call, fromVendor) };
    else if (ev.type === 'done') yield { ...ev, message: renameMessage(ev.message, fromVendor) };
    else yield ev;
  }
}
