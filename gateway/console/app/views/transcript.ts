/**
 * A chat as data: the items a conversation shows, and how each `/ws` frame of a run changes them. Pure (no DOM), so the
 * chat view can keep it in sessionStorage and rebuild the page after a reload, then resume the run after the last
 * seq it applied: every event is applied once, in seq order.
 */
import type { Frame } from '../ws.js';

/** A tool call's arguments. */
export type Args = Record<string, unknown>;

/** One thing the transcript shows. */
export type Item =
  | { readonly k: 'user'; readonly text: string }
  /**
   * An assistant reply: its streamed pieces and the seq of each (a `rewind` drops pieces from a seq on). `partial`: a
   * workflow agent step's reply that streamed while the page was away (its tokens are live only, never replayed), so
   * some pieces may be missing; the step's output replaces it when the step ends.
   */
  | {
      readonly k: 'assistant';
      readonly agent: string;
      readonly parts: string[];
      readonly seqs: number[];
      readonly done: boolean;
      readonly partial?: boolean;
    }
  | {
      readonly k: 'tool';
      readonly id: string;
      readonly name: string;
      readonly args: Args;
      readonly result?: { readonly content: string; readonly isError: boolean; readonly quarantined?: readonly string[] };
    }
  | { readonly k: 'handoff'; readonly from: string; readonly to: string }
  /** A workflow step's event (`step.started`, `step.completed`, …; docs/workflows.md). */
  | { readonly k: 'step'; readonly event: string; readonly step: string; readonly detail: string }
  | { readonly k: 'interrupt'; readonly runId: string; readonly value: unknown; readonly answer?: string }
  | { readonly k: 'end'; readonly status: 'completed' | 'failed' | 'cancelled'; readonly text: string; readonly runId?: string }
  | { readonly k: 'error'; readonly text: string };

/** A conversation and the run in progress (if any). */
export interface ChatState {
  readonly agent: string;
  readonly threadId?: string;
  readonly items: readonly Item[];
  /**
   * The run being followed: its id, the last seq applied and the agent speaking now. `workflow`: a workflow run.
   * `gap`: the workflow run was resumed, so the live-only tokens its agent steps streamed meanwhile (or stream while
   * the replay of its journal catches up) may be missing: each reply streamed since is whole only when its step ends.
   */
  readonly run?: { readonly id: string; readonly seq: number; readonly agent: string; readonly workflow?: boolean; readonly gap?: boolean };
}

const TRANSFER = 'transfer_to_';

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The approval an interrupt asks for: the tool call waiting, or undefined for another kind of interrupt. */
export function approvalOf(value: unknown): { id: string; name: string; args: Args } | undefined {
  const v = obj(value);
  const call = obj(v['tool_call']);
  if (v['kind'] !== 'approval' || typeof call['name'] !== 'string') return undefined;
  return { id: str(call['id']), name: call['name'], args: obj(call['arguments']) };
}

function lastOpenAssistant(items: Item[], agent: string): number {
  const i = items.length - 1;
  const it = items[i];
  return it?.k === 'assistant' && !it.done && it.agent === agent ? i : -1;
}

function lastOpenAssistantAny(items: Item[]): number {
  const it = items[items.length - 1];
  return it?.k === 'assistant' && !it.done ? items.length - 1 : -1;
}

function applyEvent(items: Item[], agent: string, runId: string, seq: number, event: string, data: Record<string, unknown>): string {
  switch (event) {
    case 'token': {
      const text = str(data['text']);
      const at = lastOpenAssistant(items, agent);
      const it = items[at];
      if (it?.k === 'assistant') items[at] = { ...it, parts: [...it.parts, text], seqs: [...it.seqs, seq] };
      else items.push({ k: 'assistant', agent, parts: [text], seqs: [seq], done: false });
      return agent;
    }
    case 'message': {
      const content = str(data['content']);
      const at = lastOpenAssistant(items, agent);
      const it = items[at];
      if (it?.k === 'assistant') {
        const streamed = it.parts.join('');
        if (streamed === '' && content === '') items.splice(at, 1);
        // A reply that streamed no tokens (a cached one) shows the message; a streamed one keeps exactly what streamed.
        else items[at] = { ...it, done: true, ...(streamed === '' ? { parts: [content], seqs: [seq] } : {}) };
      } else if (content !== '') items.push({ k: 'assistant', agent, parts: [content], seqs: [seq], done: true });
      return agent;
    }
    case 'tool_call': {
      const name = str(data['name']);
      if (!name.startsWith(TRANSFER)) items.push({ k: 'tool', id: str(data['id']), name, args: obj(data['arguments']) });
      return agent;
    }
    case 'tool_result': {
      const id = str(data['id']);
      const at = items.findLastIndex((x) => x.k === 'tool' && x.id === id);
      const it = items[at];
      const q = obj(data['guardrail'])['quarantined'];
      if (it?.k === 'tool')
        items[at] = {
          ...it,
          result: {
            content: str(data['content']),
            isError: data['is_error'] === true,
            ...(Array.isArray(q) ? { quarantined: q.map(String) } : {}),
          },
        };
      return agent;
    }
    case 'handoff': {
      const to = str(data['to']) || agent;
      items.push({ k: 'handoff', from: str(data['from']) || agent, to });
      return to;
    }
    case 'interrupt':
      items.push({ k: 'interrupt', runId, value: data });
      return agent;
    case 'rewind': {
      // Drop the partial reply's text from `from_seq` on; the new reply's tokens follow.
      const from = Number(data['from_seq']);
      for (let i = items.length - 1; i >= 0; i--) {
        const it = items[i];
        if (it?.k !== 'assistant') continue;
        const keep = it.seqs.findIndex((s) => s >= from);
        if (keep === -1) break;
        items[i] = { ...it, parts: it.parts.slice(0, keep), seqs: it.seqs.slice(0, keep), done: false };
      }
      return agent;
    }
    default:
      if (event.startsWith('step.')) {
        const open = lastOpenAssistantAny(items);
        let it = items[open];
        if (it?.k === 'assistant') {
          // A reply missing the tokens streamed while the page was away: the step's output is the whole reply.
          const output = data['output'];
          const whole = it.partial === true && typeof output === 'string' ? { parts: [output], seqs: [seq] } : {};
          const { partial: _partial, ...rest } = it;
          it = items[open] = { ...rest, ...whole, done: true };
        }
        const value = data['error'] ?? data['question'] ?? data['output'];
        const detail = value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
        // An agent step's output was just streamed as its reply: not shown twice.
        const streamed = it?.k === 'assistant' ? it.parts.join('') : undefined;
        items.push({ k: 'step', event: event.slice('step.'.length), step: str(data['step']), detail: detail === streamed ? '' : detail });
      }
      return agent;
  }
}

function usageText(f: Frame): string {
  const u = obj(f['usage']);
  const tokens = Number(u['prompt_tokens'] ?? 0) + Number(u['completion_tokens'] ?? 0);
  return tokens > 0 ? `${tokens} tokens` : '';
}

/** The state after frame `f` of the followed run; frames of other runs, and seqs already applied, change nothing. */
export function applyFrame(s: ChatState, f: Frame): ChatState {
  const run = s.run;
  if (run === undefined || f['run_id'] !== run.id) return s;
  if (f.type === 'error') {
    // A stream that cannot deliver some events ends on this connection; the run itself may go on (resume to retry).
    // A run the gateway does not know (or cannot resume) is no longer followed.
    const items = [...s.items, { k: 'error', text: `${str(f['code'])}: ${str(f['message'])}` } as const];
    if (f['code'] !== 'not_found') return { ...s, items };
    const { run: _gone, ...rest } = s;
    return { ...rest, items };
  }
  if (f.type === 'run.event' && f['seq'] === undefined && f['event'] === 'token') {
    // A workflow's agent step streams its tokens without a seq of the workflow run (docs/workflows.md): shown as they come.
    const items = [...s.items];
    applyEvent(items, str(f['agent']) || run.agent, run.id, run.seq, 'token', obj(f['data']));
    const last = items[items.length - 1];
    if (run.gap === true && last?.k === 'assistant') items[items.length - 1] = { ...last, partial: true };
    return { ...s, items };
  }
  const seq = Number(f['seq']);
  if (!Number.isInteger(seq) || seq <= run.seq) return s;
  const items = [...s.items];
  let agent = run.agent;
  switch (f.type) {
    case 'run.event':
      agent = applyEvent(items, agent, run.id, seq, str(f['event']), obj(f['data']));
      return { ...s, items, run: { ...run, seq, agent } };
    case 'run.interrupted': {
      const open = items.some((x) => x.k === 'interrupt' && x.runId === run.id && x.answer === undefined);
      if (!open) items.push({ k: 'interrupt', runId: run.id, value: f['interrupt'] });
      return { ...s, items, run: { ...run, seq } };
    }
    case 'run.completed':
    case 'run.failed':
    case 'run.cancelled': {
      const status = f.type === 'run.completed' ? 'completed' : f.type === 'run.failed' ? 'failed' : 'cancelled';
      const last = items.findLastIndex((x) => x.k === 'assistant' && !x.done);
      const open = items[last];
      if (open?.k === 'assistant') items[last] = { ...open, done: true };
      const text = status === 'failed' ? str(f['error']) : usageText(f);
      items.push({ k: 'end', status, text, runId: run.id });
      const { run: _ended, ...rest } = s;
      return { ...rest, items };
    }
    default:
      return { ...s, run: { ...run, seq } };
  }
}

/**
 * The state when the followed run is resumed after its last applied seq (a reload or a new connection): the live-only
 * tokens of a workflow's agent step streamed meanwhile are lost, so the reply they belong to is marked partial.
 */
export function resumed(s: ChatState): ChatState {
  const run = s.run;
  if (run?.workflow !== true) return s;
  const items = [...s.items];
  const at = lastOpenAssistantAny(items);
  const it = items[at];
  if (it?.k === 'assistant') items[at] = { ...it, partial: true };
  return { ...s, items, run: { ...run, gap: true } };
}

/** Marks the open interrupt of `runId` answered with `answer`. */
export function answerInterrupt(s: ChatState, runId: string, answer: string): ChatState {
  const at = s.items.findLastIndex((x) => x.k === 'interrupt' && x.runId === runId && x.answer === undefined);
  const it = s.items[at];
  if (it?.k !== 'interrupt') return s;
  const items = [...s.items];
  items[at] = { ...it, answer };
  return { ...s, items };
}
