/**
 * The thread window: limits by count and estimated tokens, system messages kept, tool calls never
 * split from their results, a contiguous most-recent stretch, and a summary of what was left out.
 * A property test over random conversations plus worked examples.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../actors/llm/types.js';
import { SUMMARY_PREFIX, estimateTokens, windowMessages, windowMessagesWith } from '../../actors/memory/threads/index.js';

const text = fc.string({ maxLength: 120 });

/** A turn: a user or assistant message, a system note, or a tool-call group (call + its results). */
const turnArb: fc.Arbitrary<ChatMessage[]> = fc.oneof(
  { weight: 4, arbitrary: text.map((content): ChatMessage[] => [{ role: 'user', content }]) },
  { weight: 4, arbitrary: text.map((content): ChatMessage[] => [{ role: 'assistant', content }]) },
  { weight: 1, arbitrary: text.map((content): ChatMessage[] => [{ role: 'system', content }]) },
  {
    weight: 2,
    arbitrary: fc.tuple(text, fc.array(text, { minLength: 1, maxLength: 3 }), fc.nat()).map(([content, results, n]): ChatMessage[] => {
      const ids = results.map((_, i) => `call_${n}_${i}`);
      return [
        { role: 'assistant', content, toolCalls: ids.map((id) => ({ id, name: 'lookup', arguments: { q: content.slice(0, 10) } })) },
        ...results.map((r, i): ChatMessage => ({ role: 'tool', content: r, toolCallId: ids[i] as string, name: 'lookup' })),
      ];
    }),
  },
);

const optionsArb = fc.record({
  maxMessages: fc.integer({ min: 1, max: 25 }),
  maxTokens: fc.integer({ min: 5, max: 600 }),
  summaryTokens: fc.integer({ min: 0, max: 80 }),
});
const isSummary = (m: ChatMessage) => m.role === 'system' && m.content.startsWith(SUMMARY_PREFIX);

describe('thread window (property)', () => {
  it('keeps system messages, never splits a tool call from its results, keeps a recent stretch within the limits', () => {
    fc.assert(
      fc.property(fc.array(turnArb, { minLength: 1, maxLength: 30 }), optionsArb, (turns, o) => {
        const messages = turns.flat();
        const w = windowMessages(messages, o);
        const real = w.messages.filter((m) => !isSummary(m));
        // Kept messages are the input's, in order (identity), and every system message is among them.
        let j = 0;
        for (const m of real) {
          while (j < messages.length && messages[j] !== m) j++;
          expect(j).toBeLessThan(messages.length);
          j++;
        }
        expect(real.filter((m) => m.role === 'system')).toEqual(messages.filter((m) => m.role === 'system'));
        // Non-system kept messages are the newest ones (a contiguous suffix), the newest always among them.
        const conv = messages.filter((m) => m.role !== 'system');
        const keptConv = real.filter((m) => m.role !== 'system');
        expect(keptConv).toEqual(conv.slice(conv.length - keptConv.length));
        if (conv.length > 0) expect(keptConv.at(-1)).toBe(conv.at(-1));
        expect(w.dropped).toBe(conv.length - keptConv.length);
        // Tool calls and their results stay together.
        const kept = new Set(real);
        for (const [i, m] of messages.entries()) {
          if (m.role !== 'assistant' || !m.toolCalls?.length) continue;
          const results = messages.slice(i + 1).filter((r) => r.role === 'tool' && m.toolCalls?.some((c) => c.id === r.toolCallId));
          for (const r of results) expect(kept.has(r)).toBe(kept.has(m));
        }
        if (real[0]?.role === 'tool') throw new Error('window starts with an orphan tool result');
        // Limits hold unless the window is only the system messages and the newest unit.
        const tokens = w.messages.reduce((n, m) => n + estimateTokens(m), 0);
        expect(w.tokens).toBe(tokens);
        const newestUnit = (() => {
          let k = conv.length - 1;
          while (k > 0 && conv[k]?.role === 'tool') k--;
          return conv.length - k;
        })();
        if (keptConv.length > newestUnit) {
          expect(w.messages.length).toBeLessThanOrEqual(o.maxMessages);
          expect(tokens).toBeLessThanOrEqual(o.maxTokens);
        }
        // Nothing is left out when everything fits; a summary exactly when something is left out and there is room for one.
        const all = messages.reduce((n, m) => n + estimateTokens(m), 0);
        if (messages.length <= o.maxMessages && all <= o.maxTokens) expect(w.dropped).toBe(0);
        expect(w.summarized).toBe(w.dropped > 0 && o.summaryTokens > 0 && w.messages.some(isSummary));
        if (w.dropped > 0 && o.summaryTokens >= 20) expect(w.summarized).toBe(true);
        if (o.summaryTokens === 0) expect(w.messages.some(isSummary)).toBe(false);
      }),
      { numRuns: 400 },
    );
  });
});

describe('thread window (examples)', () => {
  const call = (id: string): ChatMessage => ({
    role: 'assistant',
    content: '',
    toolCalls: [{ id, name: 'weather', arguments: { city: 'Oslo' } }],
  });
  const result = (id: string, content: string): ChatMessage => ({ role: 'tool', content, toolCallId: id, name: 'weather' });
  const thread: ChatMessage[] = [
    { role: 'system', content: 'You are helpful.' },
    { role: 'user', content: 'Plan my trip to Oslo next week.' },
    { role: 'assistant', content: 'Sure — dates?' },
    { role: 'user', content: 'Monday to Friday.' },
    call('c1'),
    result('c1', 'rain, 8°C'),
    { role: 'assistant', content: 'Expect rain; pack a coat.' },
    { role: 'user', content: 'And museums?' },
  ];

  it('drops the oldest by count, keeps the system prompt, and summarises what it dropped', () => {
    const w = windowMessages(thread, { maxMessages: 5, maxTokens: 10_000, summaryTokens: 100 });
    expect(w.messages[0]).toBe(thread[0]);
    expect(w.messages[1]?.content).toMatch(
      /^Summary of earlier conversation \(5 messages not shown\):\n- user: Plan my trip to Oslo next week\./,
    );
    expect(w.messages.slice(2)).toEqual([
      { role: 'assistant', content: 'Expect rain; pack a coat.' },
      { role: 'user', content: 'And museums?' },
    ]);
    expect(w).toMatchObject({ dropped: 5, summarized: true });
  });

  it('a tool call and its result go together: with room for two messages, the pair is dropped whole', () => {
    const w = windowMessages(thread, { maxMessages: 4, maxTokens: 10_000, summaryTokens: 0 });
    expect(w.messages).toEqual([thread[0], thread[6], thread[7]]);
    const wider = windowMessages(thread, { maxMessages: 5, maxTokens: 10_000, summaryTokens: 0 });
    expect(wider.messages).toEqual([thread[0], thread[4], thread[5], thread[6], thread[7]]);
  });

  it('by tokens: keeps what fits in the estimate, and always the newest message', () => {
    const long: ChatMessage[] = [
      { role: 'user', content: 'x'.repeat(400) },
      { role: 'assistant', content: 'y'.repeat(400) },
      { role: 'user', content: 'z'.repeat(40) },
    ];
    expect(estimateTokens(long[0] as ChatMessage)).toBe(104);
    expect(windowMessages(long, { maxMessages: 10, maxTokens: 117, summaryTokens: 0 }).messages).toEqual([long[2]]);
    expect(windowMessages(long, { maxMessages: 10, maxTokens: 118, summaryTokens: 0 }).messages).toEqual([long[1], long[2]]);
    expect(windowMessages(long, { maxMessages: 10, maxTokens: 5, summaryTokens: 0 }).messages).toEqual([long[2]]);
  });

  it('a supplied summariser writes the summary (clipped to its budget)', async () => {
    const seen: number[] = [];
    const w = await windowMessagesWith(thread, { maxMessages: 4, maxTokens: 10_000, summaryTokens: 10 }, (dropped) => {
      seen.push(dropped.length);
      return Promise.resolve('The user is planning an Oslo trip Monday to Friday and asked about weather, which is rainy.');
    });
    expect(seen).toEqual([5]);
    const summary = w.messages.find(isSummary)?.content ?? '';
    expect(summary).toContain('The user is planning');
    expect(summary.split('\n')[1]?.length).toBeLessThanOrEqual(40);
  });
});
