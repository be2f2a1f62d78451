/**
 * Document parsing and chunking: chunks stay under the size limit, never cross a heading,
 * break between sentences, overlap, lose no sentence, and cite source offsets that point at
 * their own text — property-tested on generated Markdown and plain text, with HTML and JSON
 * cases for entity decoding, skipped tags and paths.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkBlocks, guessFormat, parseDocument, sentences } from '../../actors/memory/rag/index.js';
import { ValidationError } from '../../protocols/index.js';

const ws = (s: string): string => s.replace(/\s+/g, ' ').trim();

const word = fc.array(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), { minLength: 1, maxLength: 9 }).map((a) => a.join(''));
const sentence = fc
  .tuple(fc.array(word, { minLength: 1, maxLength: 14 }), fc.constantFrom('.', '!', '?'))
  .map(([w, p]) => `${w.join(' ').replace(/^./, (c) => c.toUpperCase())}${p}`);
const paragraph = fc.array(sentence, { minLength: 1, maxLength: 6 }).map((s) => s.join(' '));
const section = fc.record({
  level: fc.integer({ min: 1, max: 3 }),
  title: word,
  paras: fc.array(paragraph, { minLength: 1, maxLength: 4 }),
});
const markdownDoc = fc
  .array(section, { minLength: 1, maxLength: 5 })
  .map((secs) => secs.map((s) => `${'#'.repeat(s.level)} ${s.title}\n\n${s.paras.join('\n\n')}`).join('\n\n'));

describe('chunking', () => {
  it('keeps chunks under maxChars, inside one section, citing their own text, and loses no sentence', () => {
    fc.assert(
      fc.property(markdownDoc, fc.integer({ min: 80, max: 400 }), (md, maxChars) => {
        const overlapChars = Math.floor(maxChars / 4);
        const blocks = parseDocument(md, 'markdown');
        const chunks = chunkBlocks(blocks, { maxChars, overlapChars });
        chunks.forEach((c, i) => {
          expect(c.index).toBe(i);
          // Text joined across paragraphs with a blank line, so allow that slack per paragraph break.
          expect(c.text.replace(/\n\n/g, ' ').length).toBeLessThanOrEqual(maxChars);
          expect(ws(md.slice(c.start, c.end))).toBe(ws(c.text));
          expect(md.slice(c.start, c.end)).not.toMatch(/^#/m); // no heading line inside a chunk
        });
        // Every sentence that fits in a chunk appears whole in a chunk of its own section (longer ones are cut, tested below).
        for (const b of blocks)
          for (const s of sentences(b.text))
            if (s.end - s.start <= maxChars)
              expect(
                chunks.some((c) => c.headings.join('/') === b.headings.join('/') && c.text.includes(b.text.slice(s.start, s.end))),
              ).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it('overlaps consecutive chunks of a section by whole trailing sentences', () => {
    const text = Array.from({ length: 12 }, (_, i) => `Sentence number ${i} is here.`).join(' ');
    const chunks = chunkBlocks(parseDocument(text, 'text'), { maxChars: 100, overlapChars: 40 });
    expect(chunks.length).toBeGreaterThan(3);
    for (let i = 1; i < chunks.length; i++) {
      const prevLast = (chunks[i - 1] as { text: string }).text.split(/(?<=\.) /).at(-1) as string;
      expect((chunks[i] as { text: string }).text.startsWith(prevLast)).toBe(true);
      expect((chunks[i] as { start: number }).start).toBeLessThan((chunks[i - 1] as { end: number }).end);
    }
    expect(chunks.at(-1)?.text.endsWith('Sentence number 11 is here.')).toBe(true);
  });

  it('cuts a sentence longer than a chunk between words', () => {
    const long = `${'word '.repeat(100)}end.`;
    const chunks = chunkBlocks(parseDocument(long, 'text'), { maxChars: 60, overlapChars: 0 });
    expect(chunks.every((c) => c.text.length <= 60 && !c.text.startsWith(' '))).toBe(true);
    expect(chunks.map((c) => c.text).join(' ')).toBe(long);
  });

  it('splits sentences at terminal punctuation followed by a capital, not inside numbers', () => {
    const t = 'Pi is about 3.14 in value. Is it? Yes! "Quoted" starts here.';
    expect(sentences(t).map((s) => t.slice(s.start, s.end))).toEqual([
      'Pi is about 3.14 in value.',
      'Is it?',
      'Yes!',
      '"Quoted" starts here.',
    ]);
  });

  it('refuses nonsensical sizes', () => {
    expect(() => chunkBlocks([], { maxChars: 10 })).toThrow(ValidationError);
    expect(() => chunkBlocks([], { maxChars: 100, overlapChars: 60 })).toThrow(ValidationError);
  });
});

describe('document formats', () => {
  it('HTML: skips head, script and style, decodes entities, takes headings, cites source offsets', () => {
    const html =
      '<html><head><title>T</title><style>p { color: red }</style></head>' +
      '<body><h1>Iron</h1><script>var x = "<p>no</p>";</script><p>Iron &amp; steel are <b>strong</b>.</p>' +
      '<h2>Uses</h2><p>Iron is used in tools.</p></body></html>';
    const chunks = chunkBlocks(parseDocument(html, 'html'));
    expect(chunks.map((c) => [c.headings, c.text])).toEqual([
      [['Iron'], 'Iron & steel are strong.'],
      [['Iron', 'Uses'], 'Iron is used in tools.'],
    ]);
    expect(html.slice(chunks[0]?.start, chunks[0]?.end)).toBe('Iron &amp; steel are <b>strong</b>.');
    expect(html.slice(chunks[1]?.start, chunks[1]?.end)).toBe('Iron is used in tools.');
  });

  it('HTML: the cited source range, with tags stripped and entities decoded, is the chunk text (property)', () => {
    const entity = fc.constantFrom(['&amp;', '&'], ['&lt;', '<'], ['&#233;', 'é'], ['&nbsp;', ' ']);
    const run = fc.oneof(
      word.map((w) => [w, w]),
      entity,
      word.map((w) => [`<b>${w}</b>`, w]),
    );
    const para = fc
      .array(fc.array(run, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 })
      .map((sents) => sents.map((r) => [`${r.map((x) => x[0]).join(' ')}. `, `${r.map((x) => x[1]).join(' ')}.`]));
    const doc = fc.array(fc.tuple(word, fc.array(para, { minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 3 });
    const strip = (h: string): string =>
      h
        .replace(/<[^>]+>/g, '')
        .replace(/&amp;/g, '&')
        .replace(/&lt;/g, '<')
        .replace(/&#233;/g, 'é')
        .replace(/&nbsp;/g, ' ');
    fc.assert(
      fc.property(doc, (sections) => {
        const html = sections
          .map(([h, paras]) => `<h2>${h}</h2>${paras.map((p) => `<p>${p.map((x) => x[0]).join('')}</p>`).join('')}`)
          .join('');
        for (const c of chunkBlocks(parseDocument(html, 'html'), { maxChars: 120, overlapChars: 30 }))
          expect(ws(strip(html.slice(c.start, c.end)))).toBe(ws(c.text));
      }),
      { numRuns: 60 },
    );
  });

  it('JSON: leaves become "key: value" under their parent path, offsets on the source', () => {
    const src = JSON.stringify({
      name: 'Helium',
      facts: ['Helium is a light gas.', 'Its atomic number is 2.'],
      info: { discovered: 1868 },
    });
    const chunks = chunkBlocks(parseDocument(src, 'json'));
    expect(chunks.map((c) => [c.headings, c.text])).toEqual([
      [[], 'name: Helium'],
      [['facts'], 'Helium is a light gas.\n\nIts atomic number is 2.'],
      [['info'], 'discovered: 1868'],
    ]);
    expect(src.slice(chunks[1]?.start, chunks[1]?.end)).toBe('Helium is a light gas.","Its atomic number is 2.');
    expect(() => parseDocument('{"a":', 'json')).toThrow(SyntaxError);
  });

  it('Markdown: code fences are not headings; plain text has no headings', () => {
    const md = '# A\n\n```\n# not a heading\n```\n\n## B\n\nText.';
    expect(parseDocument(md, 'markdown').map((b) => b.headings)).toEqual([['A'], ['A', 'B']]);
    expect(parseDocument('# not a heading in text\n\nPara.', 'text').every((b) => b.headings.length === 0)).toBe(true);
    expect([guessFormat('a.md'), guessFormat('text/html'), guessFormat('x.json'), guessFormat('notes.txt')]).toEqual([
      'markdown',
      'html',
      'json',
      'text',
    ]);
  });
});
