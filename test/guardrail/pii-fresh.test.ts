/**
 * The second round of PII work (issue 13): the fresh sets written before tuning (dev: pii-fresh, pii-fresh2; blind:
 * pii-fresh-blind, scored only at the start and the end), the rules added on the dev sets, and the lower-cased keyword
 * cues (cue.ts) that keep offsets of the original text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../protocols/index.js';
import { cue, cueMatches, lowered } from '../../actors/guardrail/detectors/pii/cue.js';
import { piiDetector, PII_TYPES } from '../../actors/guardrail/detectors/pii/index.js';
import { belowGoal, fixture, scoreDetector } from './pii-fixture.js';

const detector = piiDetector();
const found = (text: string): string[] =>
  (detector.detect(text, { stage: 'input' }) as readonly Finding[]).map((f) => `${f.type}:${text.slice(f.start, f.end)}`);

describe('pii detector: fresh sets', () => {
  const dev = [...fixture('pii-fresh'), ...fixture('pii-fresh2')];
  const blind = fixture('pii-fresh-blind');

  it('hold ≥ 300 entities of every type, in all four languages and every format, with hard negatives', () => {
    const all = [...dev, ...blind];
    expect(all.flatMap((l) => l.entities).length).toBeGreaterThanOrEqual(300);
    expect(new Set(all.flatMap((l) => l.entities.map((e) => e.type)))).toEqual(new Set(PII_TYPES));
    for (const set of [dev, blind]) {
      expect(new Set(set.map((l) => l.lang))).toEqual(new Set(['en', 'de', 'fr', 'es']));
      for (const f of ['chat', 'email', 'log', 'json', 'code', 'tool']) expect(set.some((l) => l.format === f)).toBe(true);
      expect(set.filter((l) => l.entities.length === 0).length).toBeGreaterThanOrEqual(8);
    }
  });

  it('dev: precision and recall ≥ 0.95 for every type', async () => {
    expect(belowGoal(await scoreDetector(detector, dev), 0.95)).toEqual([]);
  });

  it('blind: precision and recall ≥ 0.95 over all types', async () => {
    const { all } = await scoreDetector(detector, blind);
    expect(all.precision).toBeGreaterThanOrEqual(0.95);
    expect(all.recall).toBeGreaterThanOrEqual(0.95);
  });
});

describe('pii detector: rules of the second round', () => {
  it.each([
    ['Hola Begoña,\nte escribo por lo del piso', 'PERSON:Begoña'],
    ['Saludos,\nMontse', 'PERSON:Montse'],
    ['vor dem Haus von Familie Schubert', 'PERSON:Familie Schubert'],
    ['please ask J. R. Hartley for the keys', 'PERSON:J. R. Hartley'],
    ['soy de Argentina pero vivo en España', 'LOCATION:España'],
    ['Ich komme aus Österreich', 'LOCATION:Österreich'],
    ['je viens du Maroc', 'LOCATION:Maroc'],
    ["I'm from Spain", 'LOCATION:Spain'],
    ['Rufen Sie an unter 0049 30 1234567', 'PHONE:0049 30 1234567'],
    ['kyc iban=de89370400440532013000 ok', 'IBAN:de89370400440532013000'],
    ['Hİ, my name is Zoë Durand', 'PERSON:Zoë Durand'], // İ lower-cases to two units: the cues run on the original
  ])('%s', (text, expected) => {
    expect(found(text)).toContain(expected);
  });

  it.each([
    'sales in Germany grew 4% last quarter, France was flat',
    'Hi team,\nthe build is green',
    'A. Introduction and B. Methods follow',
    'ref 00 12 34 56 is not a number someone dials',
    'hash de89370400440532013001 fails mod-97',
  ])('no finding: %s', (text) => {
    expect(found(text)).toEqual([]);
  });
});

describe('lower-cased keyword cues', () => {
  const sources = [
    "(?<![a-z0-9_])(?:i am|i'm|this is|ich bin|je suis|soy)\\s+",
    '(?:^|[\\s>"\'(])(?:hi|hello|hallo|bonjour|hola|buenos días)[,:]?\\s+',
    '(?<![\\p{L}\\p{N}])(?:born on|geboren am|né le|née le|nacido el|geb\\.)\\s*',
    '(?:wohne|vivo|habite|live)(?![\\p{L}])',
  ].map((s) => cue(s));
  const words = fc.constantFrom('I am ', 'ICH BIN ', 'Soy ', 'Hola ', 'Buenos Días ', 'Né le ', 'GEB. ', 'Wohne', 'live', 'x', ' ', '\n');
  const chars = fc.constantFrom('a', 'Z', 'é', 'É', 'ß', 'ẞ', 'İ', 'ı', 'Σ', 'ſ', '\u0301', '\uD83D\uDE00', '\uD800', '7', '"', '(');
  const text = fc.array(fc.oneof(words, chars), { maxLength: 60 }).map((a) => a.join(''));

  it('lowered() keeps every offset or gives up', () => {
    fc.assert(
      fc.property(text, (t) => {
        const l = lowered(t);
        if (l !== null) expect(l.length).toBe(t.length);
        else expect(t.toLowerCase().length).not.toBe(t.length);
      }),
      { numRuns: 500 },
    );
  });

  it('matches lie inside the text, and on plain (ASCII and Latin-1) text equal the case-insensitive pattern’s', () => {
    fc.assert(
      fc.property(text, (t) => {
        const lower = lowered(t);
        const latin = /^[\0-\u00ff]*$/u.test(t);
        for (const c of sources) {
          const got = [...cueMatches(c, t, lower)].map((m) => [m.index, m[0].length]);
          for (const [i = 0, n = 0] of got) expect(i + n).toBeLessThanOrEqual(t.length);
          if (latin) expect(got).toEqual([...t.matchAll(c.any)].map((m) => [m.index, m[0].length]));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a cue is found in any case, with its offsets in the original text', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zé ]{0,20}$/), fc.constantFrom('ICH BIN ', 'Ich Bin ', 'ich bin '), (pre, word) => {
        const t = `${pre} İ ${word}Jonas`; // İ: the original text is searched
        const u = `${pre} ${word}Jonas`; // the lower-cased copy is searched
        for (const s of [t, u]) {
          const m = [...cueMatches(sources[0] as ReturnType<typeof cue>, s, lowered(s))].at(-1);
          expect(s.slice((m?.index ?? 0) + (m?.[0].length ?? 0))).toBe('Jonas');
        }
      }),
      { numRuns: 200 },
    );
  });
});
