/**
 * Text normalisation for rule matching, keeping a map back to the original offsets: NFKC, zero-width and format
 * characters removed, accents stripped, lower case, homoglyphs folded (Cyrillic and Greek look-alikes → Latin),
 * leetspeak folded inside words that have letters (`1gn0r3` → `ignore`), letter-spaced words joined
 * (`i g n o r e` → `ignore`), whitespace runs collapsed to one space. Lone surrogates and control characters become
 * spaces, and `\\n`-style escapes (text inside JSON strings) spaces, so any string is safe to pass.
 */
import { allMatches } from '../matches.js';

/** A normalised text and, for each of its UTF-16 units, the offset of the original unit it came from. */
export interface NormalizedText {
  /** The normalised text. */
  readonly text: string;
  /** `offsets[i]` is where normalised unit `i` starts in the original; `offsets[text.length]` is the original's length. */
  readonly offsets: Int32Array;
}

/** Cyrillic and Greek letters that look like Latin ones (lower case; upper case is lowered first). */
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', ѕ: 's', і: 'i',
  ї: 'i', ј: 'j', ԁ: 'd', ӏ: 'l', һ: 'h', ԛ: 'q', ԝ: 'w', ɡ: 'g', ʏ: 'y', ı: 'i', ɑ: 'a', ο: 'o', α: 'a', β: 'b', ε: 'e',
  ι: 'i', κ: 'k', ν: 'v', ρ: 'p', τ: 't', υ: 'u', χ: 'x', γ: 'y', ω: 'w', η: 'n', μ: 'u', ς: 's', ѵ: 'v', ℓ: 'l',
}; // prettier-ignore

/** Leetspeak digits and symbols, folded only inside words that also hold letters. */
const LEET: Readonly<Record<string, string>> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '!': 'i' };

/** Characters dropped outright: zero-width and other format characters, variation selectors, combining marks. */
const DROP = /[\p{Cf}\p{M}\u034f\u115f\u1160\u3164\uffa0]/u;
const LETTER = /\p{L}/u;

/** Normalises one code point to zero or more lower-case, accent-free, homoglyph-folded characters. */
function foldCodePoint(cp: string): string {
  if (cp.length === 1) {
    const c = cp.charCodeAt(0);
    if (c < 0x80)
      return c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 32) : c < 0x20 ? (c === 9 || c === 10 || c === 13 ? cp : ' ') : cp;
    if (c >= 0xd800 && c <= 0xdfff) return ' '; // lone surrogate
  }
  let known = FOLDED.get(cp);
  if (known === undefined) {
    known = foldSlow(cp);
    if (FOLDED.size < FOLDED_MAX) FOLDED.set(cp, known);
  }
  return known;
}

/** Folded code points seen so far (accented letters, homoglyphs, punctuation: a few hundred in practice). */
const FOLDED = new Map<string, string>();
const FOLDED_MAX = 8192;

function foldSlow(cp: string): string {
  if (DROP.test(cp)) return '';
  const folded = cp.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFKC').toLowerCase();
  let out = '';
  for (const ch of folded) out += HOMOGLYPHS[ch] ?? (/\p{Cc}/u.test(ch) ? ' ' : ch);
  return out;
}

/** Joins letter-spaced words (`i g n o r e`, `i.g.n.o.r.e`): single letters separated by one separator char, 4 or more. */
const SPACED = /(?<![\p{L}\p{N}])[\p{L}013457@$](?:(?:[ .\-_*/|]|\s{2,4})[\p{L}013457@$](?![\p{L}\p{N}])){3,}/gu;
const UNIT = /[\p{L}013457@$]/u;

/** Per ASCII code: 1 for a separator {@link SPACED} allows alone (`. - _ * / |`), 2 for other whitespace, 3 for a space. */
const GAP_KIND = new Uint8Array(128);
for (const ch of '.-_*/|') GAP_KIND[ch.charCodeAt(0)] = 1;
for (const ch of '\t\n\v\f\r') GAP_KIND[ch.charCodeAt(0)] = 2;
GAP_KIND[0x20] = 3;

/** Per BMP unit above U+007F: 0 not yet known, 1 a letter, 2 another digit or number, 3 whitespace, 4 anything else. */
const WIDE_KIND = new Uint8Array(0x10000);
function wideKind(c: number): number {
  let k = WIDE_KIND[c]!;
  if (k === 0) {
    const ch = String.fromCharCode(c);
    WIDE_KIND[c] = k = /\p{L}/u.test(ch) ? 1 : /\p{N}/u.test(ch) ? 2 : /\s/u.test(ch) ? 3 : 4;
  }
  return k;
}

/** Whether a unit is a letter or digit (`[\p{L}\p{N}]`). */
function alnumAt(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a);
  const k = wideKind(c);
  return k === 1 || k === 2;
}

/** Whether a unit can be one letter of a spaced word: a letter, `0 1 3 4 5 7`, `@` or `$`. */
function spacedUnit(c: number): boolean {
  if (c >= 0x80) return wideKind(c) === 1;
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) return true;
  return c === 0x30 || c === 0x31 || c === 0x33 || c === 0x34 || c === 0x35 || c === 0x37 || c === 0x40 || c === 0x24;
}

/**
 * Whether {@link SPACED} matches, by a loop over the text's units (the regex tries its Unicode classes at every position
 * of every text): four single units or more (a unit with no letter or digit right after it, nor right before the first),
 * each separated from the next by a space, one of `. - _ * / |`, or two to four whitespace characters. A text with a
 * surrogate (a character outside the BMP) is left to the regex (true).
 */
export function maySpace(s: string): boolean {
  let run = 0;
  let gap = 0; // units since the last single unit
  let sep = false; // the gap is one separator
  let ws = true; // the gap is whitespace only
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0xd800 && c <= 0xdfff) return true;
    const next = k + 1 < s.length ? s.charCodeAt(k + 1) : 0;
    if (spacedUnit(c) && !(next !== 0 && next >= 0xd800 && next <= 0xdfff) && !(k + 1 < s.length && alnumAt(next))) {
      const joins = run > 0 && ((gap === 1 && sep) || (gap >= 2 && gap <= 4 && ws));
      run = joins ? run + 1 : k > 0 && alnumAt(s.charCodeAt(k - 1)) ? 0 : 1;
      if (run >= 4) return true;
      gap = 0;
      sep = false;
      ws = true;
      continue;
    }
    const kind = c < 0x80 ? GAP_KIND[c]! : wideKind(c) === 3 ? 2 : 0;
    if (kind === 0) {
      run = 0;
      continue;
    }
    gap++;
    sep = gap === 1 && kind !== 2;
    ws &&= kind >= 2;
  }
  return false;
}
/** In a text with leet words, a lone `1` before a word is the pronoun (`1 want t0 d1e`). */
const LONE_ONE = /(?<![\p{L}\p{N}])1(?= \p{L})/gu;
const LEETY = /\p{L}[013457]|[013457]\p{L}/u;
/** A leet digit or symbol: a text without one has nothing for step 3 to fold. */
const LEET_CHAR = /[013457@$!]/;

let last: { readonly input: string; readonly result: NormalizedText } | undefined;

/**
 * Normalises `input` for matching, with the map back to its offsets. Never throws. The last result is kept, so the
 * detectors of one check (injection, moderation, bias) normalise the text once.
 */
export function normalizeText(input: string): NormalizedText {
  if (last?.input === input) return last.result;
  const result = normalize(input);
  last = { input, result };
  return result;
}

/** Grows with the longest text seen: where each unit of the step-1 text came from (reused, so a call allocates little). */
let fromBuf = new Int32Array(4096);

/** True for the characters step 1 copies as they are apart from case: printable ASCII but `\\`, and tab and line breaks. */
function plainAscii(c: number): boolean {
  return c < 0x80 && c !== 0x5c && (c >= 0x20 || c === 9 || c === 10 || c === 13);
}

function normalize(input: string): NormalizedText {
  // 1. per code point: NFKC, accents, case, homoglyphs, drops. Runs of plain ASCII (most text) are lower-cased whole.
  const parts: string[] = [];
  let n = 0;
  const room = (units: number): void => {
    if (n + units <= fromBuf.length) return;
    const grown = new Int32Array(Math.max(fromBuf.length * 2, n + units + 1024));
    grown.set(fromBuf.subarray(0, n));
    fromBuf = grown;
  };
  const note = (at: number, units: number): void => {
    room(units);
    for (let k = 0; k < units; k++) fromBuf[n++] = at;
  };
  let i = 0;
  while (i < input.length) {
    const c = input.charCodeAt(i);
    if (plainAscii(c)) {
      let j = i + 1;
      while (j < input.length && plainAscii(input.charCodeAt(j))) j++;
      parts.push(input.slice(i, j).toLowerCase());
      room(j - i);
      for (let k = i; k < j; k++) fromBuf[n++] = k;
      i = j;
      continue;
    }
    if (c === 0x5c && /[nrt]/.test(input[i + 1] ?? '')) {
      // a JSON or C escape (`\n`) separates words like the character it stands for
      parts.push(' ');
      note(i, 1);
      i += 2;
      continue;
    }
    if (c < 0x80 && c !== 0x5c) {
      // control characters other than tab and newlines become spaces
      parts.push(' ');
      note(i, 1);
      i++;
      continue;
    }
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < input.length && (input.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const folded = foldCodePoint(pair ? input.slice(i, i + 2) : input[i]!);
    parts.push(folded);
    note(i, folded.length);
    i += pair ? 2 : 1;
  }
  const s = parts.join('');
  const from = fromBuf;
  // 2. letter-spaced words (leet digits count as letters): drop single separators, keep a space for wider gaps.
  let text = s;
  let map: ArrayLike<number> = from;
  SPACED.lastIndex = 0;
  const spaced = maySpace(s) && SPACED.test(s);
  SPACED.lastIndex = 0; // allMatches, as matchAll, starts where the regex's lastIndex is
  if (spaced) {
    let joined = '';
    const kept: number[] = [];
    let last = 0;
    for (const m of allMatches(SPACED, s)) {
      const at = m.index;
      joined += s.slice(last, at);
      for (let k = last; k < at; k++) kept.push(from[k]!);
      const run = m[0];
      for (let k = 0; k < run.length; k++) {
        const ch = run[k]!;
        const keep = UNIT.test(ch) || /[\uD800-\uDFFF]/.test(ch);
        const gap = !keep && /\s/.test(ch) && /\s/.test(run[k + 1] ?? '') && !joined.endsWith(' ');
        if (keep || gap) {
          joined += keep ? ch : ' ';
          kept.push(from[at + k]!);
        }
      }
      last = at + run.length;
    }
    joined += s.slice(last);
    for (let k = last; k < s.length; k++) kept.push(from[k]!);
    text = joined;
    map = kept;
  }
  // 3. leetspeak inside words that hold at least one letter (same length, so the map holds).
  if (LEET_CHAR.test(text)) {
    if (LEETY.test(text)) text = text.replace(LONE_ONE, 'i');
    text = foldLeetWords(text);
  }
  // 4. collapse whitespace runs to one space (a run is kept as one ' ' at its first unit), and `ß` becomes `ss` — only
  // now, so that in steps 2 and 3 it was one letter (`S c h m e i ß  d e i n` joins like any letter-spaced word).
  let sharp = 0;
  for (let k = text.indexOf('ß'); k >= 0; k = text.indexOf('ß', k + 1)) sharp++;
  const offsets = new Int32Array(text.length + sharp + 1);
  const out: string[] = [];
  let o = 0;
  let copyFrom = 0;
  let prevSpace = false;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    const space = c === 0x20 || c === 9 || c === 13 || c === 0xa0 || c === 0x3000;
    if (space && prevSpace) {
      // dropped: flush what came before it
      if (copyFrom < k) out.push(text.slice(copyFrom, k));
      copyFrom = k + 1;
      continue;
    }
    if (space && c !== 0x20) {
      if (copyFrom < k) out.push(text.slice(copyFrom, k));
      out.push(' ');
      copyFrom = k + 1;
    }
    if (c === 0xdf) {
      if (copyFrom < k) out.push(text.slice(copyFrom, k));
      out.push('ss');
      copyFrom = k + 1;
      offsets[o++] = map[k]!;
    }
    offsets[o++] = map[k]!;
    prevSpace = space;
  }
  if (copyFrom < text.length) out.push(text.slice(copyFrom));
  const result = o === text.length + sharp ? offsets : offsets.slice(0, o + 1);
  result[o] = input.length;
  return { text: oneByte(input, out.length === 1 ? out[0]! : out.join('')), offsets: result };
}

const WIDE = /[\u0100-\uffff]/;

/**
 * `text` in V8's one-byte representation when it has no character above U+00FF. Slices of an input that holds one
 * (a homoglyph, an emoji) keep the two-byte representation even when the folded text is plain Latin, and every rule
 * regex then runs its two-byte code: on such a message the rules cost about half as much again.
 */
function oneByte(input: string, text: string): string {
  return WIDE.test(input) && !WIDE.test(text) ? Buffer.from(text, 'latin1').toString('latin1') : text;
}

/** Whether the code point starting at `k` is a letter, digit, `@`, `$` or `!` (WORDISH): 0 if not, else its units. */
function wordishUnits(text: string, k: number): number {
  const c = text.charCodeAt(k);
  if (c < 0x80)
    return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || c === 0x40 || c === 0x24 || c === 0x21
      ? 1
      : 0;
  const pair = c >= 0xd800 && c <= 0xdbff && k + 1 < text.length && (text.charCodeAt(k + 1) & 0xfc00) === 0xdc00;
  return WORDISH_ONE.test(pair ? text.slice(k, k + 2) : text[k]!) ? (pair ? 2 : 1) : 0;
}
const WORDISH_ONE = /^[\p{L}\p{N}@$!]$/u;

/**
 * `text.replace(/[\p{L}\p{N}@$!]+/gu, (w) => (LETTER.test(w) && LEET_CHAR.test(w) ? leet(w) : w))` without a string per
 * word: only the words around a leet character are looked at, and only those that change are rebuilt.
 */
function foldLeetWords(text: string): string {
  const parts: string[] = [];
  let copied = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c >= 0x80 || LEET_CODE[c] !== 1) continue;
    // the word (maximal WORDISH run) around this leet character; the loop then goes on after it
    let start = k;
    for (let u = wordishBefore(text, start); u > 0; u = wordishBefore(text, start)) start -= u;
    let end = k;
    for (let u = wordishUnits(text, end); u > 0; u = end < text.length ? wordishUnits(text, end) : 0) end += u;
    k = end - 1;
    const w = text.slice(start, end);
    if (!LETTER.test(w)) continue;
    const folded = leet(w);
    if (folded === w) continue;
    parts.push(text.slice(copied, start), folded);
    copied = end;
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(copied));
  return parts.join('');
}

/** Like {@link wordishUnits} for the code point that ends right before `k` (0 at the start of the text). */
function wordishBefore(text: string, k: number): number {
  if (k === 0) return 0;
  const c = text.charCodeAt(k - 1);
  if (c < 0x80) return wordishUnits(text, k - 1);
  const pair = (c & 0xfc00) === 0xdc00 && k >= 2 && (text.charCodeAt(k - 2) & 0xfc00) === 0xd800;
  return WORDISH_ONE.test(pair ? text.slice(k - 2, k) : text[k - 1]!) ? (pair ? 2 : 1) : 0;
}
/** 1 for the ASCII codes of LEET_CHAR. */
const LEET_CODE = new Uint8Array(128);
for (const ch of '013457@$!') LEET_CODE[ch.charCodeAt(0)] = 1;

/** Folds leet digits anywhere in the word, leet symbols (`@$!`) only before its last character (`this!` stays). */
function leet(word: string): string {
  let out: string[] | undefined;
  for (let k = 0; k < word.length; k++) {
    const c = word.charCodeAt(k);
    if (c >= 0x80 || LEET_CODE[c] !== 1 || (k === word.length - 1 && (c < 0x30 || c > 0x39))) continue;
    out ??= word.split('');
    out[k] = LEET[word[k]!]!;
  }
  return out === undefined ? word : out.join('');
}

/** The original `[start, end)` of the normalised span `[start, end)`. */
export function originalSpan(n: NormalizedText, start: number, end: number): [number, number] {
  const s = n.offsets[Math.max(0, Math.min(start, n.text.length))]!;
  const lastUnit = Math.max(start, end - 1);
  const e = end <= start ? s : lastUnit < n.text.length ? nextOriginal(n, lastUnit) : n.offsets[n.text.length]!;
  return [s, Math.max(s, e)];
}

/** Where the original unit after normalised unit `k` ends (the start of the next distinct original unit). */
function nextOriginal(n: NormalizedText, k: number): number {
  const at = n.offsets[k]!;
  for (let j = k + 1; j <= n.text.length; j++) if (n.offsets[j]! > at) return n.offsets[j]!;
  return n.offsets[n.text.length]!;
}
