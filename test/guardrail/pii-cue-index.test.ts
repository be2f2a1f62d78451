/**
 * The pii cues found through the literal index (cue.ts): a cue is tried only where one of its literals occurs, and a
 * cue that begins with the text's start or a separator (`(?:^|[\s,;"'])key:`) only around the matches of what follows
 * the separator. Either way the matches must be those of a global scan of the lower-cased text, groups included, on
 * texts built to make literals overlap (a literal inside another, a separator inside a literal, repeated cues).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cue, cueMatches, hasCue, lowered } from '../../actors/guardrail/detectors/pii/cue.js';
import { allMatches } from '../../actors/guardrail/detectors/matches.js';

const cues = [
  // a separator or the text's start, then literals with a space and a separator inside them
  '(?:^|[\\s>"\'(])(?:hi|hello|buenos días|thank you|you|cc|@)[,:]?\\s+@?',
  '(?:^|[\\s,;({"\'])(?:full_?name|name|nom|nom complet|to|an|de)["\']?\\s*[:=]\\s*["\']?',
  // a leading look-behind, groups, literals that are prefixes of each other
  '(?<![\\p{L}])(?:(city|ort|ortsteil)|(country|land))["\']?(?:([ \\t]*[:=])[ \\t]*["\']?|[ \\t]+)',
  '(?<![\\p{L}\\p{N}])(?:born on|born|geboren am|geboren|né le|né|nacido el)\\s*',
  '(?<=\\s)(?:geboren|born|né|née)\\b',
  '(?:best regards|regards|best|thanks|thank you|--)[,.!]?[ \\t]*\\r?\\n[ \\t]*',
].map((s) => cue(s));

const fragments = fc.constantFrom(
  'hi ',
  'Hi, ',
  'hello',
  'Buenos Días ',
  'thank you ',
  'you ',
  '@',
  'cc ',
  'name: ',
  '"name": "',
  'nom complet = ',
  'to:',
  'de =',
  'Full_Name:',
  'city ',
  'Ortsteil: ',
  'country=',
  'LAND ',
  'born on ',
  'Geboren am ',
  'né ',
  'Née',
  'best regards,\n',
  'Thanks\n',
  '--\r\n',
  ' ',
  '\n',
  '\t',
  ',',
  ';',
  '"',
  "'",
  '(',
  '>',
  'x',
  'É',
  'ß',
  '\uD83D\uDE00',
);
const text = fc.array(fragments, { maxLength: 40 }).map((a) => a.join(''));

describe('pii cues through the literal index', () => {
  it('find the matches of a global scan of the lower-cased text, groups included', () => {
    fc.assert(
      fc.property(text, (t) => {
        const lower = lowered(t);
        if (lower === null) return;
        for (const c of cues) {
          const got = cueMatches(c, t, lower).map((m) => [m.index, ...m]);
          const want = allMatches(c.lower, lower).map((m) => [m.index, ...m]);
          expect(got).toEqual(want);
          c.lower.lastIndex = 0;
          expect(hasCue(c, t, lower)).toBe(c.lower.test(lower));
          c.lower.lastIndex = 0;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
