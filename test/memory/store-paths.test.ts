/**
 * Field paths (LangGraph's index-field syntax) and the filter / namespace rules as pure
 * functions: the texts a path selects, locations for sealing, malformed paths refused, and
 * operator semantics including incomparable values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareValue,
  jsonEqual,
  listNamespaces,
  locate,
  matchesItemFilter,
  matchesPattern,
  stableJson,
  textsAt,
  tokenizePath,
  validateFilter,
} from '../../actors/memory/store/index.js';
import { StoreEngine } from '../../actors/memory/store/engine.js';
import { MemoryStorage, SimulatedClock } from '../../runtime/index.js';
import { HashingTestEmbedder } from '../../actors/memory/embedders/test-embedder.js';

const doc = {
  title: 'Trip',
  tags: ['oslo', 'rain'],
  sections: [
    { heading: 'Day 1', body: 'museum' },
    { heading: 'Day 2', body: 'fjord' },
  ],
  meta: { author: { name: 'Ada' }, year: 2026, draft: false, none: null },
};

describe('field paths', () => {
  it('select texts as LangGraph does', () => {
    expect(textsAt(doc, 'title')).toEqual(['Trip']);
    expect(textsAt(doc, 'tags')).toEqual(['["oslo","rain"]']);
    expect(textsAt(doc, 'tags[*]')).toEqual(['oslo', 'rain']);
    expect(textsAt(doc, 'tags[-1]')).toEqual(['rain']);
    expect(textsAt(doc, 'tags[5]')).toEqual([]);
    expect(textsAt(doc, 'sections[*].body')).toEqual(['museum', 'fjord']);
    expect(textsAt(doc, 'sections[0].{heading,body}')).toEqual(['Day 1', 'museum']);
    expect(textsAt(doc, 'meta.author.name')).toEqual(['Ada']);
    expect(textsAt(doc, 'meta.*')).toEqual(['{"name":"Ada"}', '2026', 'false']);
    expect(textsAt(doc, 'missing.path')).toEqual([]);
    expect(textsAt({ b: 1, a: 2 }, '$')).toEqual(['{"a":2,"b":1}']);
  });

  it('locate concrete locations for sealing', () => {
    expect(locate(doc, 'sections[*].body')).toEqual([
      ['sections', 0, 'body'],
      ['sections', 1, 'body'],
    ]);
    expect(locate(doc, '$')).toEqual([[]]);
    expect(locate(doc, 'meta.none')).toEqual([['meta', 'none']]);
  });

  it('refuse malformed paths with a clear bad_request, at startup for configured ones', () => {
    expect(() => tokenizePath('a[x]')).toThrow(/\[x\] is not \[\*\] or an integer index/);
    expect(() => tokenizePath('a[1')).toThrow(/unclosed \[/);
    const bucket = new MemoryStorage().bucket('store');
    expect(
      () =>
        new StoreEngine({
          bucket,
          tenant: 't',
          clock: new SimulatedClock(),
          index: { embedder: new HashingTestEmbedder(8), rules: [{ prefix: [], fields: ['a[oops]'] }] },
        }),
    ).toThrow(/a\[oops\]/);
    expect(
      () =>
        new StoreEngine({ bucket, tenant: 't', clock: new SimulatedClock(), encryption: { sensitive: [{ prefix: [], paths: ['{a'] }] } }),
    ).toThrow(/unclosed \{/);
  });

  it('stableJson equals JSON.parse-equal values regardless of key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(stableJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
          const reversed = Object.fromEntries(Object.entries(v).reverse());
          expect(stableJson(reversed)).toBe(stableJson(v));
        }
      }),
    );
  });
});

describe('filters and namespace patterns', () => {
  it('apply operators; incomparable values match no ordering operator', () => {
    expect(compareValue(5, { $gt: 3, $lte: 5 })).toBe(true);
    expect(compareValue('b', { $gt: 'a' })).toBe(true);
    expect(compareValue('5', { $gt: 3 })).toBe(false);
    expect(compareValue(undefined, { $ne: 3 })).toBe(true);
    expect(compareValue({ a: 1, b: 2 }, { $eq: { b: 2, a: 1 } })).toBe(true);
    expect(compareValue({ a: 1, b: 2 }, { a: 1 })).toBe(true);
    expect(compareValue([1, 2], [1, 2])).toBe(true);
    expect(compareValue([1, 2], [1])).toBe(false);
    expect(matchesItemFilter({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(matchesItemFilter({ a: 1 }, null)).toBe(true);
    expect(() => validateFilter({ a: { nested: { $regex: 'x' } } })).toThrow(/filter\.a\.nested: unsupported operator "\$regex"/);
  });

  it('jsonEqual is an equivalence on JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(jsonEqual(a, a)).toBe(true);
        expect(jsonEqual(a, b)).toBe(jsonEqual(b, a));
        expect(jsonEqual(a, b)).toBe(stableJson(a) === stableJson(b));
      }),
    );
  });

  it('match prefixes and suffixes with * and list namespaces with max_depth', () => {
    expect(matchesPattern(['a', 'b', 'c'], ['a', '*'], 'prefix')).toBe(true);
    expect(matchesPattern(['a', 'b', 'c'], ['*', 'c'], 'suffix')).toBe(true);
    expect(matchesPattern(['a'], ['a', '*'], 'prefix')).toBe(false);
    expect(listNamespaces([['b'], ['a', 'z'], ['a', 'b', 'c']], { maxDepth: 1, limit: 10, offset: 0 })).toEqual([['a'], ['b']]);
  });
});
