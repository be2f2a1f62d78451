/**
 * The bounded window of a thread handed to the model (docs/memory.md, "Thread window"): at most
 * `maxMessages` messages and `maxTokens` estimated tokens. The rule:
 *  1. System messages are always kept, where they are.
 *  2. An assistant message with tool calls and the tool results that answer it form one unit;
 *     every other message is a unit of its own. Units are never split.
 *  3. Units are taken newest first while they fit; the first that does not fit ends the window,
 *     so the window is the conversation's most recent stretch. The newest unit is always taken.
 *  4. When older units were left out and `summaryTokens` > 0, one system message summarising them
 *     (extractive by default, or a summariser's text) goes before the first kept unit; its
 *     budget (tokens and one message) is reserved before units are taken.
 * Tokens are estimated, not counted: ⌈characters / 4⌉ + 4 per message (see {@link estimateTokens}).
 */
import type { ChatMessage } from '../../llm/types.js';

/** Limits of a window (config `memory.window`). */
export interface WindowOptions {
  readonly maxMessages: number;
  readonly maxTokens: number;
  /** Tokens kept for the summary of left-out messages; 0 leaves them out without one (default 256). */
  readonly summaryTokens?: number;
  /** Token estimate of one message (default {@link estimateTokens}). */
  readonly estimate?: (m: ChatMessage) => number;
}

/** What the model is given, and what was left out. */
export interface ThreadWindow {
  readonly messages: ChatMessage[];
  /** Messages of the thread left out of the window (summarised or not). */
  readonly dropped: number;
  /** True when `messages` holds a summary of the left-out messages. */
  readonly summarized: boolean;
  /** Estimated tokens of `messages`. */
  readonly tokens: number;
}

/** Turns left-out messages into summary text of at most about `maxTokens` tokens. */
export type Summarizer = (dropped: readonly ChatMessage[], maxTokens: number, signal?: AbortSignal) => Promise<string>;

/** Prefix of the summary message, so a later window recognises and re-summarises it. */
export const SUMMARY_PREFIX = 'Summary of earlier conversation';

/**
 * A message's estimated tokens: ⌈(content + tool names and arguments + name) characters / 4⌉ + 4.
 * Four characters a token is the usual rule of thumb for English with BPE tokenizers; the 4 covers
 * per-message framing. It overestimates code and underestimates CJK text; set `maxTokens` with margin.
 */
export function estimateTokens(m: ChatMessage): number {
  let chars = m.content.length + (m.name?.length ?? 0);
  for (const c of m.toolCalls ?? []) chars += c.name.length + JSON.stringify(c.arguments).length;
  return Math.ceil(chars / 4) + 4;
}

interface Plan {
  /** Indexes of the messages kept, in order. */
  readonly keep: number[];
  /** Left-out non-system messages, in order. */
  readonly dropped: ChatMessage[];
  /** Index in `keep` before which the summary goes. */
  readonly summaryAt: number;
}

/** Splits a thread into units: [start, end) ranges; system messages are returned apart. */
function units(messages: readonly ChatMessage[]): { pinned: number[]; units: [number, number][] } {
  const pinned: number[] = [];
  const out: [number, number][] = [];
  for (let i = 0; i < messages.length;) {
    const m = messages[i] as ChatMessage;
    if (m.role === 'system') {
      pinned.push(i++);
      continue;
    }
    let end = i + 1;
    if (m.role === 'assistant' && (m.toolCalls?.length ?? 0) > 0) {
      const ids = new Set(m.toolCalls?.map((c) => c.id));
      while (end < messages.length && messages[end]?.role === 'tool' && ids.has(messages[end]?.toolCallId ?? '')) end++;
    }
    out.push([i, end]);
    i = end;
  }
  return { pinned, units: out };
}

function plan(
  messages: readonly ChatMessage[],
  o: WindowOptions,
  estimate: (m: ChatMessage) => number,
  reserve: { tokens: number; messages: number },
): Plan {
  const { pinned, units: us } = units(messages);
  let tokens = reserve.tokens + pinned.reduce((n, i) => n + estimate(messages[i] as ChatMessage), 0);
  let count = reserve.messages + pinned.length;
  let first = us.length; // index of the oldest unit taken
  for (let u = us.length - 1; u >= 0; u--) {
    const [s, e] = us[u] as [number, number];
    let t = 0;
    for (let i = s; i < e; i++) t += estimate(messages[i] as ChatMessage);
    const newest = u === us.length - 1;
    if (!newest && (count + (e - s) > o.maxMessages || tokens + t > o.maxTokens)) break;
    tokens += t;
    count += e - s;
    first = u;
  }
  const from = first < us.length ? (us[first] as [number, number])[0] : messages.length;
  const keep: number[] = [];
  const dropped: ChatMessage[] = [];
  messages.forEach((m, i) => {
    if (m.role === 'system' || i >= from) keep.push(i);
    else dropped.push(m);
  });
  const summaryAt = keep.findIndex((i) => i >= from);
  return { keep, dropped, summaryAt: summaryAt < 0 ? keep.length : summaryAt };
}

/** Cuts text to about `maxTokens` tokens (4 characters each). */
function clip(text: string, maxTokens: number): string {
  const max = Math.max(0, maxTokens * 4);
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

function describe(m: ChatMessage): string {
  if (m.role === 'tool') return `tool ${m.name ?? ''} returned: ${m.content}`;
  const calls = (m.toolCalls ?? []).map((c) => `${c.name}(${JSON.stringify(c.arguments)})`);
  return `${m.role}: ${m.content}${calls.length > 0 ? ` [called ${calls.join(', ')}]` : ''}`;
}

/**
 * The default, offline summary: the first left-out message (usually the original request), then
 * as many of the most recent left-out ones as fit, each line clipped to 200 characters.
 */
export function extractiveSummary(dropped: readonly ChatMessage[], maxTokens: number): string {
  const budget = maxTokens * 4 - 60;
  const lines = dropped.map((m) => `- ${clip(describe(m).replace(/\s+/g, ' '), 50)}`);
  if (lines.length === 0 || budget <= 0) return '';
  const head = (lines[0] as string).slice(0, budget);
  const tail: string[] = [];
  let used = head.length;
  for (let i = lines.length - 1; i > 0; i--) {
    const l = lines[i] as string;
    if (used + l.length + 1 > budget) break;
    tail.unshift(l);
    used += l.length + 1;
  }
  const gap = tail.length < lines.length - 1 ? ['- …'] : [];
  return [head, ...gap, ...tail].join('\n');
}

function assemble(
  messages: readonly ChatMessage[],
  p: Plan,
  summary: string | undefined,
  estimate: (m: ChatMessage) => number,
): ThreadWindow {
  const out = p.keep.map((i) => messages[i] as ChatMessage);
  if (summary !== undefined && summary !== '')
    out.splice(p.summaryAt, 0, { role: 'system', content: `${SUMMARY_PREFIX} (${p.dropped.length} messages not shown):\n${summary}` });
  return {
    messages: out,
    dropped: p.dropped.length,
    summarized: summary !== undefined && summary !== '',
    tokens: out.reduce((n, m) => n + estimate(m), 0),
  };
}

function planWithReserve(
  messages: readonly ChatMessage[],
  o: WindowOptions,
  estimate: (m: ChatMessage) => number,
): { plan: Plan; summaryTokens: number } {
  const summaryTokens = o.summaryTokens ?? 256;
  const all = plan(messages, o, estimate, { tokens: 0, messages: 0 });
  if (all.dropped.length === 0 || summaryTokens <= 0) return { plan: all, summaryTokens: 0 };
  // Something is left out: take units again with the summary's room set aside.
  return { plan: plan(messages, o, estimate, { tokens: summaryTokens + 24, messages: 1 }), summaryTokens };
}

/** The window of `messages` under `options`, with an extractive summary of what is left out. */
export function windowMessages(messages: readonly ChatMessage[], options: WindowOptions): ThreadWindow {
  const estimate = options.estimate ?? estimateTokens;
  const { plan: p, summaryTokens } = planWithReserve(messages, options, estimate);
  return assemble(
    messages,
    p,
    summaryTokens > 0 && p.dropped.length > 0 ? extractiveSummary(p.dropped, summaryTokens) : undefined,
    estimate,
  );
}

/** Like {@link windowMessages}, with the summary written by `summarize` (e.g. a model call); its text is clipped to the budget. */
export async function windowMessagesWith(
  messages: readonly ChatMessage[],
  options: WindowOptions,
  summarize: Summarizer,
  signal?: AbortSignal,
): Promise<ThreadWindow> {
  const estimate = options.estimate ?? estimateTokens;
  const { plan: p, summaryTokens } = planWithReserve(messages, options, estimate);
  const summary =
    summaryTokens > 0 && p.dropped.length > 0 ? clip((await summarize(p.dropped, summaryTokens, signal)).trim(), summaryTokens) : undefined;
  return assemble(messages, p, summary, estimate);
}
