/**
 * DATE_OF_BIRTH: a date right after a birth phrase or a birth-date field in any of our four languages; the finding
 * spans the date only. A date anywhere else is not personal data for this detector.
 */
import { lineStart, type Span } from '../text/pii-spans.js';
import { cue, cueMatches, lowered } from './cue.js';
import { allMatches } from '../matches.js';
import { tableCells } from './table.js';

const MONTHS =
  'january|february|march|april|may|june|july|august|september|october|november|december|' +
  'jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|' +
  'januar|jänner|februar|märz|maerz|mai|juni|juli|oktober|dezember|' +
  'janvier|février|fevrier|mars|avril|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|' +
  'enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre';
const DAY = '(?:[0-3]?\\d)(?:st|nd|rd|th|er|\\.|º)?';
const YEAR = '(?:1[89]\\d\\d|20[0-2]\\d)';
const DATE = new RegExp(
  [
    `${YEAR}[-/.](?:0?[1-9]|1[0-2])[-/.](?:[0-3]?\\d)`,
    `(?:[0-3]?\\d)[./-](?:0?[1-9]|1[0-2])[./-](?:${YEAR}|\\d\\d)`,
    `(?:0?[1-9]|1[0-2])/(?:[0-3]?\\d)/(?:${YEAR}|\\d\\d)`,
    `${DAY}\\s?(?:of\\s|de\\s)?(?:${MONTHS})\\.?,?\\s(?:de\\s|del\\s)?${YEAR}`,
    `(?:${MONTHS})\\.?\\s${DAY},?\\s${YEAR}`,
    // Compact (`19850307`) and month and year only ("born in March 1985", "en marzo de 1985").
    `${YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])(?!\\d)`,
    `(?:${MONTHS})\\.?\\s(?:de\\s)?${YEAR}`,
  ].join('|'),
  'iu',
);
const DATE_G = new RegExp(DATE.source, 'giu');
const BORN_AFTER = cue('(?<=\\s)(?:geboren|born|né|née|nacido|nacida)\\b');
const YEAR_ONLY = new RegExp(`${YEAR}(?!\\d)`, 'y');

const CONTEXT = cue(
  [
    '(?<![\\p{L}\\p{N}])(?:born on|born|birth ?date|date of birth|d\\.o\\.b\\.?|dob|',
    'birthday|geboren am|geboren|geb\\.|geburtsdatum|geburtstag|',
    'né le|née le|né\\(e\\) le|né|née|date de naissance|naissance|',
    'nacido el|nacida el|nació el|nací el|naci el|nacido|nacida|nació|nací|',
    'fecha de nacimiento|f\\. ?nac\\.?|fecha nac\\.?|nacimiento|cumpleaños|',
    'birth_?date|date_?of_?birth|dateofbirth|fecha_?nacimiento|',
    'date_?naissance|geburts_?datum)(?![\\p{L}])["\']?\\s*(?:[:=]|is|was|war|',
    'est|es|fue|ist)?\\s*["\']?\\s*(?:on|am|le|el|the|in|en|im)?\\s*',
  ].join(''),
);

/** Table columns that hold dates of birth (CSV, TSV, `|` tables of tool output). */
const TABLE_BIRTH = new RegExp(
  [
    '^(?:dob|d\\.o\\.b\\.?|birth_?date|birthdate|birthday|date[ _]?of[ _]?birth|born|geburtsdatum|geb\\.?|geburtstag|',
    'date[ _]?(?:de[ _]?)?naissance|naissance|né\\(e\\) le|fecha[ _]?(?:de[ _]?)?nacimiento|nacimiento|f\\.? ?nac\\.?)$',
  ].join(''),
  'iu',
);
const WHOLE_DATE = new RegExp(`^(?:${DATE.source})$`, 'iu');

const DATE_AT = new RegExp(DATE.source, 'iuy');
/**
 * The start of a reply on the next line: a speaker's label ("Customer:", "Client :"), then perhaps a few words of
 * assent before the answer ("Sure, it's", "Oui, c'est le", "Sí, el").
 */
const TURN_LABEL = /[ \t]*\p{L}[\p{L}\p{M} .'’-]{0,24}[ \t]?:[ \t]*/uy;
const ASSENT = new RegExp(
  "(?:(?:sure|yes|yeah|yep|ok|okay|of course|it's|it’s|it is|that's|that’s|oui|bien sûr|c'est|c’est|le|sí|si|claro|" +
    "es|el|ja|klar|natürlich|das ist|der|am|the|on|uh|um|erm|well|so|mine is|mine’s|mine's|euh|pues|ähm|also)" +
    '(?![\\p{L}])[ \\t]*[,.:!]?[ \\t]*){0,3}',
  'iuy',
);

/** A turn's label without its spacing and colon, lower-case. */
const speaker = (label: string): string =>
  label
    .replace(/[\s:]+/g, ' ')
    .trim()
    .toLowerCase();

/**
 * A birth date asked for on one line and given at the start of the next: "Agent: … your date of birth?⏎Customer:
 * 12 October 1958, …", "Agent : … votre date de naissance.⏎Client : 17 août 1983.". `at` is the end of the cue; the
 * answer's `[start, end)`, or undefined.
 */
function nextTurnDate(text: string, at: number): [number, number] | undefined {
  const eol = at + text.slice(at, at + 161).indexOf('\n');
  if (eol < at) return undefined;
  // The question is a turn too, and another speaker answers ("Agent: …⏎Customer: …", not "Note: …⏎Deadline: …").
  TURN_LABEL.lastIndex = lineStart(text, at, 200);
  const asked = TURN_LABEL.exec(text);
  if (asked === null || asked.index + asked[0].length > at) return undefined;
  let pos = eol + 1;
  TURN_LABEL.lastIndex = pos;
  const label = TURN_LABEL.exec(text);
  if (label === null || speaker(label[0]) === speaker(asked[0])) return undefined;
  pos += label[0].length;
  ASSENT.lastIndex = pos;
  pos += ASSENT.exec(text)?.[0].length ?? 0;
  DATE_AT.lastIndex = pos;
  const d = DATE_AT.exec(text);
  if (d === null || /^\d/.test(text.slice(pos + d[0].length, pos + d[0].length + 1))) return undefined;
  return [pos, pos + d[0].length];
}

/** Dates of birth. */
export function findBirthDates(text: string, lower: string | null = lowered(text)): Span[] {
  const out: Span[] = [];
  for (const m of cueMatches(CONTEXT, text, lower)) {
    const at = m.index + m[0].length;
    // The date follows at once or after a short aside on the same sentence ("born in Lyon on 3 May 1990").
    const window = text.slice(at, at + 48);
    const d = DATE.exec(window);
    // Not across a sentence or into the next clause ("… geboren, die Feier ist am 12.05.2026").
    if (
      d !== null &&
      // A line break inside the cue only after a field's name ("Date of birth:⏎12.03.1990", "DOB⏎…" on a line of its
      // own), not after words of a log line ("… updated date of birth⏎2026-01-14 INFO …").
      (!/^[^:=]*\n/.test(m[0]) || /(?:^|\n)[ \t]*$/.test(text.slice(Math.max(0, m.index - 40), m.index))) &&
      !/[.!?]\s|\n|[,;]\s*\p{L}{3,}\s+\p{L}/u.test(window.slice(0, d.index)) &&
      !/^\d/.test(window.slice(d.index + d[0].length))
    ) {
      const start = at + d.index;
      if (d.index === 0 || !/\d/.test(window[d.index - 1] ?? ''))
        out.push({ type: 'DATE_OF_BIRTH', start, end: start + d[0].length, score: 0.95 });
      continue;
    }
    const answer = nextTurnDate(text, at);
    if (answer !== undefined) {
      out.push({ type: 'DATE_OF_BIRTH', start: answer[0], end: answer[1], score: 0.85 });
      continue;
    }
    YEAR_ONLY.lastIndex = at;
    const y = YEAR_ONLY.exec(text);
    if (y !== null && /(in|en|im)\s*$/i.test(m[0])) out.push({ type: 'DATE_OF_BIRTH', start: at, end: at + y[0].length, score: 0.7 });
  }
  for (const c of tableCells(text, TABLE_BIRTH))
    if (WHOLE_DATE.test(text.slice(c.start, c.end))) out.push({ type: 'DATE_OF_BIRTH', start: c.start, end: c.end, score: 0.9 });
  // The date before the verb: "Ich wurde am 3. Oktober 1975 geboren", "I was 12 March 1990 born" is rare but German does it.
  for (const m of cueMatches(BORN_AFTER, text, lower)) {
    const from = Math.max(0, m.index - 40);
    const window = text.slice(from, m.index);
    let last: RegExpExecArray | undefined;
    for (const d of allMatches(DATE_G, window)) last = d;
    const gap = window.slice(last?.index === undefined ? 0 : last.index + last[0].length);
    // The date right before the verb, or with the birthplace between ("am 2. März 1985 in Graz geboren").
    if (last === undefined || !(gap.length <= 3 || /^\s*(?:in|à|en|a)\s+\p{Lu}[\p{L}-]+(?:\s\p{Lu}[\p{L}-]+)?\s*$/u.test(gap))) continue;
    out.push({ type: 'DATE_OF_BIRTH', start: from + last.index, end: from + last.index + last[0].length, score: 0.9 });
  }
  return out;
}
