/**
 * Turns our run events (protocols/acp.ts: token, message, tool_call, tool_result, handoff,
 * interrupt, status, rewind) into LangGraph stream events for the modes a client asked for, and keeps
 * the thread's messages as they grow so `values` is always the whole state:
 *
 * - `values`: the state `{messages}` at the start and after every step (model reply, batch of
 *   tool results, handoff); an interrupt is `{__interrupt__: [{id, value, …}]}` as LangGraph sends it.
 * - `updates`: `{agent: {messages: [ai]}}`, `{tools: {messages: [tool…]}}`, `{__interrupt__: […]}`.
 * - `messages-tuple` (SSE event `messages`): `[AIMessageChunk, metadata]` per token, a chunk with
 *   the tool calls, and each tool message.
 * - `messages`: `messages/metadata`, `messages/partial` (the message so far), `messages/complete`.
 * - `custom`: every event other than tokens, as `{event, seq, agent, data}`.
 * A `rewind` drops the partial reply: the next token starts it again (`messages/partial` carries the new text).
 * A failed or timed-out run ends with `error {error, message}`.
 */
import type { RunEvent } from '../../protocols/index.js';
import type { ChatMessage, ContentPart, ToolCall } from '../../protocols/index.js';
import { lgToolCall, messageId, toLgMessage, toValues, type LgMessage } from './messages.js';
import type { StreamMode } from './schemas.js';

/** One server-sent event. */
export interface SseEvent {
  readonly event: string;
  readonly data: unknown;
  /** `seq` of the run event, or `seq.n` for its n-th further frame (for `Last-Event-ID`). */
  readonly id?: string;
}

/** An interrupt as LangGraph shows it. */
export interface LgInterrupt {
  readonly id: string;
  readonly value: unknown;
  readonly when: 'during';
  readonly resumable: true;
  readonly ns: string[];
}

/** What a run is doing, as far as its events tell. */
export type ViewStatus = 'pending' | 'running' | 'interrupted' | 'success' | 'error' | 'timeout' | 'cancelled';

/** The id of an interrupt: the tool call it asks about, else the event that raised it. */
export function interruptId(value: unknown, fallback: string): string {
  const call = (value as { tool_call?: { id?: unknown } } | undefined)?.tool_call;
  return typeof call?.id === 'string' ? call.id : fallback;
}

/** Wraps an interrupt value the way LangGraph serializes `Interrupt`. */
export function lgInterrupt(id: string, value: unknown): LgInterrupt {
  return { id, value, when: 'during', resumable: true, ns: [] };
}

interface MessageData {
  content?: unknown;
  tool_calls?: ToolCall[];
  /** The final answer in each output format asked (docs/adr/0046-output-formats.md). */
  parts?: ContentPart[];
}

/** Follows one run's events; `apply` returns what to send for the requested modes. */
export class RunTranslator {
  readonly messages: ChatMessage[];
  status: ViewStatus = 'pending';
  error: string | undefined;
  interrupts: LgInterrupt[] = [];
  lastSeq = 0;
  private step = 0;
  private pending: { calls: readonly ToolCall[]; results: Map<string, ChatMessage> } | undefined;
  private partial: { id: string; text: string } | undefined;

  constructor(
    readonly ctx: { readonly runId: string; readonly threadId: string; readonly assistantId: string },
    base: readonly ChatMessage[],
    private readonly modes: ReadonlySet<StreamMode>,
  ) {
    this.messages = [...base];
  }

  /** True once the run stopped (ended, or waits for a human). */
  get ended(): boolean {
    return this.status !== 'pending' && this.status !== 'running';
  }

  /** The state as LangGraph shows it. */
  values(): { messages: LgMessage[] } {
    return toValues(this.ctx.threadId, this.messages);
  }

  /** What `wait`/`join` answer: the values, plus `__interrupt__` or `__error__` when the run stopped so. */
  finalValues(): Record<string, unknown> {
    const v: Record<string, unknown> = this.values();
    if (this.status === 'interrupted') v['__interrupt__'] = this.interrupts;
    if (this.status === 'error' || this.status === 'timeout')
      v['__error__'] = { error: this.status === 'timeout' ? 'TimeoutError' : 'AgentError', message: this.error ?? 'run failed' };
    return v;
  }

  /**
   * Continues from a run checkpoint's pending tool calls (for a run whose events before now are
   * not replayed): results already in are kept, later ones complete the step.
   */
  restorePending(
    p: { readonly calls: readonly ToolCall[]; readonly results: Readonly<Record<string, { readonly content: string }>> } | undefined,
  ): void {
    if (p === undefined) return;
    const results = new Map<string, ChatMessage>();
    for (const c of p.calls) {
      const r = p.results[c.id];
      if (r !== undefined) results.set(c.id, { role: 'tool', name: c.name, toolCallId: c.id, content: r.content });
    }
    this.pending = { calls: p.calls, results };
  }

  /** The opening events: `metadata`, then the state so far. */
  opening(attempt = 1): SseEvent[] {
    const out: SseEvent[] = [{ event: 'metadata', data: { run_id: this.ctx.runId, thread_id: this.ctx.threadId, attempt } }];
    if (this.modes.has('values')) out.push({ event: 'values', data: this.values() });
    return out;
  }

  private meta(node: string, agent: string): Record<string, unknown> {
    return {
      run_id: this.ctx.runId,
      thread_id: this.ctx.threadId,
      assistant_id: this.ctx.assistantId,
      graph_id: this.ctx.assistantId,
      agent,
      langgraph_step: this.step,
      langgraph_node: node,
      langgraph_triggers: [],
      langgraph_path: ['__pregel_pull', node],
      langgraph_checkpoint_ns: '',
      checkpoint_ns: '',
      tags: [],
    };
  }

  private aiChunk(id: string, content: string, calls: readonly ToolCall[] = []): LgMessage {
    return {
      type: 'AIMessageChunk',
      id,
      content,
      name: null,
      tool_calls: calls.map(lgToolCall),
      tool_call_chunks: calls.map((c, index) => ({
        name: c.name,
        args: JSON.stringify(c.arguments),
        id: c.id,
        index,
        type: 'tool_call_chunk',
      })),
      invalid_tool_calls: [],
      additional_kwargs: {},
      response_metadata: {},
    };
  }

  /** Appends messages as one step and emits the step's state. */
  private stepDone(node: string, added: ChatMessage[], out: SseEvent[], id: string): void {
    const first = this.messages.length;
    this.messages.push(...added);
    const dicts = added.map((m, i) => toLgMessage(m, messageId(this.ctx.threadId, first + i)));
    if (this.modes.has('updates')) out.push({ event: 'updates', data: { [node]: { messages: dicts } }, id });
    if (this.modes.has('messages') && dicts.length > 0) out.push({ event: 'messages/complete', data: dicts, id });
    if (this.modes.has('values')) out.push({ event: 'values', data: this.values(), id });
    this.step++;
  }

  /** Applies one event (in seq order) and returns the stream events it makes. */
  apply(e: RunEvent): SseEvent[] {
    const out: SseEvent[] = [];
    const id = String(e.seq);
    this.lastSeq = e.seq;
    if (e.event !== 'token' && this.modes.has('custom'))
      out.push({ event: 'custom', data: { event: e.event, seq: e.seq, agent: e.agent, data: e.data }, id });
    switch (e.event) {
      case 'token': {
        const text = String((e.data as { text?: unknown } | undefined)?.text ?? '');
        const first = this.partial === undefined;
        this.partial ??= { id: messageId(this.ctx.threadId, this.messages.length), text: '' };
        this.partial.text += text;
        if (this.modes.has('messages-tuple'))
          out.push({ event: 'messages', data: [this.aiChunk(this.partial.id, text), this.meta('agent', e.agent)], id });
        if (this.modes.has('messages')) {
          if (first) out.push({ event: 'messages/metadata', data: { [this.partial.id]: { metadata: this.meta('agent', e.agent) } }, id });
          out.push({ event: 'messages/partial', data: [{ ...this.aiChunk(this.partial.id, this.partial.text), type: 'ai' }], id });
        }
        break;
      }
      case 'message': {
        const d = (e.data ?? {}) as MessageData;
        const calls = Array.isArray(d.tool_calls) ? d.tool_calls : [];
        const content = typeof d.content === 'string' ? d.content : '';
        const msgId = messageId(this.ctx.threadId, this.messages.length);
        const streamed = this.partial !== undefined;
        this.partial = undefined;
        if (this.modes.has('messages-tuple') && (!streamed || calls.length > 0))
          out.push({ event: 'messages', data: [this.aiChunk(msgId, streamed ? '' : content, calls), this.meta('agent', e.agent)], id });
        this.stepDone(
          'agent',
          [
            calls.length > 0
              ? { role: 'assistant', content, toolCalls: calls }
              : { role: 'assistant', content, ...(Array.isArray(d.parts) && d.parts.length > 0 ? { parts: d.parts } : {}) },
          ],
          out,
          id,
        );
        this.pending = calls.length > 0 ? { calls, results: new Map() } : undefined;
        break;
      }
      case 'tool_result': {
        const d = (e.data ?? {}) as { id?: unknown; name?: unknown; content?: unknown; is_error?: unknown };
        const p = this.pending;
        if (p === undefined || typeof d.id !== 'string' || !p.calls.some((c) => c.id === d.id)) break;
        const call = p.calls.find((c) => c.id === d.id) as ToolCall;
        p.results.set(d.id, { role: 'tool', name: call.name, toolCallId: call.id, content: String(d.content ?? '') });
        if (p.results.size < p.calls.length) break;
        this.pending = undefined;
        const added = p.calls.map((c) => p.results.get(c.id) as ChatMessage);
        if (this.modes.has('messages-tuple')) {
          const first = this.messages.length;
          added.forEach((m, i) =>
            out.push({
              event: 'messages',
              data: [toLgMessage(m, messageId(this.ctx.threadId, first + i)), this.meta('tools', e.agent)],
              id,
            }),
          );
        }
        this.stepDone('tools', added, out, id);
        break;
      }
      case 'handoff': {
        const to = String((e.data as { to?: unknown } | undefined)?.to ?? '');
        const call = this.pending?.calls.find((c) => c.name === `transfer_to_${to}`);
        this.pending = undefined;
        if (call !== undefined)
          this.stepDone('tools', [{ role: 'tool', name: call.name, toolCallId: call.id, content: `transferred to ${to}` }], out, id);
        break;
      }
      case 'rewind':
        // A resumed run's reply differs from the partial one streamed before: its text starts over.
        this.partial = undefined;
        break;
      case 'interrupt': {
        const it = lgInterrupt(interruptId(e.data, `${this.ctx.runId}:${e.seq}`), e.data);
        this.interrupts = [...this.interrupts.filter((i) => i.id !== it.id), it];
        if (this.modes.has('updates')) out.push({ event: 'updates', data: { __interrupt__: [it] }, id });
        if (this.modes.has('values')) out.push({ event: 'values', data: { __interrupt__: [it] }, id });
        break;
      }
      case 'status': {
        const d = (e.data ?? {}) as { status?: unknown; error?: unknown };
        const s = typeof d.status === 'string' ? (d.status as ViewStatus) : undefined;
        if (s === undefined) break;
        this.status = s;
        if (s === 'running') this.interrupts = [];
        if (s === 'error' || s === 'timeout') {
          this.error = typeof d.error === 'string' ? d.error : `run ${s}`;
          out.push({ event: 'error', data: { error: s === 'timeout' ? 'TimeoutError' : 'AgentError', message: this.error }, id });
        }
        break;
      }
      default:
        break;
    }
    // Each frame gets its own id: the event's seq, then `seq.1`, `seq.2`… for more frames of it.
    return out.map((f, i) => (i === 0 ? f : { ...f, id: `${e.seq}.${i}` }));
  }
}

/**
 * A `Last-Event-ID` as the frame it names: `{seq, index}` for `12` or `12.3`; `-1` (LangGraph's
 * "from the start") and anything unreadable are the start.
 */
export function parseEventId(id: string | undefined): { seq: number; index: number } {
  const m = /^(\d{1,15})(?:\.(\d{1,4}))?$/.exec((id ?? '').trim());
  return m === null ? { seq: 0, index: -1 } : { seq: Number(m[1]), index: m[2] === undefined ? 0 : Number(m[2]) };
}
