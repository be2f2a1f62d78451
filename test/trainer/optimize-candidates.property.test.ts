/**
 * Candidate versions keep their exact strings (actors/trainer/optimize/candidates.ts): for any instruction text and
 * any demonstrations — Mustache tags, triple braces, HTML, newlines, non-ASCII — saving the candidate as a template
 * version, loading it back and rendering it gives the same body and a text with the strings verbatim (the renderer
 * trims the ends of the body and of each section, the same for every version); the train and
 * held-out split is a partition with both sides non-empty.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PromptLibrary, demosText, splitCases, withDemos, withInstructions, type Demo, type EvalCase } from '../../actors/index.js';
import { configSchema } from '../../config/index.js';
import { MemoryStorage } from '../../runtime/index.js';

const nasty = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom('{{x}}', '{{{y}}}', '{{#a}}b{{/a}}', '{{> p}}', '{{=<% %>=}}', '<b>&amp;</b>', 'naïve 日本 🎭', 'a\n\nb\r\n', '}}{{'),
  fc
    .array(fc.constantFrom('{{', '}}', '{', '}', '#', '/', '>', '&', '<', 'text', ' ', '\n', 'é'), { maxLength: 20 })
    .map((a) => a.join('')),
);

describe('optimisation candidates', () => {
  it('save, load and render reproduce the exact strings', async () => {
    const storage = new MemoryStorage();
    const config = configSchema.parse({ prompts: [{ name: 'base', template: 'Hello {{who}}.', variables: { who: { default: 'you' } } }] });
    const lib = new PromptLibrary(storage, config);
    const base = (await lib.version('t', 'base', 1)).version;
    const baseBody = { template: base.template, description: '', variables: base.variables, sections: base.sections, labels: [] };
    await fc.assert(
      fc.asyncProperty(
        nasty,
        fc.array(fc.record({ input: nasty, output: nasty }), { minLength: 1, maxLength: 4 }),
        async (instructions, pairs) => {
          const demos: Demo[] = pairs.map((p) => ({ ...p, source: 'bootstrap' }));
          const body = withDemos(withInstructions(baseBody, 'base', instructions), demos);
          const saved = await lib.create('t', 'base', body);
          const loaded = (await lib.version('t', 'base', saved.version)).version;
          expect(loaded.template).toBe(body.template);
          expect(loaded.sections).toEqual(body.sections);
          expect(loaded.variables).toEqual(body.variables);
          const text = (await lib.render('t', `base@${saved.version}`, {})).text;
          // Verbatim, but for the whitespace the renderer trims at the ends of the body and of each section.
          expect(text).toContain(demosText(demos).trim());
          if (body.template !== instructions) expect(text).toContain(instructions.trim());
          // Rendering the stored version again gives the same bytes.
          expect((await lib.render('t', `base@${saved.version}`, {})).text).toBe(text);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('splits cases into non-empty train and held-out parts, deterministically', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 60 }), fc.double({ min: 0.1, max: 0.9, noNaN: true }), fc.string(), (n, holdout, seed) => {
        const cases = Array.from({ length: n }, (_, i) => ({ id: `c${i}` }) as unknown as EvalCase);
        const { train, heldout } = splitCases(cases, holdout, seed);
        expect(train.length).toBeGreaterThan(0);
        expect(heldout.length).toBeGreaterThan(0);
        expect([...train, ...heldout].map((c) => c.id).sort()).toEqual(cases.map((c) => c.id).sort());
        expect(splitCases(cases, holdout, seed).heldout.map((c) => c.id)).toEqual(heldout.map((c) => c.id));
      }),
      { numRuns: 200 },
    );
  });
});
