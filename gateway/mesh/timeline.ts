/**
 * A run as a timeline (docs/gateway-operations.md, “Run timelines”): spans built from what a run leaves in storage —
 * its record (start, end, status, usage), its event log (every event has its time and the node driving the run:
 * model replies with their model, tokens and start, tool calls and results, handoffs, interrupts, rewinds), the
 * guardrail audit records naming it, and the runs it delegated to (`ask_<agent>` calls; the child run's id is
 * `<run>:<call id>`), folded in under the call with their own agent and node.
 */
import { costOf, type ModelPrices } from '../../actors/index.js';
import type { GuardAuditRecord, RunEvent, RunRecord } from '../../protocols/index.js';

/** What a span stands for. */
export type SpanKind = 'run' | 'model' | 'tool' | 'delegation' | 'handoff' | 'interrupt' | 'guardrail';

/** One span of a timeline. */
export interface TimelineSpan {
  readonly id: string;
  readonly parent_id: string | null;
  readonly kind: SpanKind;
  readonly name: string;
  readonly run_id: string;
  readonly agent: string;
  /** The node driving the run at that point (null for events of versions that did not record it). */
  readonly node: string | null;
  readonly start: string | null;
  readonly end: string | null;
  readonly duration_ms: number | null;
  readonly tokens?: { readonly input: number; readonly output: number };
  /**
   * In the price table's currency (config `gateway.usage.prices`, as `/usage`); null when a model has no price. A run
   * span's is that of its own model calls (a delegated run's are on its own span).
   */
  readonly cost?: number | null;
  readonly status?: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** What the timeline is read from, for one run. */
export interface RunSource {
  readonly record: RunRecord;
  readonly events: readonly RunEvent[];
  readonly audit: readonly GuardAuditRecord[];
}

/** Reads a run's sources (undefined for a run that is not there); used for the runs a run delegated to. */
export type ReadRun = (runId: string) => Promise<RunSource | undefined>;

const ASK = 'ask_';
/** How deep delegations are folded in. */
const MAX_DEPTH = 5;

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const rec = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
const TERMINAL = new Set(['success', 'error', 'cancelled', 'timeout']);

function span(
  s: Omit<TimelineSpan, 'start' | 'end' | 'duration_ms'> & { start: number | undefined; end: number | undefined },
): TimelineSpan {
  const { start, end, ...rest } = s;
  return {
    ...rest,
    start: iso(start),
    end: iso(end),
    duration_ms: start === undefined || end === undefined ? null : Math.max(0, end - start),
  };
}

/** Builds the spans of one run (and, through `read`, of the runs it delegated to). */
export class TimelineBuilder {
  readonly spans: TimelineSpan[] = [];
  private next = 0;

  constructor(
    private readonly prices: ModelPrices,
    private readonly read: ReadRun,
  ) {}

  private id(): string {
    return `s${++this.next}`;
  }

  /** Adds the spans of `src` under `parent`; returns the run span's id. */
  async add(src: RunSource, parent: string | null, depth = 0): Promise<string> {
    const { record: r, events } = src;
    const runSpan = this.id();
    const started = Date.parse(r.created_at);
    const ended = TERMINAL.has(r.status) ? Date.parse(r.updated_at) : undefined;
    const firstNode = events.find((e) => e.node !== undefined)?.node ?? null;
    const runSpanAt = this.spans.length;
    let node = firstNode;
    let agent = r.assistant_id;
    let last = started;
    const calls = new Map<string, { event: RunEvent; node: string | null; agent: string }>();
    let interrupt: { at: number | undefined; node: string | null; agent: string; data: unknown } | undefined;
    let input = 0;
    let output = 0;
    let cost: number | null = 0;
    for (const e of events) {
      if (e.node !== undefined) node = e.node;
      const at = num(e.at);
      const data = rec(e.data);
      if (e.event === 'message') {
        const usage = rec(data['usage']);
        const tokens = { input: num(usage['prompt_tokens']) ?? 0, output: num(usage['completion_tokens']) ?? 0 };
        input += tokens.input;
        output += tokens.output;
        const model = typeof data['model'] === 'string' ? data['model'] : 'model';
        const calls_ = Array.isArray(data['tool_calls']) ? data['tool_calls'].length : 0;
        const priced = costOf(this.prices, model, tokens.input, tokens.output);
        cost = cost === null || priced === null ? null : cost + priced;
        this.spans.push(
          span({
            id: this.id(),
            parent_id: runSpan,
            kind: 'model',
            name: `chat ${model}`,
            run_id: r.run_id,
            agent: e.agent,
            node,
            start: num(data['started_at']) ?? last,
            end: at,
            tokens,
            cost: priced,
            detail: { seq: e.seq, tool_calls: calls_, ...(data['cache'] === undefined ? {} : { cache: data['cache'] }) },
          }),
        );
      } else if (e.event === 'tool_call') {
        calls.set(String(data['id']), { event: e, node, agent: e.agent });
      } else if (e.event === 'tool_result') {
        const callId = String(data['id']);
        const call = calls.get(callId);
        calls.delete(callId);
        const name = String(data['name'] ?? 'tool');
        const delegation = name.startsWith(ASK);
        const id = this.id();
        this.spans.push(
          span({
            id,
            parent_id: runSpan,
            kind: delegation ? 'delegation' : 'tool',
            name: delegation ? `invoke_agent ${name.slice(ASK.length)}` : `execute_tool ${name}`,
            run_id: r.run_id,
            agent: call?.agent ?? e.agent,
            node: call?.node ?? node,
            start: num(call?.event.at) ?? at,
            end: at,
            status: data['is_error'] === true ? 'error' : 'ok',
            detail: { call_id: callId, ...(delegation ? { child_run_id: `${r.run_id}:${callId}` } : {}) },
          }),
        );
        const quarantined = rec(data['guardrail'])['quarantined'];
        if (Array.isArray(quarantined))
          this.guardrail(runSpan, r.run_id, e.agent, node, at, { action: 'quarantine', stage: 'tool_result', types: quarantined });
        if (delegation && depth < MAX_DEPTH) {
          const child = await this.read(`${r.run_id}:${callId}`);
          if (child !== undefined) await this.add(child, id, depth + 1);
        }
      } else if (e.event === 'handoff') {
        this.spans.push(
          span({
            id: this.id(),
            parent_id: runSpan,
            kind: 'handoff',
            name: `handoff ${String(data['from'])} → ${String(data['to'])}`,
            run_id: r.run_id,
            agent: e.agent,
            node,
            start: at,
            end: at,
            detail: { from: data['from'], to: data['to'] },
          }),
        );
        agent = String(data['to'] ?? agent);
      } else if (e.event === 'interrupt') {
        interrupt = { at, node, agent: e.agent, data: e.data };
      } else if (e.event === 'rewind') {
        this.guardrail(runSpan, r.run_id, e.agent, node, at, { action: 'rewind', from_seq: data['from_seq'] });
      } else if (e.event === 'status' && data['status'] === 'running' && interrupt !== undefined) {
        this.interruptSpan(runSpan, r.run_id, interrupt, at);
        interrupt = undefined;
      }
      if (e.event !== 'token' && at !== undefined) last = at;
    }
    if (interrupt !== undefined) this.interruptSpan(runSpan, r.run_id, interrupt, undefined);
    for (const a of src.audit)
      this.guardrail(runSpan, r.run_id, a.agent ?? agent, null, Date.parse(a.time), {
        action: a.action,
        stage: a.stage,
        detector: a.detector,
        type: a.type,
      });
    const usage = r.usage;
    const tokens = usage === undefined ? { input, output } : { input: usage.prompt_tokens, output: usage.completion_tokens };
    const statusData = rec(events.find((e) => e.event === 'status')?.data);
    this.spans.splice(
      runSpanAt,
      0,
      span({
        id: runSpan,
        parent_id: parent,
        kind: 'run',
        name: `invoke_agent ${r.assistant_id}`,
        run_id: r.run_id,
        agent: r.assistant_id,
        node: firstNode,
        start: started,
        end: ended,
        tokens,
        cost,
        status: r.status,
        detail: {
          thread_id: r.thread_id,
          ...(r.agent !== r.assistant_id ? { final_agent: r.agent } : {}),
          ...(typeof statusData['trace_id'] === 'string' ? { trace_id: statusData['trace_id'] } : {}),
        },
      }),
    );
    return runSpan;
  }

  private interruptSpan(
    parent: string,
    runId: string,
    i: { at: number | undefined; node: string | null; agent: string; data: unknown },
    end: number | undefined,
  ): void {
    const kind = rec(i.data)['kind'];
    this.spans.push(
      span({
        id: this.id(),
        parent_id: parent,
        kind: kind === 'review' ? 'guardrail' : 'interrupt',
        name: kind === 'review' ? 'guardrail review' : `interrupt ${typeof kind === 'string' ? kind : ''}`.trim(),
        run_id: runId,
        agent: i.agent,
        node: i.node,
        start: i.at,
        end,
        detail: { waiting: end === undefined, ...(kind === 'review' ? { action: 'review' } : {}) },
      }),
    );
  }

  private guardrail(
    parent: string,
    runId: string,
    agent: string,
    node: string | null,
    at: number | undefined,
    detail: Record<string, unknown>,
  ): void {
    this.spans.push(
      span({
        id: this.id(),
        parent_id: parent,
        kind: 'guardrail',
        name: `guardrail ${String(detail['action'])}`,
        run_id: runId,
        agent,
        node,
        start: at,
        end: at,
        detail,
      }),
    );
  }
}
