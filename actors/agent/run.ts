/**
 * One run of an agent: model call → tool calls (in parallel) → model call … until a final
 * answer, max turns or the token budget. Every step is a run event; delegations are runs of
 * other agents; a handoff passes the conversation (and the event sequence) to another agent;
 * a call that needs approval interrupts the run until it is resumed.
 */
import type { RunEventKind, RunStatus } from '../../protocols/index.js';
import type { ChatMessage, ModelProvider, ToolCall, ToolSpec, Usage } from '../llm/types.js';
import type { ToolCallResult } from '../tool/types.js';
import type { AgentDefinition } from './definition.js';

/** The answer to an interrupt. */
export type ResumeValue = { approve: true; arguments?: Record<string, unknown> } | { approve: false; reason?: string };

/** What a run needs from the actor that hosts it. */
export interface RunHost {
  emit(kind: RunEventKind, data: unknown): void;
  callTool(name: string, args: Record<string, unknown>, callId: string): Promise<ToolCallResult>;
  toolSpecs(names: readonly string[]): Promise<ToolSpec[]>;
  /** Runs `agent` on `question` at `depth` and returns its final answer. */
  delegate(agent: string, question: string, depth: number): Promise<string>;
  /** Passes the conversation to `agent`, which continues this run. */
  handoff(agent: string, messages: readonly ChatMessage[], usage: Usage): Promise<void>;
  /** Waits for a human's answer to an interrupt. */
  waitForResume(interrupt: unknown): Promise<ResumeValue>;
}

/** How a run ended on this agent. */
export interface RunEnd {
  readonly status: RunStatus | 'handed_off';
  readonly output?: string;
  readonly error?: string;
  readonly usage: Usage;
  readonly messages: readonly ChatMessage[];
}

const ASK = 'ask_';
const TRANSFER = 'transfer_to_';

function text(result: ToolCallResult): string {
  return result.content.map((c) => (c.type === 'text' && typeof c.text === 'string' ? c.text : JSON.stringify(c))).join('\n');
}

/** Drives one run on one agent. */
export class AgentRun {
  private usage: Usage;
  private turns = 0;

  constructor(
    private readonly def: AgentDefinition,
    private readonly provider: ModelProvider,
    private readonly host: RunHost,
    private readonly messages: ChatMessage[],
    private readonly depth: number,
    private readonly signal: AbortSignal,
    usage: Usage = { promptTokens: 0, completionTokens: 0 },
  ) {
    this.usage = usage;
  }

  private async specs(): Promise<ToolSpec[]> {
    const own = await this.host.toolSpecs(this.def.tools ?? []);
    const asks = (this.def.delegates ?? []).map((a) => ({
      name: `${ASK}${a}`,
      description: `Ask agent ${a} a question and get its answer.`,
      parameters: { type: 'object', properties: { question: { type: 'string' } }, required: ['question'] },
    }));
    const transfers = (this.def.handoffs ?? []).map((a) => ({ name: `${TRANSFER}${a}`, description: `Hand the conversation to agent ${a}.`, parameters: { type: 'object', properties: {} } }));
    return [...own, ...asks, ...transfers];
  }

  private end(status: RunEnd['status'], extra: { output?: string; error?: string } = {}): RunEnd {
    return { status, ...extra, usage: this.usage, messages: this.messages };
  }

  /** Runs to an end. */
  async execute(): Promise<RunEnd> {
    const maxTurns = this.def.maxTurns ?? 8;
    const tools = await this.specs();
    for (;;) {
      if (this.signal.aborted) return this.end('cancelled');
      if (this.turns >= maxTurns) return this.end('error', { error: `max turns exceeded: ${maxTurns} model calls without a final answer` });
      const spent = this.usage.promptTokens + this.usage.completionTokens;
      if (this.def.tokenBudget !== undefined && spent >= this.def.tokenBudget) return this.end('error', { error: `token budget exceeded: ${spent} of ${this.def.tokenBudget}` });
      this.turns++;
      let reply: ChatMessage | undefined;
      for await (const ev of this.provider.stream({
        model: this.def.model,
        messages: [{ role: 'system', content: this.def.instructions }, ...this.messages],
        tools,
        temperature: this.def.temperature,
        signal: this.signal,
      })) {
        if (ev.type === 'token') this.host.emit('token', { text: ev.text });
        else if (ev.type === 'done') {
          reply = ev.message;
          this.usage = { promptTokens: this.usage.promptTokens + ev.usage.promptTokens, completionTokens: this.usage.completionTokens + ev.usage.completionTokens };
        }
      }
      if (reply === undefined) return this.end('error', { error: `${this.provider.name} ended without a reply` });
      this.messages.push(reply);
      this.host.emit('message', { role: 'assistant', content: reply.content, tool_calls: reply.toolCalls ?? [] });
      const calls = reply.toolCalls ?? [];
      if (calls.length === 0) return this.end('success', { output: reply.content });
      const transfer = calls.find((c) => c.name.startsWith(TRANSFER));
      if (transfer !== undefined) {
        const to = transfer.name.slice(TRANSFER.length);
        this.messages.push({ role: 'tool', name: transfer.name, toolCallId: transfer.id, content: `transferred to ${to}` });
        this.host.emit('handoff', { from: this.def.name, to });
        await this.host.handoff(to, this.messages, this.usage);
        return this.end('handed_off');
      }
      const results = await Promise.all(calls.map((c) => this.call(c)));
      if (this.signal.aborted) return this.end('cancelled');
      for (const [i, c] of calls.entries()) this.messages.push({ role: 'tool', name: c.name, toolCallId: c.id, content: results[i] as string });
    }
  }

  /** One tool call (or delegation), with approval when required; failures become text the model sees. */
  private async call(c: ToolCall): Promise<string> {
    let args = c.arguments;
    if ((this.def.approvals ?? []).includes(c.name)) {
      const answer = await this.host.waitForResume({ kind: 'approval', tool_call: { id: c.id, name: c.name, arguments: c.arguments } });
      if (!answer.approve) {
        const out = `rejected by a human${answer.reason === undefined ? '' : `: ${answer.reason}`}`;
        this.host.emit('tool_result', { id: c.id, name: c.name, is_error: true, content: out });
        return out;
      }
      if (answer.arguments !== undefined) args = answer.arguments;
    }
    this.host.emit('tool_call', { id: c.id, name: c.name, arguments: args });
    let out: string;
    let isError = false;
    try {
      if (c.name.startsWith(ASK)) {
        const depth = this.depth + 1;
        if (depth > (this.def.maxDepth ?? 3)) throw new Error(`delegation depth limit ${this.def.maxDepth ?? 3} reached (cycle or runaway fan-out?)`);
        out = await this.host.delegate(c.name.slice(ASK.length), String(args['question'] ?? ''), depth);
      } else {
        const result = await this.host.callTool(c.name, args, c.id);
        out = text(result);
        isError = result.isError === true;
      }
    } catch (e) {
      out = `error: ${(e as Error).message}`;
      isError = true;
    }
    this.host.emit('tool_result', { id: c.id, name: c.name, is_error: isError, content: out });
    return out;
  }
}
