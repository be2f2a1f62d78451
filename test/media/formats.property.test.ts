/**
 * The output-format option parser on hostile input (fast-check): whatever a request's `config.output_format` holds, the
 * parser answers a list of valid formats or a ZodError naming a field under `output_format` — never another throw, a
 * hang or a format it did not check. The offline model's JSON fits the simple schemas it claims to fill.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sampleJson } from '../../actors/llm/offline-json.js';
import { checkJson } from '../../actors/agent/formats.js';
import { sentenceEnd } from '../../actors/agent/speaker.js';
import { joinWavs } from '../../actors/media/index.js';
import { OUTPUT_FORMAT_TYPES, jsonSchemaProblem, outputFormatSchema, runOptionsFrom } from '../../protocols/index.js';
import { toneWav } from './openai-audio-server.js';

const typeArb = fc.oneof(fc.constantFrom(...OUTPUT_FORMAT_TYPES), fc.string({ maxLength: 12 }));
const schemaArb = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({ type: fc.constantFrom('object', 'string', 'number', 'array', 'nope'), properties: fc.jsonValue({ maxDepth: 2 }) }),
  fc.constant({ $ref: '#/$defs/a', $defs: { a: { $ref: '#/$defs/a' } } }),
  fc.constant({ type: 'string', pattern: '(' }),
);
const formatArb = fc.oneof(
  typeArb,
  fc.record(
    { type: typeArb, schema: schemaArb, name: fc.string({ maxLength: 80 }), voice: fc.jsonValue(), mime: fc.string() },
    { requiredKeys: ['type'] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);
const optionArb = fc.oneof(formatArb, fc.array(formatArb, { maxLength: 6 }));

describe('config.output_format on hostile input', () => {
  it('parses to checked formats or throws a ZodError under output_format', () => {
    fc.assert(
      fc.property(optionArb, fc.boolean(), (output_format, configurable) => {
        const config = configurable ? { configurable: { output_format } } : { output_format };
        let formats: unknown;
        try {
          formats = runOptionsFrom(config).output_format;
        } catch (e) {
          expect(e).toBeInstanceOf(z.ZodError);
          expect((e as z.ZodError).issues[0]?.path[0]).toBe('output_format');
          return;
        }
        if (output_format === null) return; // a null option is no option
        expect(Array.isArray(formats)).toBe(true);
        const list = formats as unknown[];
        expect(list.length).toBeGreaterThan(0);
        const types = list.map((f) => outputFormatSchema.parse(f).type);
        expect(new Set(types).size).toBe(types.length);
        expect(types.includes('json') && types.includes('audio')).toBe(false);
        for (const f of list)
          if ((f as { type: string }).type === 'json') expect(jsonSchemaProblem((f as { schema: never }).schema)).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });

  it('a deep or huge schema is refused without walking all of it', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 10_000; i++) deep = { type: 'array', items: deep };
    expect(jsonSchemaProblem(deep)).toMatch(/nested deeper/);
    expect(jsonSchemaProblem({ description: 'x'.repeat(70_000) })).toMatch(/over \d+ characters/);
  });
});

describe('the offline model fills simple schemas', () => {
  const leaf = fc.oneof(
    fc.record({ type: fc.constant('string'), minLength: fc.nat(20), maxLength: fc.integer({ min: 20, max: 40 }) }),
    fc.record({ type: fc.constantFrom('integer', 'number'), minimum: fc.integer({ min: -50, max: 50 }) }),
    fc.record({ type: fc.constant('boolean') }),
    fc.record({ enum: fc.array(fc.oneof(fc.string(), fc.integer()), { minLength: 1, maxLength: 4 }) }),
  );
  const objectArb = fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), leaf, { maxKeys: 6 }).map((properties) => ({
    type: 'object',
    properties,
    required: Object.keys(properties),
  }));

  it('its answer passes the check the run makes', () => {
    fc.assert(
      fc.property(objectArb, fc.string({ maxLength: 60 }), (schema, words) => {
        const answer = JSON.stringify(sampleJson(schema, words));
        expect(checkJson(answer, schema)).toMatchObject({ ok: true });
      }),
      { numRuns: 200 },
    );
  });
});

describe('speech pieces', () => {
  it('sentences end at their punctuation; a long run-on is cut at a space', () => {
    expect(sentenceEnd('One. Two')).toBe(5);
    expect(sentenceEnd('No end yet')).toBe(0);
    const long = 'word '.repeat(200);
    const cut = sentenceEnd(long);
    expect(cut).toBeGreaterThan(0);
    expect(cut).toBeLessThanOrEqual(401);
  });

  it('joined WAVs hold every sample of each', () => {
    const a = toneWav(100);
    const b = toneWav(250);
    const joined = Buffer.from(joinWavs([a, b]));
    expect(joined.length).toBe(a.length + b.length - 44);
    expect(joined.readUInt32LE(4)).toBe(joined.length - 8);
  });
});
