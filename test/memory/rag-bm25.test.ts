/**
 * The keyword side and the glue of hybrid retrieval: the BM25 tokenizer and scoring (checked
 * against the formula), add/remove, metadata filters (property-tested against a direct
 * reading of the operators) and reciprocal rank fusion.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Bm25Index, matchesFilter, reciprocalRankFusion, stem, tokenize, type Metadata } from '../../actors/memory/rag/index.js';

describe('BM25', () => {
  it('tokenizes: lower-case, folded accents, no stop words, light stems', () => {
    expect(tokenize('The Planets of the Solar System, orbiting São Paulo!')).toEqual([
      'planet',
      'solar',
      'system',
      'orbit',
      'sao',
      'paulo',
    ]);
    expect(['moons', 'studies', 'classes', 'boxes', 'walked', 'gas', 'virus', 'axis'].map(stem)).toEqual([
      'moon',
      'study',
      'class',
      'box',
      'walk',
      'gas',
      'virus',
      'axis',
    ]);
  });

  it('scores with Okapi BM25 and ranks rare terms above common ones', () => {
    const ix = new Bm25Index();
    ix.add('a', 'mars red planet');
    ix.add('b', 'venus planet hot planet');
    ix.add('c', 'jupiter giant planet');
    const hits = ix.search('red planet', 3);
    expect(hits.map((h) => h.id)).toEqual(['a', 'b', 'c']);
    // By hand: N=3, avgdl=10/3; "red" df=1, "planet" df=3.
    const idf = (df: number): number => Math.log(1 + (3 - df + 0.5) / (df + 0.5));
    const part = (f: number, dl: number): number => (f * 2.2) / (f + 1.2 * (0.25 + (0.75 * dl) / (10 / 3)));
    expect(hits[0]?.score).toBeCloseTo(idf(1) * part(1, 3) + idf(3) * part(1, 3), 10);
    expect(hits[1]?.score).toBeCloseTo(idf(3) * part(2, 4), 10);
  });

  it('forgets removed and replaced texts, and filters', () => {
    const ix = new Bm25Index();
    ix.add('a', 'iron metal');
    ix.add('b', 'copper metal');
    expect(ix.remove('a')).toBe(true);
    expect(ix.remove('a')).toBe(false);
    expect(ix.search('iron', 5)).toEqual([]);
    ix.add('b', 'gold');
    expect(ix.search('copper', 5)).toEqual([]);
    expect(ix.search('gold', 5).map((h) => h.id)).toEqual(['b']);
    ix.add('c', 'gold coin');
    expect(ix.search('gold', 5, (id) => id !== 'b').map((h) => h.id)).toEqual(['c']);
    expect(ix.size).toBe(2);
    expect(ix.search('the of and', 5)).toEqual([]);
  });
});

describe('metadata filters', () => {
  const meta: Metadata = { topic: 'planets', year: 1877, tags: ['moon', 'mars'], draft: false, none: null };

  it('matches equality, operators and array fields', () => {
    expect(matchesFilter(meta, undefined)).toBe(true);
    expect(matchesFilter(meta, { topic: 'planets', draft: false })).toBe(true);
    expect(matchesFilter(meta, { topic: 'animals' })).toBe(false);
    expect(matchesFilter(meta, { tags: 'mars' })).toBe(true);
    expect(matchesFilter(meta, { tags: { $in: ['venus', 'moon'] } })).toBe(true);
    expect(matchesFilter(meta, { tags: { $nin: ['moon'] } })).toBe(false);
    expect(matchesFilter(meta, { year: { $gte: 1877, $lt: 1900 } })).toBe(true);
    expect(matchesFilter(meta, { year: { $gt: 1877 } })).toBe(false);
    expect(matchesFilter(meta, { year: { $gt: '1000' } })).toBe(false); // no cross-type comparison
    expect(matchesFilter(meta, { missing: { $exists: false }, none: { $exists: true } })).toBe(true);
    expect(matchesFilter(meta, { topic: { $ne: 'planets' } })).toBe(false);
  });

  it('agrees with a direct reading of $in/$gte on scalar fields (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 5 }),
        fc.integer({ min: 0, max: 20 }),
        (v, set, lo) => {
          expect(matchesFilter({ v }, { v: { $in: set, $gte: lo } })).toBe(set.includes(v) && v >= lo);
        },
      ),
    );
  });
});

describe('reciprocal rank fusion', () => {
  it('adds 1/(k+rank) per list and ranks agreement first', () => {
    const fused = reciprocalRankFusion(
      [
        [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
        [{ id: 'b' }, { id: 'c' }, { id: 'd' }],
      ],
      60,
    );
    expect(fused.map((h) => h.id)).toEqual(['b', 'c', 'a', 'd']);
    expect(fused[0]?.score).toBeCloseTo(1 / 62 + 1 / 61, 12);
  });

  it('never ranks an id below one that is worse in every list (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { maxLength: 15 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { maxLength: 15 }),
        (x, y) => {
          const lists = [x.map((i) => ({ id: `d${i}` })), y.map((i) => ({ id: `d${i}` }))];
          const fused = reciprocalRankFusion(lists);
          const rank = (l: { id: string }[], id: string): number => {
            const i = l.findIndex((h) => h.id === id);
            return i < 0 ? Infinity : i;
          };
          const pos = new Map(fused.map((h, i) => [h.id, i]));
          for (const a of fused)
            for (const b of fused) {
              if (lists.every((l) => rank(l, a.id) < rank(l, b.id))) expect(pos.get(a.id) as number).toBeLessThan(pos.get(b.id) as number);
            }
        },
      ),
    );
  });
});
