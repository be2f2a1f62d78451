/**
 * The PII detector's name lists from compromise's lexicon (actors/guardrail/detectors/pii/lexicon-data.ts) are what
 * the installed compromise gives: loading compromise cost each process 1.5 s of CPU, so its lists are stored, and this
 * test keeps them true to it. `UPDATE_LEXICON=1 npx vitest run test/guardrail/pii-lexicon.test.ts` writes them anew.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LEXICON } from '../../actors/guardrail/detectors/pii/lexicon-data.js';
import {
  CITY_NAMES,
  COMMON_WORDS,
  FIRST_NAMES,
  LAST_NAMES,
  lexiconLists,
  type LexiconLists,
} from '../../actors/guardrail/detectors/pii/lexicon.js';
import { ROOT } from '../gateway/cli-fixture.js';

const FILE = join(ROOT, 'actors/guardrail/detectors/pii/lexicon-data.ts');

/** Words joined by spaces in lines of at most `width` characters. */
function chunks(list: readonly string[], width = 110): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of list) {
    if (line !== '' && line.length + 1 + w.length > width) {
      out.push(line);
      line = '';
    }
    line = line === '' ? w : `${line} ${w}`;
  }
  if (line !== '') out.push(line);
  return out;
}

function source(lists: LexiconLists, version: string): string {
  const list = (name: keyof LexiconLists): string =>
    `  ${name}: [\n${chunks(lists[name])
      .map((c) => `    ${JSON.stringify(c)},`)
      .join('\n')}\n  ],`;
  return `/**
 * One-word first names, surnames, cities and ordinary words of compromise ${version}'s English lexicon (lexicon.ts
 * lexiconLists), words joined by spaces. Written by test/guardrail/pii-lexicon.test.ts (UPDATE_LEXICON=1). Do not edit.
 */
import type { LexiconLists } from './lexicon.js';

// prettier-ignore
export const LEXICON: LexiconLists = {
${(['first', 'last', 'cities', 'common'] as const).map(list).join('\n')}
};
`;
}

describe('the stored compromise lexicon lists', () => {
  it('are the lists the installed compromise gives, and the name sets hold them', () => {
    const require = createRequire(import.meta.url);
    const nlp = require('compromise') as { model(): { one: { lexicon: Record<string, string | string[]> } } };
    const version = (JSON.parse(readFileSync(join(ROOT, 'node_modules/compromise/package.json'), 'utf8')) as { version: string }).version;
    const lists = lexiconLists(nlp.model().one.lexicon);
    if (process.env['UPDATE_LEXICON'] === '1') writeFileSync(FILE, source(lists, version));
    const stored = (name: keyof LexiconLists): string[] => LEXICON[name].flatMap((c) => c.split(' '));
    for (const name of ['first', 'last', 'cities', 'common'] as const) expect(stored(name), name).toEqual(lists[name]);
    expect(lists.first.length).toBeGreaterThan(1000);
    expect(lists.common.length).toBeGreaterThan(10_000);
    for (const w of ['mary', 'wilhelm']) expect(FIRST_NAMES.has(w), w).toBe(lists.first.includes(w) || FIRST_NAMES.has(w));
    for (const w of lists.first.slice(0, 50)) expect(FIRST_NAMES.has(w), w).toBe(true);
    for (const w of lists.last.slice(0, 50)) expect(LAST_NAMES.has(w), w).toBe(true);
    for (const w of lists.cities.slice(0, 50)) expect(CITY_NAMES.has(w), w).toBe(true);
    expect([...COMMON_WORDS].sort()).toEqual([...new Set(lists.common)].sort());
  });
});
