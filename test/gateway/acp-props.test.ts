/**
 * Properties of the ACP edge: input messages in every accepted shape parse to the same roles and
 * text; any `command.resume` value maps to a valid answer or a 422 (never a silent approval of a
 * rejection); and the run-event translator keeps the state its stream shows equal to the
 * conversation the agent keeps — tokens add up to the messages, tool results land in call order
 * whatever order they finish in, and a stream resumed after any frame id continues the whole one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatMessage, ToolCall } from '../../actors/llm/types.js';
import { runResumeSchema, type RunEvent } from '../../protocols/index.js';
import { statusOf } from '../../gateway/http.js';
import {
  messageId,
  parseEventId,
  parseInputMessages,
  RunTranslator,
  toResumeValue,
  toValues,
  type SseEvent,
} from '../../gateway/acp/index.js';

const text = fc.string({ maxLength: 40 });

describe('input messages', () => {
  const shapes = fc.record({
    kind: fc.constantFrom('human', 'user', 'ai', 'assistant', 'system'),
    content: text,
    form: fc.constantFrom('type', 'role', 'tuple', 'blocks'),
  });
  const ROLE: Record<string, string> = { human: 'user', user: 'user', ai: 'assistant', assistant: 'assistant', system: 'system' };

  it('parse to the same roles and text in every shape', () => {
    fc.assert(
      fc.property(fc.array(shapes, { minLength: 2, maxLength: 8 }), (list) => {
        const raw = list.map(({ kind, content, form }) =>
          form === 'type'
            ? { type: kind, content }
            : form === 'role'
              ? { role: kind, content }
              : form === 'tuple'
                ? [kind, content]
                : { type: kind, content: [{ type: 'text', text: content }] },
        );
        expect(parseInputMessages({ messages: raw })).toEqual(list.map((m) => ({ role: ROLE[m.kind], content: m.content })));
      }),
    );
  });

  it('reject anything else with 422, never another error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          const out = parseInputMessages(v);
          expect(out.length).toBeGreaterThan(0);
          for (const m of out) expect(['user', 'assistant', 'system']).toContain(m.role);
        } catch (e) {
          expect(statusOf(e)).toBe(422);
        }
      }),
    );
  });
});

describe('command.resume', () => {
  it('is a valid interrupt answer or a 422', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          expect(runResumeSchema.shape.resume.safeParse(toResumeValue(v, 'call_1')).success).toBe(true);
        } catch (e) {
          expect(statusOf(e)).toBe(422);
        }
      }),
    );
  });

  it('never approves a rejection, in any of its shapes', () => {
    const rejections = fc.oneof(
      fc.constant(false),
      fc.constantFrom('reject', 'REJECT', ' no ', 'deny', 'ignore'),
      fc.record({ approve: fc.constant(false), reason: fc.option(text, { nil: undefined }) }),
      fc.record({ type: fc.constantFrom('reject', 'ignore', 'response'), message: text }),
    );
    fc.assert(
      fc.property(rejections, fc.boolean(), (r, wrap) => {
        expect(toResumeValue(wrap ? { decisions: [r] } : r).approve).toBe(false);
      }),
    );
    expect(toResumeValue({ call_1: true }, 'call_1')).toEqual({ approve: true });
    expect(toResumeValue({ type: 'edit', edited_action: { name: 'calculator', args: { expression: '1' } } })).toEqual({
      approve: true,
      arguments: { expression: '1' },
    });
  });
});

describe('message ids', () => {
  it('are UUID-shaped and distinct per thread and position', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.uuid(), fc.nat(10_000)), { selector: ([t, i]) => `${t}/${i}`, maxLength: 50 }), (pairs) => {
        const ids = pairs.map(([t, i]) => messageId(t, i));
        for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(new Set(ids).size).toBe(ids.length);
      }),
    );
  });
});

/** One model step: its text cut into tokens, and tool calls answered in `order`. */
const step = fc.record({
  tokens: fc.array(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 6 }),
  calls: fc.array(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 3 }),
  seed: fc.nat(),
});

/** The events an agent emits for `steps`, and the conversation it ends with. */
function runOf(
  steps: { tokens: string[]; calls: string[]; seed: number }[],
  base: ChatMessage[],
): { events: RunEvent[]; messages: ChatMessage[] } {
  const events: RunEvent[] = [];
  const messages = [...base];
  const emit = (event: RunEvent['event'], data: unknown): void =>
    void events.push({ run_id: 'r', thread_id: 't', seq: events.length + 1, event, agent: 'a', data });
  emit('status', { status: 'running' });
  let n = 0;
  for (const s of steps) {
    for (const tk of s.tokens) emit('token', { text: tk });
    const calls: ToolCall[] = s.calls.map((out) => ({ id: `call_${++n}`, name: 'tool', arguments: { out } }));
    const content = s.tokens.join('');
    emit('message', { role: 'assistant', content, tool_calls: calls });
    messages.push(calls.length > 0 ? { role: 'assistant', content, toolCalls: calls } : { role: 'assistant', content });
    const order = [...calls].sort(
      (a, b) => ((a.id.length * 31 + s.seed) % 7) - ((b.id.length * 17 + s.seed) % 5) || a.id.localeCompare(b.id),
    );
    for (const c of order) emit('tool_result', { id: c.id, name: c.name, is_error: false, content: String(c.arguments['out']) });
    for (const c of calls) messages.push({ role: 'tool', name: c.name, toolCallId: c.id, content: String(c.arguments['out']) });
  }
  emit('status', { status: 'success' });
  return { events, messages };
}

const ALL = new Set(['values', 'updates', 'messages-tuple', 'messages', 'custom'] as const);

describe('run translator', () => {
  it('shows the conversation the agent keeps, and tokens add up to its messages', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 5 }), fc.array(text, { maxLength: 3 }), (steps, prior) => {
        const base: ChatMessage[] = prior.map((content) => ({ role: 'user', content }));
        const { events, messages } = runOf(steps, base);
        const tr = new RunTranslator({ runId: 'r', threadId: 't', assistantId: 'a' }, base, ALL);
        const out = events.flatMap((e) => tr.apply(e));
        expect(tr.status).toBe('success');
        expect(tr.values()).toEqual(toValues('t', messages));
        const final = out.filter((e) => e.event === 'values').at(-1)?.data;
        expect(final).toEqual(toValues('t', messages));
        const byId = new Map<string, string>();
        for (const e of out.filter((x) => x.event === 'messages')) {
          const [m] = e.data as [{ id: string; type: string; content: string }];
          if (m.type === 'AIMessageChunk') byId.set(m.id, (byId.get(m.id) ?? '') + m.content);
        }
        for (const m of toValues('t', messages).messages.filter((x) => x.type === 'ai')) expect(byId.get(m.id) ?? '').toBe(m['content']);
      }),
    );
  });

  it('a stream resumed after any frame id continues exactly where the whole stream was', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 4 }), fc.nat(), (steps, cut) => {
        const { events } = runOf(steps, []);
        const whole = new RunTranslator({ runId: 'r', threadId: 't', assistantId: 'a' }, [], ALL);
        const all: SseEvent[] = events.flatMap((e) => whole.apply(e));
        expect(new Set(all.map((f) => f.id)).size).toBe(all.length);
        const at = cut % (all.length + 1);
        const lastId = at === 0 ? '-1' : (all[at - 1]?.id as string);
        const { seq, index } = parseEventId(lastId);
        const joined = new RunTranslator({ runId: 'r', threadId: 't', assistantId: 'a' }, [], ALL);
        const later: SseEvent[] = [];
        for (const e of events) {
          const frames = joined.apply(e);
          if (e.seq > seq) later.push(...frames);
          else if (e.seq === seq) later.push(...frames.slice(index + 1));
        }
        expect(later).toEqual(all.slice(at));
      }),
    );
  });
});
