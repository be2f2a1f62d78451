/**
 * The context assembler on its own: the relevance filter keeps passages about the question and drops the rest (on
 * the real offline embedder), the token budget drops the lowest priority first, a provider that throws or hangs is
 * left out and reported while the others are kept, and the result is data a renderer can place.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assembleContext,
  passages,
  PassageVectors,
  renderContext,
  type ContextProvider,
  type ProviderInput,
} from '../../actors/context/index.js';
import { UseLiteEmbedder } from '../../actors/memory/index.js';

const embedder = new UseLiteEmbedder();
afterAll(() => embedder.close());
const vectors = new PassageVectors(() => Promise.resolve(embedder));

const input = (query: string): ProviderInput => ({
  tenant: 't',
  agent: 'a',
  runId: 'r',
  metadata: {},
  query,
  signal: new AbortController().signal,
});

const provider = (name: string, texts: string[], extra: Partial<ContextProvider> = {}): ContextProvider => ({
  name,
  kind: 'static',
  priority: 50,
  timeoutMs: 1_000,
  filter: true,
  provide: () => Promise.resolve(texts.map((text) => ({ text }))),
  ...extra,
});

const POLICY = [
  'Refunds: items can be returned within 30 days of delivery for a full refund to the original payment method.',
  'Shipping: standard delivery takes 3 to 5 business days; express delivery arrives the next business day.',
  'Our office dog is called Biscuit and enjoys long walks in the park on Sundays.',
  'The cafeteria serves vegetarian lasagna every Thursday at noon.',
];

describe('assembleContext', () => {
  it('keeps the passages about the question and drops the irrelevant ones', async () => {
    const ctx = await assembleContext(
      [provider('policy', POLICY)],
      input('How many days do I have to return an item for a refund?'),
      { threshold: 0.25, maxTokens: 1_000 },
      vectors,
    );
    const kept = ctx.sections.flatMap((s) => s.passages.map((p) => p.text));
    expect(kept).toContain(POLICY[0]);
    expect(kept).not.toContain(POLICY[2]);
    expect(kept).not.toContain(POLICY[3]);
    expect(ctx.dropped.filter((d) => d.reason === 'irrelevant').length).toBeGreaterThanOrEqual(2);
    expect(ctx.sections[0]).toMatchObject({ name: 'policy', kind: 'static', priority: 50, placement: 'turn' });
  });

  it('drops the lowest priority first when the token budget is short', async () => {
    const high = provider('profile', ['The user prefers short answers in French.'], { priority: 80, filter: false });
    const low = provider('notes', ['A long note about something else entirely that takes many tokens to say out loud.'], {
      priority: 10,
      filter: false,
    });
    const ctx = await assembleContext([low, high], input('hello'), { threshold: 0, maxTokens: 12 }, vectors);
    expect(ctx.sections.map((s) => s.name)).toEqual(['profile']);
    expect(ctx.dropped).toEqual([expect.objectContaining({ name: 'notes', reason: 'budget' })]);
    expect(ctx.tokens).toBeLessThanOrEqual(12);
  });

  it('goes on without a provider that throws or times out, and says which', async () => {
    const warnings: string[] = [];
    const ok = provider('time', ['Now: Saturday.'], { filter: false, kind: 'time' });
    const throws = provider('broken', [], { provide: () => Promise.reject(new Error('backend down')) });
    const hangs = provider('slow', [], { timeoutMs: 50, provide: () => new Promise(() => undefined) });
    const ctx = await assembleContext([throws, ok, hangs], input('hi'), { threshold: 0.2, maxTokens: 100 }, vectors, (m) =>
      warnings.push(m),
    );
    expect(ctx.sections.map((s) => s.name)).toEqual(['time']);
    expect(ctx.failed).toEqual([
      { name: 'broken', error: 'backend down' },
      { name: 'slow', error: 'context provider slow timed out after 50 ms' },
    ]);
    expect(warnings.join('\n')).toContain('the run goes on without it');
  });

  it('keeps passages by priority when the embedder fails, within the budget', async () => {
    const failing = new PassageVectors(() => Promise.reject(new Error('no model')));
    const ctx = await assembleContext([provider('policy', POLICY)], input('refund?'), { threshold: 0.9, maxTokens: 1_000 }, failing);
    expect(ctx.sections[0]?.passages.length).toBe(POLICY.length);
    expect(ctx.failed).toEqual([{ name: 'relevance', error: 'no model' }]);
  });
});

describe('renderContext', () => {
  it('puts stable sections first and query-dependent ones right before the newest user message', async () => {
    const ctx = await assembleContext(
      [provider('time', ['Now: Saturday.'], { filter: false }), provider('policy', [POLICY[0] as string], { filter: false })],
      input('refund?'),
      { threshold: 0, maxTokens: 1_000 },
      vectors,
    );
    const turnCtx = { ...ctx, sections: ctx.sections.map((s) => (s.name === 'policy' ? { ...s, placement: 'turn' as const } : s)) };
    const out = renderContext(
      [
        { role: 'user', content: 'earlier' },
        { role: 'assistant', content: 'answer' },
        { role: 'user', content: 'refund?' },
      ],
      turnCtx,
    );
    expect(out.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'system', 'user']);
    expect(out[0]?.content).toContain('## time\nNow: Saturday.');
    expect(out[3]?.content).toContain(`[1] (policy) ${POLICY[0]}`);
  });
});

describe('passages', () => {
  it('splits any text into bounded, non-empty passages that keep every word', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3_000 }), (text) => {
        const out = passages(text, 200);
        for (const p of out) {
          expect(p.trim()).not.toBe('');
          expect(p.length).toBeLessThanOrEqual(200);
        }
        expect(out.join(' ').split(/\s+/).filter(Boolean).join(' ')).toBe(text.split(/\s+/).filter(Boolean).join(' '));
      }),
    );
  });
});
