/**
 * The semantic cache's decision on the fixture pairs with the real offline embedder (the cache's int8 USE-lite, see
 * actors/llm/cache/embedder.ts) and the default threshold: no negation, opposite, number or entity pair is ever
 * served the other's answer; at least half the paraphrase pairs are. Plus properties of the gate on generated prompts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bestEntry, cacheEmbedder, entryThreshold, promptTraits, gateReason, type LoadedEntry } from '../../actors/llm/cache/index.js';
import { HashingTestEmbedder, UseLiteEmbedder, USE_LITE_INT8_ID, type Embedder } from '../../actors/memory/index.js';
import { configSchema } from '../../config/index.js';
import { negationPairs, paraphrasePairs } from './pairs.js';

const semantic = configSchema.parse({}).cache.semantic;
const memory = new UseLiteEmbedder();
let embedder: Embedder;
let vectors: Map<string, Float32Array>;

/** An entry for `prompt` as the cache stores it. */
const entry = (prompt: string): LoadedEntry => {
  const floats = vectors.get(prompt) as Float32Array;
  return {
    id: prompt,
    prompt,
    vector: [],
    floats,
    traits: promptTraits(prompt),
    threshold: entryThreshold(prompt, semantic),
    message: { role: 'assistant', content: `answer to ${prompt}` },
    stopReason: 'stop',
    expires: Number.MAX_SAFE_INTEGER,
  };
};

beforeAll(async () => {
  embedder = await cacheEmbedder(() => Promise.resolve(memory))();
  const texts = [...new Set([...paraphrasePairs().flat(), ...negationPairs().flatMap((p) => [p.a, p.b])])];
  const embedded = await embedder.embed(texts);
  vectors = new Map(texts.map((t, i) => [t, embedded[i] as Float32Array]));
}, 120_000);

afterAll(() => memory.close());

describe('the cache’s embedder', () => {
  it('is int8 USE-lite when the node embeds with USE-lite, and the node’s embedder otherwise', async () => {
    expect(embedder.id).toBe(USE_LITE_INT8_ID);
    expect(await cacheEmbedder(() => Promise.resolve(memory))()).toBe(embedder);
    const other = new HashingTestEmbedder();
    expect(await cacheEmbedder(() => Promise.resolve(other))()).toBe(other);
  });
});

describe('semantic cache on the fixture pairs', () => {
  it('has at least 100 varied pairs of each side', () => {
    expect(paraphrasePairs().length).toBeGreaterThanOrEqual(100);
    const neg = negationPairs();
    expect(neg.length).toBeGreaterThanOrEqual(100);
    expect(new Set(neg.map((p) => p.kind))).toEqual(new Set(['negation', 'antonym', 'number', 'entity']));
  });

  it('never serves a negation, opposite, number or entity pair the other prompt’s answer (both directions)', () => {
    const falseHits: string[] = [];
    for (const { kind, a, b } of negationPairs()) {
      if (bestEntry([entry(a)], vectors.get(b) as Float32Array, b) !== undefined) falseHits.push(`${kind}: ${a} -> ${b}`);
      if (bestEntry([entry(b)], vectors.get(a) as Float32Array, a) !== undefined) falseHits.push(`${kind}: ${b} -> ${a}`);
    }
    expect(falseHits).toEqual([]);
  });

  it('serves at least half of the paraphrases from the cache', () => {
    const pairs = paraphrasePairs();
    const hits = pairs.filter(([a, b]) => bestEntry([entry(a)], vectors.get(b) as Float32Array, b) !== undefined).length;
    expect(hits / pairs.length).toBeGreaterThanOrEqual(0.5);
  });

  it('picks the most similar entry that passes the gate, not a closer opposite', () => {
    const query = 'please cancel the order I placed';
    const best = bestEntry([entry("don't cancel my order"), entry('cancel my order')], vectors.get(query) as Float32Array, query);
    expect(best?.entry.prompt).toBe('cancel my order');
  });
});

const word = fc.constantFrom('order', 'account', 'plan', 'card', 'invoice', 'ticket', 'flight', 'booking', 'parcel');
const verb = fc.constantFrom('cancel', 'ship', 'refund', 'renew', 'track', 'update', 'check', 'pay');
const prompt = fc.tuple(verb, word).map(([v, w]) => `please ${v} my ${w}`);

describe('the gate on generated prompts', () => {
  it('refuses a prompt and its negation', () => {
    fc.assert(
      fc.property(prompt, fc.constantFrom("don't", 'do not', 'never', 'please do not'), (p, neg) => {
        const negated = p.replace(/^please /, `${neg} `);
        expect(gateReason(promptTraits(p), promptTraits(negated))).toBe('negation');
      }),
    );
  });

  it('refuses prompts that differ in a number', () => {
    fc.assert(
      fc.property(prompt, fc.nat(10_000), fc.nat(10_000), (p, x, y) => {
        fc.pre(x !== y);
        expect(gateReason(promptTraits(`${p} for ${x} dollars`), promptTraits(`${p} for ${y} dollars`))).toBe('number');
      }),
    );
  });

  it('lets a prompt through against itself, whatever its case and spacing', () => {
    fc.assert(
      fc.property(prompt, (p) => {
        expect(gateReason(promptTraits(p), promptTraits(`  ${p.toUpperCase()}  `))).toBeUndefined();
      }),
    );
  });

  it('never throws on hostile text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.string({ maxLength: 400 }), (a, b) => {
        gateReason(promptTraits(a), promptTraits(b));
      }),
    );
  });
});
