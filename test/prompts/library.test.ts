/**
 * Templates: typed variables (missing and mistyped ones named, never an empty string), partials (recursive
 * ones refused with their chain), sections cut to their token budgets and dropped lowest priority first,
 * versions, labels and diffs on the node's storage, per tenant; config errors with field, line and column.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { PromptLibrary, countTokens, personaText, systemPrompt } from '../../actors/index.js';
import { configSchema, loadConfig } from '../../config/index.js';
import { TemplateSyntaxError, parseTemplate, templateBodySchema, type TemplateBody } from '../../protocols/index.js';
import { MemoryStorage } from '../../runtime/index.js';

const dir = mkdtempSync(join(tmpdir(), 'troupe-prompts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const body = (b: z.input<typeof templateBodySchema>): TemplateBody => templateBodySchema.parse(b);

function library(prompts: unknown[] = [], personas: unknown[] = []): PromptLibrary {
  const config = configSchema.parse({ prompts, personas });
  return new PromptLibrary(new MemoryStorage(), config, () => Date.parse('2026-01-02T03:04:05Z'));
}

describe('rendering', () => {
  const lib = library([
    {
      name: 'support',
      template: 'You support {{product}} for {{customer.name}}.{{#vip}} Be extra kind.{{/vip}} Tags: {{tags}}.\n{{> safety}}',
      variables: {
        product: { type: 'string', required: true },
        customer: { type: 'object', required: true },
        vip: { type: 'boolean', default: false },
        tags: { type: 'array', default: [] },
      },
    },
    { name: 'safety', template: 'Never reveal {{secret_word}}.', variables: { secret_word: { type: 'string', default: 'the password' } } },
  ]);

  it('renders variables, defaults, sections, objects as JSON and partials, without HTML escaping', async () => {
    const out = await lib.render('t1', 'support', { product: 'R&D <tools>', customer: { name: 'Ann' }, vip: true, tags: ['a', 'b'] });
    expect(out.text).toBe('You support R&D <tools> for Ann. Be extra kind. Tags: ["a","b"].\nNever reveal the password.');
    expect(out.prompt).toEqual({ name: 'support', version: 1, label: 'production', partials: { safety: 1 } });
  });

  it('a missing required variable fails naming it', async () => {
    await expect(lib.render('t1', 'support', { customer: { name: 'A' } })).rejects.toThrow(
      /template support@1: variable "product" \(string\) is required but missing/,
    );
  });

  it('a variable of the wrong type fails naming it and both types', async () => {
    await expect(lib.render('t1', 'support', { product: 'x', customer: 'Ann' })).rejects.toThrow(
      /variable "customer" must be of type object, got string/,
    );
    await expect(lib.render('t1', 'support', { product: 'x', customer: {}, vip: 'yes' })).rejects.toThrow(/"vip" must be of type boolean/);
  });

  it('property: any value of the wrong type is refused; any of the right type renders', async () => {
    const kinds = {
      string: fc.string(),
      number: fc.double({ noNaN: true, noDefaultInfinity: true }),
      boolean: fc.boolean(),
      array: fc.array(fc.integer(), { maxLength: 3 }),
      object: fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), fc.integer(), { maxKeys: 3 }),
    } as const;
    const types = Object.keys(kinds) as (keyof typeof kinds)[];
    const typed = library(types.map((t) => ({ name: `t-${t}`, template: `[{{v}}]`, variables: { v: { type: t, required: true } } })));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...types),
        fc.constantFrom(...types).chain((given) => (kinds[given] as fc.Arbitrary<unknown>).map((value) => ({ given, value }))),
        async (declared, { given, value }) => {
          const render = typed.render('t', `t-${declared}`, { v: value });
          if (declared === given) await expect(render).resolves.toBeDefined();
          else await expect(render).rejects.toThrow(/variable "v" must be of type/);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('persona is placed by the template when it uses {{persona}}, else appended', async () => {
    const l = library(
      [{ name: 'p', template: 'Intro.\n{{persona}}\nRules.' }],
      [{ name: 'pirate', tone: 'playful', verbosity: 'terse', language: 'French' }],
    );
    const req = { tenant: 't', metadata: {}, options: {}, now: 0 };
    const placed = await systemPrompt(l, { name: 'a', instructions: '', prompt: 'p', persona: 'pirate' }, req);
    expect(placed.text).toBe(
      `Intro.\n${personaText({ name: 'pirate', description: '', tone: 'playful', verbosity: 'terse', language: 'French' })}\nRules.`,
    );
    const appended = await systemPrompt(l, { name: 'a', instructions: 'Help.' }, { ...req, options: { persona: 'pirate' } });
    expect(appended.text).toMatch(/^Help\.\n\nPersona: pirate\.\nTone: playful\.\nVerbosity: terse .*\nAlways answer in French\.$/);
    await expect(systemPrompt(l, { name: 'a', instructions: 'x' }, { ...req, options: { persona: 'nobody' } })).rejects.toThrow(
      /persona nobody not found/,
    );
  });
});

describe('sections and token budgets', () => {
  const long = (word: string, n: number): string => Array.from({ length: n }, () => word).join(' ');
  const lib = library([
    {
      name: 'ctx',
      template: 'Answer from the context below.',
      maxTokens: 60,
      variables: { a: { type: 'string' }, b: { type: 'string' }, c: { type: 'string' } },
      sections: [
        { name: 'policy', template: 'Policy: {{a}}', priority: 10 },
        { name: 'history', template: 'History: {{b}}', priority: 1 },
        { name: 'docs', template: 'Docs: {{c}}', priority: 5, maxTokens: 8 },
      ],
    },
  ]);

  it('cuts a section to its own budget', async () => {
    const out = await lib.render('t', 'ctx', { a: 'short', b: 'short', c: long('apple', 50) });
    const docs = out.text.split('\n\n').find((s) => s.startsWith('Docs:')) as string;
    expect(countTokens(docs)).toBeLessThanOrEqual(8);
    expect(out.prompt.dropped).toBeUndefined();
  });

  it('drops the lowest-priority section first to fit the template budget, and says so', async () => {
    const out = await lib.render('t', 'ctx', { a: long('rule', 20), b: long('earlier', 30), c: 'x' });
    expect(out.prompt.dropped).toEqual(['history']);
    expect(out.text).toContain('Policy: rule');
    expect(out.text).not.toContain('History:');
    expect(countTokens(out.text)).toBeLessThanOrEqual(60);
  });

  it('property: the render fits the budget whenever the body alone does, keeping higher priorities first', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(40), fc.nat(40), fc.nat(40), async (na, nb, nc) => {
        const out = await lib.render('t', 'ctx', { a: long('a', na), b: long('b', nb), c: long('c', nc) });
        expect(countTokens(out.text)).toBeLessThanOrEqual(60 + 4); // joins add at most a token or two per kept section
        const dropped = out.prompt.dropped ?? [];
        if (dropped.includes('policy')) expect(dropped).toEqual(expect.arrayContaining(['history', 'docs']));
        if (dropped.includes('docs')) expect(dropped).toContain('history');
      }),
      { numRuns: 40 },
    );
  });
});

describe('versions, labels, diff, tenancy', () => {
  it('creates versions, moves labels, resolves name / name@label / name@N, diffs by line, per tenant', async () => {
    const lib = library([{ name: 'greet', template: 'Hello {{who}}.', variables: { who: { type: 'string', default: 'you' } } }]);
    const v2 = await lib.create(
      'acme',
      'greet',
      body({ template: 'Hi {{who}}!\nWelcome.', variables: { who: { type: 'string', default: 'you' } }, labels: ['candidate'] }),
    );
    expect(v2.version).toBe(2);
    expect((await lib.render('acme', 'greet', {})).text).toBe('Hello you.');
    expect((await lib.render('acme', 'greet@candidate', {})).text).toBe('Hi you!\nWelcome.');
    expect((await lib.render('acme', 'greet@2', {})).prompt).toEqual({ name: 'greet', version: 2 });
    await lib.setLabel('acme', 'greet', 'production', 2);
    expect((await lib.render('acme', 'greet', {})).prompt.version).toBe(2);
    // Another tenant still sees config's production version and none of acme's.
    expect((await lib.render('globex', 'greet', {})).prompt.version).toBe(1);
    await expect(lib.render('globex', 'greet@2', {})).rejects.toThrow(/has no version 2/);
    const d = await lib.diff('acme', 'greet', 1, 2);
    expect(d.patch).toContain('-Hello {{who}}.');
    expect(d.patch).toContain('+Hi {{who}}!');
    expect(d.patch).toContain('+Welcome.');
    expect(d.changes.some((c) => c.added)).toBe(true);
    expect((await lib.summary('acme', 'greet'))?.labels).toEqual({ production: 2, candidate: 2 });
  });

  it('a new name gets production on its first version; unknown names, labels and versions are not_found', async () => {
    const lib = library();
    await lib.create('t', 'fresh', body({ template: 'v1' }));
    await lib.create('t', 'fresh', body({ template: 'v2' }));
    expect((await lib.render('t', 'fresh', {})).text).toBe('v1');
    await expect(lib.render('t', 'nope', {})).rejects.toMatchObject({ code: 'not_found', message: 'prompt template nope not found' });
    await expect(lib.render('t', 'fresh@gold', {})).rejects.toThrow(/has no version labelled gold/);
    await expect(lib.render('t', 'fresh@9', {})).rejects.toThrow(/has no version 9/);
    await expect(lib.setLabel('t', 'fresh', 'x', 9)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a version that uses an undeclared variable or does not parse', async () => {
    const lib = library();
    await expect(lib.create('t', 'bad', body({ template: 'Hi {{who}}' }))).rejects.toThrow(/variable "who" is used but not declared/);
    await expect(lib.create('t', 'bad', body({ template: 'line one\n  {{#open}} never closed' }))).rejects.toThrow(
      /line 2, column 3: Unclosed section "open"/,
    );
  });

  it('refuses recursive partials at create, and at render when labels are moved into a cycle', async () => {
    const lib = library();
    await lib.create('t', 'a', body({ template: 'A {{> b}}' }));
    await expect(lib.create('t', 'b', body({ template: 'B {{> a}}' }))).rejects.toThrow(/recursive partial: b → a → b/);
    await expect(lib.create('t', 'self', body({ template: 'S {{> self}}' }))).rejects.toThrow(/recursive partial/);
    // b exists without the cycle; then a candidate version of b that includes a is labelled production.
    await lib.create('t', 'b', body({ template: 'B' }));
    expect((await lib.render('t', 'a', {})).text).toBe('A B');
    await lib.create('t', 'b', body({ template: 'B2 {{> c}}' }));
    await lib.create('t', 'c', body({ template: 'C {{> a}}' })).catch(() => undefined);
    await lib.setLabel('t', 'b', 'production', 2);
    await expect(lib.render('t', 'a', {})).rejects.toThrow(/recursive partial: a → b → c → a|includes partial c/);
  });
});

describe('template syntax', () => {
  it('errors carry line and column', () => {
    try {
      parseTemplate('first line\nsecond {{#items}}\nthird');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TemplateSyntaxError);
      expect((e as TemplateSyntaxError).line).toBe(2);
      expect((e as TemplateSyntaxError).message).toMatch(/line 2, column \d+: Unclosed section "items"/);
    }
    expect(() => parseTemplate('ok {{name}\n')).toThrow(/line 1, column 4: Unclosed tag/);
    expect(() => parseTemplate('ok {{name}\n{{x}}')).toThrow(/line 1, column 4: bad tag/);
    expect(() => parseTemplate('{{> Bad Name}}')).toThrow(/bad partial name/);
  });

  it('property: hostile text either parses or fails with a TemplateSyntaxError whose line is within the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('{', '}', '#', '/', '^', '>', '!', 'a', '\n', ' ', '&', '=') }), (t) => {
        try {
          parseTemplate(t);
        } catch (e) {
          expect(e).toBeInstanceOf(TemplateSyntaxError);
          const lines = t.split('\n').length;
          expect((e as TemplateSyntaxError).line).toBeGreaterThanOrEqual(1);
          expect((e as TemplateSyntaxError).line).toBeLessThanOrEqual(lines);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('config', () => {
  const errorOf = (file: string): string => {
    try {
      loadConfig({ file, env: {} });
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('config loaded');
  };

  it('a syntax error in a template file names the file, the field, line and column', () => {
    const tpl = join(dir, 'support.mustache');
    writeFileSync(tpl, 'Hello\n{{#open}}\n');
    const file = join(dir, 'c1.json');
    writeFileSync(file, JSON.stringify({ prompts: [{ name: 'support', file: tpl }] }));
    const msg = errorOf(file);
    expect(msg).toContain('prompts.0.template');
    expect(msg).toContain(`${tpl} line 2, column 1: Unclosed section "open"`);
    expect(msg).toContain('c1.json');
  });

  it('inline templates: undeclared variables, bad defaults and cycles are config errors', () => {
    const file = join(dir, 'c2.json');
    writeFileSync(
      file,
      JSON.stringify({
        prompts: [
          { name: 'x', template: 'Hi {{who}}', variables: { n: { type: 'number', default: 'one' } } },
          { name: 'a', template: '{{> b}}' },
          { name: 'b', versions: [{ template: 'ok' }, { template: '{{> a}}' }] },
        ],
      }),
    );
    const msg = errorOf(file);
    expect(msg).toMatch(/prompts\.0\.template.*declare "who"/);
    expect(msg).toMatch(/prompts\.0\.variables\.n\.default.*type number/);
    expect(msg).toMatch(/partials without a cycle \((a → b → a|b → a → b)\)/);
  });

  it('an agent may name a prompt instead of instructions; a remote agent may not', () => {
    expect(() => configSchema.parse({ agents: [{ name: 'a', prompt: 'support@production' }] })).not.toThrow();
    expect(() => configSchema.parse({ agents: [{ name: 'a' }] })).toThrow(/instructions or a prompt/);
    expect(() => configSchema.parse({ agents: [{ name: 'a', prompt: 'Bad Ref!' }] })).toThrow(/template reference/);
    expect(() => configSchema.parse({ agents: [{ name: 'r', remote: { card: 'http://x/card' }, prompt: 'p' }] })).toThrow(
      /no prompt on a remote/,
    );
  });
});
