/**
 * The three shapes a dataset is exported in (docs/trainers.md, "Datasets"): OpenAI chat fine-tuning JSONL (one
 * `{"messages": […]}` per run, tool calls in OpenAI's `tool_calls` / `tool` message form), OpenAI preference
 * (DPO) JSONL (`input`, `preferred_output`, `non_preferred_output`) from corrections and from A/B feedback on the
 * same input, and an eval suite in the promptfoo-compatible YAML the eval runner reads. Every text is redacted.
 */
import { stringify as toYaml } from 'yaml';
import type { ChatMessage, FeedbackRecord } from '../../../protocols/index.js';
import { ToolNameMap } from '../../llm/index.js';
import type { Redact } from './redact.js';
import { meanScore, type SelectedRun } from './select.js';

/** One message of OpenAI's chat fine-tuning format. */
export type OpenAIMessage =
  | { role: 'system' | 'user'; content: string }
  | {
      role: 'assistant';
      content?: string;
      tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
    }
  | { role: 'tool'; tool_call_id: string; content: string };

/** What an export adds besides the runs: a system message to put first (e.g. the agent's instructions). */
export interface ExportOptions {
  readonly system?: string;
  /** Replace a run's final answer with its feedback correction (default true). */
  readonly useCorrections?: boolean;
  /** The feedback key A/B pairs and eval expectations compare (default: every scored key). */
  readonly key?: string;
}

/** The text of a feedback correction: a string, or an object's `answer` / `output` / `content` / `text`, else its JSON. */
export function correctionText(c: unknown): string | undefined {
  if (c === undefined || c === null) return undefined;
  if (typeof c === 'string') return c;
  if (typeof c === 'object' && !Array.isArray(c))
    for (const k of ['answer', 'output', 'content', 'text']) {
      const v = (c as Record<string, unknown>)[k];
      if (typeof v === 'string') return v;
    }
  return JSON.stringify(c);
}

/** The newest correction among a run's feedback. */
function correctionOf(feedback: readonly FeedbackRecord[]): string | undefined {
  const withCorrection = feedback.filter((f) => f.correction !== undefined).sort((a, b) => a.created_at.localeCompare(b.created_at));
  return correctionText(withCorrection.at(-1)?.correction);
}

/** A run's mean score on `key` (every scored key when undefined). */
function scoreOf(feedback: readonly FeedbackRecord[], key: string | undefined): number | undefined {
  if (key !== undefined) return meanScore(feedback, key);
  const scored = feedback.filter((f) => typeof f.score === 'number');
  return scored.length === 0 ? undefined : scored.reduce((a, f) => a + (f.score as number), 0) / scored.length;
}

/** A JSON value with every string (and number whose digits are personal data) redacted, keys included: still JSON. */
async function redactValue(v: unknown, redact: Redact): Promise<unknown> {
  if (typeof v === 'string') return redact(v);
  if (typeof v === 'number') {
    const r = await redact(String(v));
    return r === String(v) ? v : r;
  }
  if (Array.isArray(v)) return Promise.all(v.map((x) => redactValue(x, redact)));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[await redact(k)] = await redactValue(x, redact);
    return out;
  }
  return v;
}

/** `messages` in OpenAI's form, redacted, with the system message first when given. */
async function toOpenAI(messages: readonly ChatMessage[], redact: Redact, system?: string): Promise<OpenAIMessage[]> {
  const names = new ToolNameMap([]);
  const out: OpenAIMessage[] = system === undefined ? [] : [{ role: 'system', content: await redact(system) }];
  for (const m of messages) {
    if (m.role === 'system' || m.role === 'user') out.push({ role: m.role, content: await redact(m.content) });
    else if (m.role === 'tool') out.push({ role: 'tool', tool_call_id: m.toolCallId ?? '', content: await redact(m.content) });
    else {
      const calls = [];
      for (const c of m.toolCalls ?? [])
        calls.push({
          id: c.id,
          type: 'function' as const,
          function: { name: names.toVendor(c.name), arguments: JSON.stringify(await redactValue(c.arguments, redact)) },
        });
      out.push({
        role: 'assistant',
        ...(m.content === '' && calls.length > 0 ? {} : { content: await redact(m.content) }),
        ...(calls.length === 0 ? {} : { tool_calls: calls }),
      });
    }
  }
  return out;
}

/** The index of the run's final answer: its last assistant message with text and no tool calls. */
function finalAnswer(messages: readonly ChatMessage[]): number {
  const last = messages.length - 1;
  const m = messages[last];
  return m !== undefined && m.role === 'assistant' && m.content !== '' && (m.toolCalls ?? []).length === 0 ? last : -1;
}

/** OpenAI chat fine-tuning JSONL: one line per run that ends in an answer (its correction instead, when it has one). */
export async function chatJsonl(runs: readonly SelectedRun[], redact: Redact, options: ExportOptions = {}): Promise<string> {
  const lines: string[] = [];
  for (const r of runs) {
    const end = finalAnswer(r.messages);
    if (end < 0) continue;
    const correction = options.useCorrections === false ? undefined : correctionOf(r.feedback);
    const messages =
      correction === undefined ? r.messages : [...r.messages.slice(0, end), { role: 'assistant' as const, content: correction }];
    lines.push(JSON.stringify({ messages: await toOpenAI(messages, redact, options.system) }));
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** The conversation before a final answer, as DPO input takes it: text turns only (tool turns left out). */
async function dpoInput(messages: readonly ChatMessage[], redact: Redact, system?: string): Promise<OpenAIMessage[]> {
  const text = messages.filter(
    (m) => m.role === 'user' || m.role === 'system' || (m.role === 'assistant' && (m.toolCalls ?? []).length === 0),
  );
  return toOpenAI(text, redact, system);
}

/**
 * OpenAI preference JSONL: a pair per run with a correction (the correction preferred over the run's answer), and per
 * group of runs with the same input whose scores differ (the best-scored answer preferred over the worst).
 */
export async function preferenceJsonl(runs: readonly SelectedRun[], redact: Redact, options: ExportOptions = {}): Promise<string> {
  const lines: string[] = [];
  const pair = async (input: OpenAIMessage[], preferred: string, rejected: string): Promise<void> => {
    const [p, n] = [await redact(preferred), await redact(rejected)];
    if (p === n) return;
    lines.push(
      JSON.stringify({
        input: { messages: input },
        preferred_output: [{ role: 'assistant', content: p }],
        non_preferred_output: [{ role: 'assistant', content: n }],
      }),
    );
  };
  const groups = new Map<string, { input: OpenAIMessage[]; answer: string; score: number }[]>();
  for (const r of runs) {
    const end = finalAnswer(r.messages);
    if (end < 0) continue;
    const answer = (r.messages[end] as ChatMessage).content;
    const input = await dpoInput(r.messages.slice(0, end), redact, options.system);
    const correction = correctionOf(r.feedback);
    if (correction !== undefined) await pair(input, correction, answer);
    const score = scoreOf(r.feedback, options.key);
    if (score === undefined) continue;
    const k = JSON.stringify(input);
    groups.set(k, [...(groups.get(k) ?? []), { input, answer, score }]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const sorted = [...group].sort((a, b) => b.score - a.score);
    const [best, worst] = [sorted[0], sorted.at(-1)];
    if (best !== undefined && worst !== undefined && best.score > worst.score) await pair(best.input, best.answer, worst.answer);
  }
  return lines.map((l) => `${l}\n`).join('');
}

/**
 * An eval suite (YAML) with a test per run that has an expectation: its correction, or its answer when scored well
 * (`similar`), or — scored badly without a correction — `not-equals` its answer. The user turns are the test's turns.
 */
export async function evalSuiteYaml(runs: readonly SelectedRun[], redact: Redact, options: ExportOptions = {}): Promise<string> {
  const tests = [];
  const agents = new Set<string>();
  for (const r of runs) {
    const end = finalAnswer(r.messages);
    if (end < 0) continue;
    const answer = await redact((r.messages[end] as ChatMessage).content);
    const correction = correctionOf(r.feedback);
    const score = scoreOf(r.feedback, options.key);
    const assert =
      correction !== undefined
        ? [{ type: 'similar', value: await redact(correction), threshold: 0.8 }]
        : score === undefined
          ? []
          : score >= 0.5
            ? [{ type: 'similar', value: answer, threshold: 0.8 }]
            : [{ type: 'not-equals', value: answer }];
    if (assert.length === 0) continue;
    const turns: string[] = [];
    for (const m of r.messages.slice(0, end)) if (m.role === 'user') turns.push(await redact(m.content));
    if (turns.length === 0) continue;
    agents.add(r.run.assistant_id);
    tests.push({
      description: `run ${r.run.run_id}`,
      options: { provider: r.run.assistant_id },
      ...(turns.length === 1 ? { vars: { input: turns[0] } } : { turns: turns.map((t) => t.replace(/\{\{/g, '{ {')) }),
      assert,
    });
  }
  const suite = { description: `exported from ${tests.length} runs`, prompts: ['{{input}}'], providers: [...agents].sort(), tests };
  return toYaml(suite, { lineWidth: 0 });
}
