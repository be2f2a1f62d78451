import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { idGenerator, newTraceparent, childTraceparent, traceparentSchema, envelopeSchema } from '../../protocols/index.js';
import { traceparentArb } from './arbitraries.js';

const isTraceparent = (s: string): boolean => traceparentSchema.safeParse(s).success;
const traceId = (tp: string): string => tp.slice(3, 35);
const spanId = (tp: string): string => tp.slice(36, 52);
const flags = (tp: string): string => tp.slice(53);

describe('idGenerator', () => {
  it('gives 100k unique ids from one generator', () => {
    const next = idGenerator();
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(next());
    expect(seen.size).toBe(100_000);
  });

  it('two generators never collide', () => {
    const a = idGenerator();
    const b = idGenerator();
    const fromA = new Set<string>();
    for (let i = 0; i < 50_000; i++) fromA.add(a());
    let collisions = 0;
    for (let i = 0; i < 50_000; i++) if (fromA.has(b())) collisions++;
    expect(collisions).toBe(0);
  });

  it('many generators: distinct random prefixes', () => {
    const firsts = new Set(Array.from({ length: 2_000 }, () => idGenerator()()));
    expect(firsts.size).toBe(2_000);
  });

  it('ids are `<16 hex>.<base36 counter>` and valid envelope ids', () => {
    const next = idGenerator();
    const ids = Array.from({ length: 40 }, () => next());
    const prefix = ids[0]?.split('.')[0] ?? '';
    expect(prefix).toMatch(/^[0-9a-f]{16}$/);
    ids.forEach((id, i) => expect(id).toBe(`${prefix}.${i.toString(36)}`));
    for (const id of ids) expect(envelopeSchema.shape.id.safeParse(id).success).toBe(true);
  });

  it('uses a given prefix', () => {
    const next = idGenerator('node-a');
    expect([next(), next(), next()]).toEqual(['node-a.0', 'node-a.1', 'node-a.2']);
  });
});

describe('newTraceparent', () => {
  it('is a valid, sampled, unique root', () => {
    const all = Array.from({ length: 2_000 }, () => newTraceparent());
    for (const tp of all) {
      expect(isTraceparent(tp)).toBe(true);
      expect(tp).toHaveLength(55);
      expect(flags(tp)).toBe('01');
    }
    expect(new Set(all.map(traceId)).size).toBe(all.length);
  });
});

describe('childTraceparent', () => {
  it('keeps trace id, version and flags; gives a new valid span', () => {
    fc.assert(
      fc.property(traceparentArb, (parent) => {
        const child = childTraceparent(parent);
        expect(isTraceparent(child)).toBe(true);
        expect(traceId(child)).toBe(traceId(parent));
        expect(child.slice(0, 3)).toBe('00-');
        expect(flags(child)).toBe(flags(parent));
        expect(spanId(child)).not.toBe(spanId(parent));
      }),
      { numRuns: 1000 },
    );
  });

  it('span ids are unique across many children, and a child of a child stays in the trace', () => {
    const root = newTraceparent();
    const spans = new Set<string>();
    let tp = root;
    for (let i = 0; i < 50_000; i++) {
      const child = childTraceparent(i % 2 === 0 ? root : tp);
      spans.add(spanId(child));
      tp = child;
    }
    expect(spans.size).toBe(50_000);
    expect(traceId(tp)).toBe(traceId(root));
    expect(isTraceparent(tp)).toBe(true);
  });

  it('a missing or wrong-length parent yields a fresh valid root', () => {
    const real = newTraceparent();
    for (const parent of [undefined, '', 'garbage', real.slice(0, 54), `${real}0`, `${real}-extra`]) {
      const child = childTraceparent(parent);
      expect(isTraceparent(child)).toBe(true);
      expect(flags(child)).toBe('01');
      if (parent) expect(traceId(child)).not.toBe(traceId(real));
    }
  });

  // BUG (protocols/ids.ts): only the length is checked, so a malformed parent of exactly 55
  // characters is spliced instead of replaced by a fresh root; the result fails traceparentSchema.
  const malformed55: [string, string][] = [
    ['55 x characters', 'x'.repeat(55)],
    ['all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['uppercase hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01'],
    ['wrong separators', '00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01'],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
  ];
  for (const [label, parent] of malformed55) {
    it(`malformed 55-char parent (${label}) yields a valid root`, () => {
      expect(parent).toHaveLength(55);
      expect(isTraceparent(childTraceparent(parent))).toBe(true);
    });
  }
});
