/**
 * The `pii` detector: EMAIL, PHONE, CREDIT_CARD, IBAN, US_SSN, IP_ADDRESS, PERSON, LOCATION and DATE_OF_BIRTH in
 * English, German, French and Spanish text (chat, mail, logs, JSON, code, tool output). Rules run on the original
 * text, so offsets are UTF-16 indices into it; where two rules claim overlapping text the more certain one wins
 * (a checked structure beats a context rule).
 */
import type { Finding } from '../../../../protocols/index.js';
import type { Detector } from '../../detector.js';
import { resolveOverlaps, toFindings, type Span } from '../text/pii-spans.js';
import { findBirthDates } from './birth.js';
import { cueIndex, lowered } from './cue.js';
import { findLocations } from './location.js';
import { findPersons } from './person.js';
import { findPhones } from './phone.js';
import { findCards, findEmails, findIbans, findIps, findSsns } from './structured.js';
import { findVcards } from './vcard.js';

/** Every type the pii detector returns. */
export const PII_TYPES = ['EMAIL', 'PHONE', 'CREDIT_CARD', 'IBAN', 'US_SSN', 'IP_ADDRESS', 'PERSON', 'LOCATION', 'DATE_OF_BIRTH'] as const;
/** A pii finding type. */
export type PiiType = (typeof PII_TYPES)[number];

/** Options of {@link piiDetector}. */
export interface PiiOptions {
  /** The types to look for (default: all of {@link PII_TYPES}). */
  readonly types?: readonly PiiType[];
  /** Findings scored below this are dropped (default 0: every rule's finding counts). */
  readonly minScore?: number;
}

/** A rule: the text, and its lower-cased copy when that keeps every offset (for the keyword cues, see cue.ts). */
type Rule = (text: string, lower: string | null) => Span[];

const RULES: ReadonlyArray<readonly [readonly PiiType[], Rule]> = [
  [['EMAIL'], findEmails],
  [['IBAN'], findIbans],
  [['CREDIT_CARD'], findCards],
  [['US_SSN'], findSsns],
  [['IP_ADDRESS'], findIps],
  [['PHONE'], findPhones],
  [['DATE_OF_BIRTH'], findBirthDates],
  [['LOCATION'], findLocations],
  [['PERSON'], findPersons],
  [['PERSON', 'PHONE', 'LOCATION', 'DATE_OF_BIRTH'], findVcards],
];

/** Scores by type when two rules overlap: checked structures first, then context rules. */
const PRIORITY: Readonly<Record<string, number>> = {
  EMAIL: 6,
  IBAN: 6,
  CREDIT_CARD: 5,
  US_SSN: 5,
  IP_ADDRESS: 5,
  DATE_OF_BIRTH: 4,
  PHONE: 3,
  LOCATION: 2,
  PERSON: 1,
};

/** Finds personal data in a text; pure, synchronous and safe on any string. */
export function piiDetector(options: PiiOptions = {}): Detector {
  const types = new Set<string>(options.types ?? PII_TYPES);
  const minScore = options.minScore ?? 0;
  const rules = RULES.filter(([t]) => t.some((x) => types.has(x)));
  cueIndex();
  return {
    name: 'pii',
    types: [...types],
    detect(text: string): readonly Finding[] {
      const spans: Span[] = [];
      const lower = lowered(text);
      // Synchronous: no deadline can pass while it runs, so it never reads `ctx.signal` (reading it makes the check's
      // AbortController, a few µs and a KiB per check on the first token's path).
      for (const [, rule] of rules) for (const s of rule(text, lower)) if (types.has(s.type) && s.score >= minScore) spans.push(s);
      if (spans.length === 0) return [];
      // Rank by type priority first (an e-mail's local part is not a name), then by the rule's own score.
      const ranked = spans.map((s) => ({ ...s, score: (PRIORITY[s.type] ?? 0) + s.score }));
      const kept = resolveOverlaps(ranked).map((s) => ({ ...s, score: s.score - (PRIORITY[s.type] ?? 0) }));
      return toFindings('pii', kept);
    },
  };
}
