/**
 * Several run guards as one (composeRunGuards): however a reply is cut into tokens, the chain releases what running
 * the whole reply through each guard in turn releases — each guard's redaction applied, nothing either redacts ever
 * released — and a refusal by any guard (input, tool call, a blocked stream) refuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GuardEngine, GuardPolicy, composeRunGuards, customDetectors, runGuard, type RunGuard } from '../../actors/index.js';
import { configSchema } from '../../config/index.js';

const INFO = { tenant: 't', runId: 'r1', threadId: 'th1', agent: 'a' };

/** A run guard whose one keyword detector finds `word` (type `type`), acted on as `action` at every stage. */
async function guardOf(word: string, type: string, action: 'redact' | 'block' | 'review', holdBackChars = 8): Promise<RunGuard> {
  const g = configSchema.parse({
    guardrails: {
      custom: [{ name: type.toLowerCase(), type, keywords: [word], score: 0.99 }],
      rules: [{ name: `${type}-rule`, stages: ['input', 'output', 'tool_call', 'tool'], type, action }],
    },
  }).guardrails;
  const engine = new GuardEngine(await customDetectors(g.custom), new GuardPolicy(g));
  return runGuard({ engine, stream: { holdBackChars, maxHoldChars: 4096 } }, INFO);
}

/** `text` through a fresh reply guard of `guard` in one push. */
async function whole(guard: RunGuard, text: string): Promise<string> {
  const r = guard.reply();
  const pushed = await r.push(text);
  return pushed + (await r.end()).text;
}

/** Cuts `text` at the given points. */
function cut(text: string, points: readonly number[]): string[] {
  const at = [...new Set(points.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const p of [...at, text.length]) {
    if (p > from) out.push(text.slice(from, p));
    from = Math.max(from, p);
  }
  return out;
}

const words = fc.array(fc.constantFrom('apple', 'banana', 'pear', 'and', 'an', 'apples', 'x'), { minLength: 1, maxLength: 14 });
const separators = fc.array(fc.constantFrom(' ', '  ', ', ', '\n'), { minLength: 14, maxLength: 14 });
const textOf = (ws: readonly string[], seps: readonly string[]): string => ws.map((w, i) => w + (seps[i] ?? ' ')).join('');

describe('composeRunGuards', () => {
  it('releases, however the reply is cut, what the whole reply through each guard in turn gives', async () => {
    await fc.assert(
      fc.asyncProperty(words, separators, fc.array(fc.nat(200), { maxLength: 12 }), async (ws, seps, points) => {
        const [a, b] = [await guardOf('apple', 'FRUIT_A', 'redact'), await guardOf('banana', 'FRUIT_B', 'redact')];
        const text = textOf(ws, seps);
        const expected = await whole(b, await whole(a, text));
        const rg = composeRunGuards([a, b]).reply();
        const released: string[] = [];
        for (const token of cut(text, points)) released.push(await rg.push(token));
        released.push((await rg.end()).text);
        expect(released.join('')).toBe(expected);
        expect(rg.text).toBe(expected);
        for (const piece of released) expect(piece).not.toMatch(/\bapple\b|\bbanana\b/);
        if (ws.includes('apple')) expect(expected).toContain('[REDACTED:FRUIT_A]');
        if (ws.includes('banana')) expect(expected).toContain('[REDACTED:FRUIT_B]');
      }),
      { numRuns: 60 },
    );
  });

  it("holds a reviewed span and all after it, in whichever guard reviews it, with the other guard's redaction applied", async () => {
    await fc.assert(
      fc.asyncProperty(
        words,
        separators,
        fc.array(fc.nat(200), { maxLength: 12 }),
        fc.boolean(),
        async (ws, seps, points, reviewerFirst) => {
          const reviewer = await guardOf('apple', 'FRUIT_A', 'review');
          const redactor = await guardOf('banana', 'FRUIT_B', 'redact');
          const text = textOf(ws, seps);
          const rg = composeRunGuards(reviewerFirst ? [reviewer, redactor] : [redactor, reviewer]).reply();
          const released: string[] = [];
          for (const token of cut(text, points)) released.push(await rg.push(token));
          const end = await rg.end();
          released.push(end.text);
          const out = released.join('');
          expect(rg.text).toBe(out);
          expect(out).not.toMatch(/\bapple\b|\bbanana\b/);
          // Approved, the held part follows what was released: the whole reply, the redaction applied.
          expect(out + (end.review?.held ?? '')).toBe(text.replaceAll(/\bbanana\b/g, '[REDACTED:FRUIT_B]'));
          expect(end.review?.types).toEqual(ws.includes('apple') ? ['FRUIT_A'] : undefined);
          if (end.review !== undefined) expect(end.review.held).not.toMatch(/\bbanana\b/);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses input, tool calls and the reply when any guard refuses them, and merges quarantines', async () => {
    await fc.assert(
      fc.asyncProperty(words, separators, fc.boolean(), async (ws, seps, blockerFirst) => {
        const blocker = await guardOf('banana', 'FRUIT_B', 'block');
        const redactor = await guardOf('apple', 'FRUIT_A', 'redact');
        const guard = composeRunGuards(blockerFirst ? [blocker, redactor] : [redactor, blocker]);
        const text = textOf(ws, seps);
        const refused = ws.includes('banana');

        const input = await guard.input([{ role: 'user', content: text }]);
        expect('refuse' in input).toBe(refused);
        if ('go' in input) expect(input.go[0]?.content).toBe(text.replaceAll(/\bapple\b/g, '[REDACTED:FRUIT_A]'));

        const call = { id: 'c1', name: 'lookup', arguments: { q: text } };
        const step = await guard.toolCall(call);
        expect('refuse' in step).toBe(refused);

        const result = await guard.toolResult(call, text);
        expect(result.quarantined ?? []).toEqual(refused ? ['FRUIT_B'] : []);

        const rg = guard.reply();
        const ended = (async () => {
          for (const token of cut(text, [3, 7, 11])) await rg.push(token);
          return rg.end();
        })();
        if (refused) await expect(ended).rejects.toThrow(/stopped by the guardrail policy/);
        else expect((await ended).text + '').not.toContain('banana');
        guard.close();
      }),
      { numRuns: 40 },
    );
  });

  it('restores tool-call arguments in reverse order: the guard that pseudonymised last restores first', async () => {
    const seen: string[] = [];
    const tagging = (name: string): RunGuard => ({
      input: async (m) => ({ go: m }),
      model: async (m) => m,
      reply: () => ({ text: '', push: async (t) => t, end: async () => ({ text: '' }) }),
      toolCall: async (c) => {
        seen.push(`${name}:${String(c.arguments['q'])}`);
        return { go: { q: `${String(c.arguments['q'])}>${name}` } };
      },
      toolResult: async (_c, content) => ({ content }),
      close: () => undefined,
    });
    const step = await composeRunGuards([tagging('node'), tagging('blueprint')]).toolCall({ id: 'c', name: 't', arguments: { q: 'x' } });
    expect(step).toEqual({ go: { q: 'x>blueprint>node' } });
    expect(seen).toEqual(['blueprint:x', 'node:x>blueprint']);
  });
});
