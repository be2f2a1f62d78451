/**
 * One run of an agent: model call → tool calls (in parallel) → model call … until a final
 * answer, max turns or the token budget. Every step is a run event; delegations are runs of
 * other agents; a handoff passes the conversation (and the event sequence) to another agent;
 * a call that needs approval interrupts the run until it is resumed. The run's state is
 * checkpointed after every model reply and every tool result, so a run picked up again after
 * its host died continues from there (ADR 0007) instead of starting over.
 */
import {
  ForbiddenError,
  ValidationError,
  isTroupeError,
  scrubSecrets,
  scrubbedMessage,
  type ReviewWait,
  type RunEventKind,
  type RunStatus,
} from '../../protocols/index.js';
import type { BlobRef, MediaPart, ModelParams, OutputFormat, RunOutputs } from '../../protocols/index.js';
import { requestParams } from '../llm/params.js';
import type { CacheHit, ChatMessage, ModelProvider, ToolCall, ToolSpec, Usage } from '../llm/types.js';
import type { ContentPart } from '../../protocols/index.js';
import { NOOP_SPAN, startSpan, topicMatches, type TraceSpan } from '../../runtime/index.js';
import type { ToolCallResult } from '../tool/types.js';
import { resultText, toolResultMedia } from '../tool/media.js';
import type { AgentDefinition, ReplyGuard, RunGuard, RunRoute } from './definition.js';
import type { PendingCalls } from './store.js';
import { checkJson, deliveredOutputs, formatInstructions, jsonFormatName, jsonFormatOf, jsonRetried, jsonRetryMessage } from './formats.js';
import { Speaker } from './speaker.js';

/** The answer to an interrupt. */
export type ResumeValue = { approve: true; arguments?: Record<string, unknown> } | { approve: false; reason?: string };

/** Where a run is: enough to continue it. */
export interface RunState {
  messages: ChatMessage[];
  turns: number;
  usage: Usage;
  pending?: PendingCalls;
  /** A guardrail review the run waits for (kept in the checkpoint, so a restored run waits for the same answer). */
  review?: ReviewWait;
  /** The system prompt rendered when the run started (absent: the agent's `instructions`). */
  system?: string;
  /** The run's model parameters (absent: the agent's). */
  params?: ModelParams;
  /** The formats the answer is delivered in (`config.output_format`; absent: text as the model writes it). */
  formats?: OutputFormat[];
}

/** What a run needs from the actor that hosts it. */
export interface RunHost {
  /** Logs and publishes an event; returns its seq. */
  emit(kind: RunEventKind, data: unknown): number | void;
  /** The host's clock (epoch ms): when a model call began, for run timelines. */
  now?(): number;
  /** The run's guardrails (absent: nothing is guarded). */
  readonly guard?: RunGuard;
  /** Persists the state (and, at a step's end, a thread checkpoint); resolves once written. */
  checkpoint(state: RunState, stepEnd: boolean): Promise<void>;
  /** `trace`: the traceparent of the call's span, carried on the message to the tool. */
  callTool(name: string, args: Record<string, unknown>, callId: string, trace?: string): Promise<ToolCallResult>;
  toolSpecs(names: readonly string[]): Promise<ToolSpec[]>;
  /** Runs `agent` on `question` at `depth` as run `childId` (or joins it) and returns its final answer. */
  delegate(agent: string, question: string, depth: number, childId: string, trace?: string): Promise<string>;
  /** Publishes an ACP message on `topic` (already checked against the agent's patterns). */
  publish(topic: string, content: string, depth: number, trace?: string): Promise<void>;
  /** Passes the conversation to `agent`, which continues this run. */
  handoff(agent: string, state: RunState, trace?: string): Promise<void>;
  /** Waits for a human's answer to the interrupt of call `callId`. */
  waitForResume(callId: string, interrupt: unknown): Promise<ResumeValue>;
  /**
   * The text clients already saw of the model reply a resumed run is about to ask for again (the `token` events
   * logged since the last step, or since a `rewind`) and the seq of its first token; undefined when none.
   */
  streamed?(): Promise<{ readonly text: string; readonly fromSeq: number } | undefined>;
  /** Business rules' word on a new run before its first model call (absent: no rules). */
  route?(messages: readonly ChatMessage[]): Promise<RunRoute>;
  /** Hook before each model call (memory window, recall); returns the messages the model sees. */
  beforeModel?(messages: readonly ChatMessage[]): Promise<readonly ChatMessage[]>;
  /** Stores bytes as a blob of the run's tenant (spoken answers); absent: no audio output. */
  putBlob?(bytes: Uint8Array, mime: string): Promise<BlobRef>;
}

/** How a run ended on this agent. */
export interface RunEnd {
  readonly status: RunStatus | 'handed_off';
  readonly output?: string;
  /** The answer in each output format asked. */
  readonly outputs?: RunOutputs;
  readonly error?: string;
  /** The type of the failure, when it has one (`output_invalid`, `audio_unavailable`). */
  readonly code?: string;
  readonly usage: Usage;
  readonly messages: readonly ChatMessage[];
}

/** What a run timeline shows of one model call (on its `message` event, protocols/run-events.ts). */
interface ModelCall {
  readonly model: string;
  readonly started_at: number | undefined;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

const ASK = 'ask_';
const TRANSFER = 'transfer_to_';
const PUBLISH = 'publish';

/**
 * Passes the tokens of a model reply asked for again after a resume to the run's events without repeating what
 * clients already saw (`seen`): while the new reply reproduces it, nothing is emitted; past it, only the new text
 * is. When the new reply differs (or ends short of it), one `rewind` tells clients to drop the text from its
 * first seq, and the new reply is emitted from its start.
 */
class HeldBack {
  private matched = 0;
  private done = false;

  constructor(
    private readonly seen: { readonly text: string; readonly fromSeq: number },
    private readonly emit: (kind: 'token' | 'rewind', data: unknown) => void,
  ) {}

  token(text: string): void {
    if (this.done) return this.emit('token', { text });
    const rest = this.seen.text.slice(this.matched);
    if (rest.startsWith(text)) {
      this.matched += text.length;
      this.done = this.matched === this.seen.text.length;
      return;
    }
    this.done = true;
    if (text.startsWith(rest)) return this.emit('token', { text: text.slice(rest.length) });
    this.emit('rewind', { from_seq: this.seen.fromSeq });
    this.emit('token', { text: this.seen.text.slice(0, this.matched) + text });
  }

  /** The reply ended: one that stopped short of what clients saw is rewound too. */
  end(): void {
    if (this.done) return;
    this.done = true;
    this.emit('rewind', { from_seq: this.seen.fromSeq });
    if (this.matched > 0) this.emit('token', { text: this.seen.text.slice(0, this.matched) });
  }
}

/** Drives one run on one agent. */
export class AgentRun {
  /** Approvals are asked one at a time, so each interrupt gets its own answer. */
  private approvals: Promise<unknown> = Promise.resolve();
  /** Speaks the streamed answer when an audio format is asked (made in execute). */
  private speaker: Speaker | undefined;

  constructor(
    private readonly def: AgentDefinition,
    private readonly provider: ModelProvider,
    private readonly host: RunHost,
    private readonly state: RunState,
    private readonly depth: number,
    private readonly signal: AbortSignal,
    private readonly runId: string,
    /** The run's `invoke_agent` span: parent of its tool calls' spans (the no-op span while tracing is off). */
    private readonly span: TraceSpan = NOOP_SPAN,
    /** The run's thread (`gen_ai.conversation.id` of its spans). */
    private readonly conversation?: string,
  ) {}

  private async specs(): Promise<ToolSpec[]> {
    // The model only sees tool specs: the target agent's description is what lets it choose.
    const about = (a: string): string => {
      const d = this.def.peers?.[a]?.trim();
      return d === undefined || d === '' ? '.' : `: ${d}`;
    };
    const own = await this.host.toolSpecs(this.def.tools ?? []);
    const asks = (this.def.delegates ?? []).map((a) => ({
      name: `${ASK}${a}`,
      description: `Ask agent ${a} a question and get its answer${about(a)}`,
      parameters: { type: 'object', properties: { question: { type: 'string' } }, required: ['question'] },
    }));
    const transfers = (this.def.handoffs ?? []).map((a) => ({
      name: `${TRANSFER}${a}`,
      description: `Hand the conversation to agent ${a}${about(a)}`,
      parameters: { type: 'object', properties: {} },
    }));
    const publish =
      (this.def.publish ?? []).length === 0
        ? []
        : [
            {
              name: PUBLISH,
              description: `Publish a message for other agents on a topic (allowed: ${(this.def.publish ?? []).join(', ')}).`,
              parameters: {
                type: 'object',
                properties: { topic: { type: 'string' }, content: { type: 'string' } },
                required: ['topic', 'content'],
              },
            },
          ];
    return [...own, ...asks, ...transfers, ...publish];
  }

  private end(status: RunEnd['status'], extra: { output?: string; outputs?: RunOutputs; error?: string; code?: string } = {}): RunEnd {
    return { status, ...extra, usage: this.state.usage, messages: this.state.messages };
  }

  /** Runs to an end, starting from wherever the state says the run is. */
  async execute(): Promise<RunEnd> {
    const st = this.state;
    const guard = this.host.guard;
    const maxTurns = this.def.maxTurns ?? 8;
    const tools = await this.specs();
    const audio = st.formats?.find((f) => f.type === 'audio');
    if (audio !== undefined && this.def.speech !== undefined && this.host.putBlob !== undefined) {
      const put = this.host.putBlob.bind(this.host);
      this.speaker = new Speaker(this.def.speech, audio.voice, put, (data) => void this.host.emit('audio', data), this.signal);
    }
    const json = jsonFormatOf(st.formats);
    const instructions = formatInstructions(st.formats);
    // What every model call of this run asks the same way, made once: its system message, output format and parameters.
    const system: ChatMessage = {
      role: 'system',
      content: [st.system ?? this.def.instructions, instructions].filter((t) => t !== undefined).join('\n\n'),
    };
    const fixed = {
      ...(json === undefined ? {} : { responseFormat: { name: jsonFormatName(json), schema: json.schema } }),
      ...requestParams({
        ...(this.def.temperature === undefined ? {} : { temperature: this.def.temperature }),
        ...(st.params ?? this.def.params),
      }),
    };
    // What clients saw of a reply the host died in the middle of: the first model call holds it back.
    let streamed = st.pending === undefined && st.review === undefined ? await this.host.streamed?.() : undefined;
    if (st.review?.stage === 'input' || (guard !== undefined && st.turns === 0 && st.pending === undefined && st.review === undefined)) {
      const refused = await this.guardInput(guard);
      if (refused !== undefined) return refused;
    }
    if (st.turns === 0 && st.pending === undefined && st.review === undefined && this.host.route !== undefined) {
      const routed = await this.routed(await this.host.route(st.messages));
      if (routed !== undefined) return routed;
    }
    if (st.review?.stage === 'output') {
      // Restored while a reviewer holds the end of a reply: the reply is not asked for again, the answer decides it.
      const reply = await this.awaitReplyReview(st.review, (text) => void this.host.emit('token', { text }));
      if (!('content' in reply)) return reply;
      const ended = await this.settle(reply);
      if (ended !== undefined) return ended;
    }
    if (st.pending !== undefined) await this.finishCalls(st.pending);
    for (;;) {
      if (this.signal.aborted) return this.end('cancelled');
      if (st.turns >= maxTurns) return this.end('error', { error: `max turns exceeded: ${maxTurns} model calls without a final answer` });
      const spent = st.usage.promptTokens + st.usage.completionTokens;
      if (this.def.tokenBudget !== undefined && spent >= this.def.tokenBudget)
        return this.end('error', { error: `token budget exceeded: ${spent} of ${this.def.tokenBudget}` });
      st.turns++;
      const window = this.host.beforeModel === undefined ? st.messages : await this.host.beforeModel(st.messages);
      const seen = guard === undefined ? window : await guard.model(window);
      let reply: ChatMessage | undefined;
      let cached: CacheHit | undefined;
      // The seq of the first token clients may have seen of this reply (a guard that stops it rewinds from there).
      let from = streamed === undefined || streamed.text === '' ? undefined : streamed.fromSeq;
      const out = (kind: 'token' | 'rewind', data: unknown): void => {
        const seq = this.host.emit(kind, data);
        if (kind === 'token' && from === undefined && typeof seq === 'number') from = seq;
      };
      const held = streamed === undefined || streamed.text === '' ? undefined : new HeldBack(streamed, out);
      streamed = undefined;
      const release = (text: string): void => {
        if (text === '') return;
        if (held === undefined) out('token', { text });
        else held.token(text);
        this.speaker?.push(text);
      };
      const rg = guard?.reply();
      const call: ModelCall = { model: this.def.model, started_at: this.host.now?.() };
      try {
        for await (const ev of this.provider.stream({
          model: this.def.model,
          messages: [system, ...seen],
          tools,
          ...fixed,
          signal: this.signal,
        })) {
          if (ev.type === 'token') release(rg === undefined ? ev.text : await rg.push(ev.text));
          else if (ev.type === 'done') {
            reply = ev.message;
            cached = ev.cached;
            call.usage = { prompt_tokens: ev.usage.promptTokens, completion_tokens: ev.usage.completionTokens };
            st.usage = {
              promptTokens: st.usage.promptTokens + ev.usage.promptTokens,
              completionTokens: st.usage.completionTokens + ev.usage.completionTokens,
            };
          }
        }
        if (reply !== undefined && rg !== undefined) {
          const reviewed = await this.guardReply(rg, reply, release, from);
          if (!('content' in reviewed)) return reviewed;
          reply = reviewed;
        }
      } catch (e) {
        // The guard stopped the reply: what clients saw of it is taken back, and the run ends without repeating it.
        if (rg === undefined || !isTroupeError(e, 'forbidden')) throw e;
        if (from !== undefined) this.host.emit('rewind', { from_seq: from });
        return this.end('error', { error: (e as Error).message });
      }
      if (reply === undefined) return this.end('error', { error: `${this.provider.name} ended without a reply` });
      held?.end();
      const ended = await this.settle(reply, cached, call);
      if (ended !== undefined) return ended;
    }
  }

  /**
   * A final answer in the run's formats: the parts and outputs to deliver; or, when its JSON does not match the
   * schema, the message asking the model again (once), then a typed `output_invalid` end; a spoken answer that could
   * not be made is a typed `audio_unavailable` end.
   */
  private async shape(
    reply: ChatMessage,
  ): Promise<
    { parts: ContentPart[]; outputs: RunOutputs } | { retry: string } | { code: 'output_invalid' | 'audio_unavailable'; error: string }
  > {
    const formats = this.state.formats ?? [];
    const json = jsonFormatOf(formats);
    let value: { value: unknown } | undefined;
    if (json !== undefined) {
      const checked = checkJson(reply.content, json.schema);
      if (!checked.ok && !jsonRetried(this.state.messages)) return { retry: jsonRetryMessage(checked.problem) };
      if (!checked.ok)
        return {
          code: 'output_invalid',
          error: `output_invalid: the answer does not match the json output format's schema after one retry: ${checked.problem}`,
        };
      value = { value: checked.value };
    }
    let audio: Awaited<ReturnType<Speaker['finish']>>;
    if (formats.some((f) => f.type === 'audio')) {
      try {
        if (this.speaker === undefined) throw new Error('no text-to-speech engine is configured on this node (media.speech.tts)');
        audio = await this.speaker.finish();
        if (audio === undefined) throw new Error('the answer has no words to speak');
      } catch (e) {
        return { code: 'audio_unavailable', error: `audio_unavailable: the answer could not be spoken: ${scrubbedMessage(e)}` };
      }
    }
    return deliveredOutputs(formats, reply.content, value, audio);
  }

  /** A rule's reply (said without the model) and handoff; undefined when the run goes on as usual. */
  private async routed(route: RunRoute): Promise<RunEnd | undefined> {
    if (route === undefined || (route.reply === undefined && route.handoff === undefined)) return undefined;
    const st = this.state;
    if (route.reply !== undefined) {
      this.host.emit('token', { text: route.reply });
      st.messages.push({ role: 'assistant', content: route.reply });
      this.host.emit('message', { role: 'assistant', content: route.reply, tool_calls: [] });
    }
    if (route.handoff === undefined) return this.end('success', { output: route.reply });
    this.host.emit('handoff', { from: this.def.name, to: route.handoff });
    await this.host.handoff(route.handoff, st, this.span.traceparent);
    return this.end('handed_off');
  }

  /**
   * A model reply taken into the conversation (`cached`: it came from the response cache): the run's end when it is a
   * final answer or a handoff, else its tool calls made.
   */
  private async settle(reply: ChatMessage, cached?: CacheHit, call?: ModelCall): Promise<RunEnd | undefined> {
    const st = this.state;
    const guard = this.host.guard;
    const calls = reply.toolCalls ?? [];
    // A final answer in the formats asked: its JSON checked (asked again once), its speech finished, its parts made.
    const shaped = calls.length === 0 && st.formats !== undefined && st.formats.length > 0 ? await this.shape(reply) : undefined;
    if (shaped !== undefined && 'parts' in shaped) reply = { ...reply, parts: shaped.parts };
    st.messages.push(reply);
    const shown = guard === undefined ? reply.toolCalls : await this.shownCalls(guard, reply.toolCalls);
    // Its optional fields set one by one (no object spread each), in the order they always had.
    const data: Record<string, unknown> = { role: 'assistant', content: reply.content, tool_calls: shown ?? [] };
    if (cached !== undefined) data['cache'] = cached;
    if (call !== undefined) {
      data['model'] = call.model;
      if (call.usage !== undefined) data['usage'] = call.usage;
      if (call.started_at !== undefined) data['started_at'] = call.started_at;
    }
    if (reply.parts !== undefined) data['parts'] = reply.parts;
    this.host.emit('message', data);
    if (shaped !== undefined && 'retry' in shaped) {
      st.messages.push({ role: 'user', content: shaped.retry });
      await this.host.checkpoint(st, true);
      return undefined;
    }
    if (shaped !== undefined && 'code' in shaped) return this.end('error', { error: shaped.error, code: shaped.code });
    if (calls.length === 0)
      return this.end('success', {
        output: reply.content,
        ...(shaped !== undefined && 'outputs' in shaped ? { outputs: shaped.outputs } : {}),
      });
    const transfer = calls.find((c) => c.name.startsWith(TRANSFER));
    if (transfer !== undefined) {
      const to = transfer.name.slice(TRANSFER.length);
      st.messages.push({ role: 'tool', name: transfer.name, toolCallId: transfer.id, content: `transferred to ${to}` });
      this.host.emit('handoff', { from: this.def.name, to });
      await this.host.handoff(to, st, this.span.traceparent);
      return this.end('handed_off');
    }
    // Results keyed by call id: ids are new with every reply, and a plain object would take a new shape for each (slow).
    st.pending = { calls, results: Object.create(null) as PendingCalls['results'] };
    await this.host.checkpoint(st, false);
    await this.finishCalls(st.pending);
    return undefined;
  }

  /**
   * The guard's word on the run's input; an end when it refuses (or a reviewer rejects it). A review is saved in the
   * checkpoint before the run waits, so a run restored while it waits (no guard check made again) waits for the same answer.
   */
  private async guardInput(guard: RunGuard | undefined): Promise<RunEnd | undefined> {
    const st = this.state;
    if (st.review === undefined) {
      if (guard === undefined) return undefined;
      const step = await guard.input(st.messages);
      if ('refuse' in step) return this.end('error', { error: step.refuse });
      st.messages.splice(0, st.messages.length, ...step.go);
      if (step.review === undefined) return undefined;
      st.review = { id: 'guardrail:input', stage: 'input', types: step.review.types };
      await this.host.checkpoint(st, false);
    }
    const review = st.review;
    const answer = await this.host.waitForResume(review.id, { kind: 'review', stage: 'input', types: review.types });
    delete st.review;
    if (!answer.approve) return this.end('error', { error: 'the input was rejected by a reviewer' });
    await this.host.checkpoint(st, false);
    return undefined;
  }

  /**
   * The end of a guarded reply: its rest released (after a reviewer's approval when the guard holds it); the reply as
   * released, or the run's end when a reviewer rejects it. `from` is the seq of the reply's first released token.
   */
  private async guardReply(
    rg: ReplyGuard,
    reply: ChatMessage,
    release: (text: string) => void,
    from: number | undefined,
  ): Promise<ChatMessage | RunEnd> {
    const end = await rg.end();
    release(end.text);
    if (end.review === undefined) return { ...reply, content: rg.text };
    const st = this.state;
    st.review = {
      id: `guardrail:output:${st.turns}`,
      stage: 'output',
      types: end.review.types,
      reply: { ...reply, content: rg.text },
      held: end.review.held,
      ...(from === undefined ? {} : { from_seq: from }),
    };
    await this.host.checkpoint(st, false);
    return this.awaitReplyReview(st.review, release);
  }

  /** Waits for a reviewer's answer on the held end of a reply: approved, the held text is released and the reply is whole. */
  private async awaitReplyReview(review: ReviewWait, release: (text: string) => void): Promise<ChatMessage | RunEnd> {
    const answer = await this.host.waitForResume(review.id, { kind: 'review', stage: 'output', types: review.types });
    delete this.state.review;
    if (!answer.approve) {
      // What clients saw of the reply is taken back; the run ends without it.
      if (review.from_seq !== undefined) this.host.emit('rewind', { from_seq: review.from_seq });
      return this.end('error', { error: 'the reply was rejected by a reviewer' });
    }
    const held = review.held ?? '';
    release(held);
    const reply = review.reply ?? { role: 'assistant' as const, content: '' };
    return { ...reply, content: reply.content + held };
  }

  /** Tool calls as the run's events show them: arguments as the guard leaves them (a refused call's hidden). */
  private async shownCalls(guard: RunGuard, calls: readonly ToolCall[] | undefined): Promise<ToolCall[] | undefined> {
    if (calls === undefined) return undefined;
    return Promise.all(
      calls.map(async (c) => {
        const step = await guard.toolCall(c, { audit: false });
        return { ...c, arguments: 'go' in step ? step.go : {} };
      }),
    );
  }

  /** Answers every call of a model reply not answered yet (in parallel), then appends the results. */
  private async finishCalls(pending: PendingCalls): Promise<void> {
    const st = this.state;
    await Promise.all(
      pending.calls.map(async (c) => {
        if (pending.results[c.id] !== undefined) return;
        const result = await this.call(c, pending);
        if (this.signal.aborted) return;
        pending.results[c.id] = result;
        // While other calls are still out, save this result; the last one is saved with the step.
        if (pending.calls.some((o) => pending.results[o.id] === undefined)) await this.host.checkpoint(st, false);
      }),
    );
    if (this.signal.aborted) return;
    for (const c of pending.calls) {
      const r = pending.results[c.id] as { content: string; parts?: ContentPart[] };
      st.messages.push({
        role: 'tool',
        name: c.name,
        toolCallId: c.id,
        content: r.content,
        ...(r.parts === undefined ? {} : { parts: r.parts }),
      });
    }
    st.pending = undefined; // cleared, not deleted: a deleted key turns the run's state into a slow dictionary object
    await this.host.checkpoint(st, true);
  }

  /** Waits for a human's answer to call `c`, one approval at a time. */
  private approve(c: ToolCall, pending: PendingCalls, review?: readonly string[]): Promise<ResumeValue> {
    const asked = this.approvals.then(async () => {
      pending.awaiting = c.id;
      await this.host.checkpoint(this.state, false);
      const answer = await this.host.waitForResume(c.id, {
        kind: 'approval',
        tool_call: { id: c.id, name: c.name, arguments: c.arguments },
        ...(review === undefined ? {} : { review: { types: review } }),
      });
      delete pending.awaiting;
      return answer;
    });
    this.approvals = asked.catch(() => undefined);
    return asked;
  }

  /** The `execute_tool {tool}` span of call `c` (a delegation `ask_<agent>` too), child of the run's span. */
  private toolSpan(c: ToolCall): TraceSpan {
    if (!this.span.recording) return NOOP_SPAN;
    return startSpan(`execute_tool ${c.name}`, {
      parent: this.span.traceparent,
      kind: 'internal',
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': c.name,
        'gen_ai.tool.call.id': c.id,
        'gen_ai.tool.type': c.name.startsWith(ASK) ? 'agent' : 'function',
        'gen_ai.agent.name': this.def.name,
        'gen_ai.conversation.id': this.conversation,
        'troupe.run.id': this.runId,
      },
    });
  }

  /** One tool call (or delegation), with approval when required; failures become text the model sees. */
  private async call(c: ToolCall, pending: PendingCalls): Promise<{ content: string; isError: boolean; parts?: ContentPart[] }> {
    let args = c.arguments;
    const guard = this.host.guard;
    let review: readonly string[] | undefined;
    if (guard !== undefined) {
      const step = await guard.toolCall(c);
      if ('refuse' in step) {
        this.host.emit('tool_result', { id: c.id, name: c.name, is_error: true, content: step.refuse });
        return { content: step.refuse, isError: true };
      }
      args = step.go;
      review = step.review?.types;
    }
    if ((this.def.approvals ?? []).includes(c.name) || review !== undefined) {
      const answer = await this.approve({ ...c, arguments: args }, pending, review);
      if (!answer.approve) {
        const out = `rejected by a human${answer.reason === undefined ? '' : `: ${answer.reason}`}`;
        this.host.emit('tool_result', { id: c.id, name: c.name, is_error: true, content: out });
        return { content: out, isError: true };
      }
      if (answer.arguments !== undefined) args = answer.arguments;
    }
    if (pending.announced?.includes(c.id) !== true) this.host.emit('tool_call', { id: c.id, name: c.name, arguments: args });
    const span = this.toolSpan(c);
    span.capture('gen_ai.tool.call.arguments', () => args);
    const trace = span.traceparent;
    let out: string;
    let media: MediaPart[] = [];
    let isError = false;
    let failure: unknown;
    try {
      if (c.name === PUBLISH && (this.def.publish ?? []).length > 0) {
        const topic = String(args['topic'] ?? '');
        if (!(this.def.publish ?? []).some((p) => topicMatches(p, topic)))
          throw new ForbiddenError(
            `topic ${JSON.stringify(topic)} is not one this agent may publish to (${(this.def.publish ?? []).join(', ')})`,
          );
        const depth = this.depth + 1;
        if (depth > (this.def.maxDepth ?? 3))
          throw new ValidationError(
            `delegation depth limit ${this.def.maxDepth ?? 3} reached (agents publishing to each other in a loop?)`,
          );
        await this.host.publish(topic, String(args['content'] ?? ''), depth, trace);
        out = `published on ${topic}`;
      } else if (c.name.startsWith(ASK)) {
        const depth = this.depth + 1;
        if (depth > (this.def.maxDepth ?? 3))
          throw new ValidationError(`delegation depth limit ${this.def.maxDepth ?? 3} reached (cycle or runaway fan-out?)`);
        out = await this.host.delegate(c.name.slice(ASK.length), String(args['question'] ?? ''), depth, `${this.runId}:${c.id}`, trace);
      } else {
        const result = await this.host.callTool(c.name, args, c.id, trace);
        out = resultText(result); // media as a line naming its blob: the run log never holds the bytes
        media = toolResultMedia(result);
        isError = result.isError === true;
      }
    } catch (e) {
      out = `error: ${scrubbedMessage(e)}`;
      isError = true;
      failure = e;
    }
    // A failing tool may quote a secret: the model, the run log and every client see it scrubbed.
    if (isError) out = scrubSecrets(out);
    if (isError) span.fail(failure ?? 'the tool returned an error', failure === undefined ? 'tool_error' : undefined);
    span.capture('gen_ai.tool.call.result', () => out);
    span.end();
    let quarantined: readonly string[] | undefined;
    if (guard !== undefined) ({ content: out, quarantined } = await guard.toolResult({ ...c, arguments: args }, out));
    const flagged = quarantined === undefined ? {} : { guardrail: { quarantined } };
    this.host.emit('tool_result', { id: c.id, name: c.name, is_error: isError, content: out, ...flagged });
    // Images a tool returned reach the model beside the (guarded) text, as blob references.
    return { content: out, isError, ...(media.length === 0 ? {} : { parts: [{ type: 'text', text: out }, ...media] }) };
  }
}
