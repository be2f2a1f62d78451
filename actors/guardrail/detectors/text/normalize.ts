/**
 * Text normalisation for rule matching, keeping a map back to the original offsets: NFKC, zero-width and format
 * characters removed, accents stripped, lower case, homoglyphs folded (Cyrillic and Greek look-alikes → Latin),
 * leetspeak folded inside words that have letters (`1gn0r3` → `ignore`), letter-spaced words joined
 * (`i g n o r e` → `ignore`), whitespace runs collapsed to one space. Lone surrogates and control characters become
 * spaces, and `\\n`-style escapes (text inside JSON strings) spaces, so any string is safe to pass.
 */

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
  ι: 'i', κ: 'k', ν: 'v', ρ: 'p', τ: 't', υ: 'u', χ: 'x', γ: 'y', ω: 'w', η: 'n', μ: 'u', ς: 's', ѵ: 'v', ℓ: 'l', ß: 'ss',
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
  if (DROP.test(cp)) return '';
  const folded = cp.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFKC').toLowerCase();
  let out = '';
  for (const ch of folded) out += HOMOGLYPHS[ch] ?? (/\p{Cc}/u.test(ch) ? ' ' : ch);
  return out;
}

/** Joins letter-spaced words (`i g n o r e`, `i.g.n.o.r.e`): single letters separated by one separator char, 4 or more. */
const SPACED = /(?<![\p{L}\p{N}])[\p{L}013457@$](?:(?:[ .\-_*/|]|\s{2,4})[\p{L}013457@$](?![\p{L}\p{N}])){3,}/gu;
const UNIT = /[\p{L}013457@$]/u;
/** In a text with leet words, a lone `1` before a word is the pronoun (`1 want t0 d1e`). */
const LONE_ONE = /(?<![\p{L}\p{N}])1(?= \p{L})/gu;
const LEETY = /\p{L}[013457]|[013457]\p{L}/u;
const WORDISH = /[\p{L}\p{N}@$!]+/gu;

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

function normalize(input: string): NormalizedText {
  const chars: string[] = [];
  const from: number[] = [];
  // 1. per code point: NFKC, accents, case, homoglyphs, drops.
  let i = 0;
  while (i < input.length) {
    const c = input.charCodeAt(i);
    if (c === 0x5c && /[nrt]/.test(input[i + 1] ?? '')) {
      // a JSON or C escape (`\n`) separates words like the character it stands for
      chars.push(' ');
      from.push(i);
      i += 2;
      continue;
    }
    if (c < 0x80 && c !== 0x5c) {
      // ASCII fast path (most text): lower-case letters, control characters other than tab and newlines to spaces.
      chars.push(c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 32) : c < 0x20 && c !== 9 && c !== 10 && c !== 13 ? ' ' : input[i]!);
      from.push(i);
      i++;
      continue;
    }
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < input.length && (input.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const cp = pair ? input.slice(i, i + 2) : input[i]!;
    for (const unit of foldCodePoint(cp).split('')) {
      chars.push(unit);
      from.push(i);
    }
    i += pair ? 2 : 1;
  }
  // 2. letter-spaced words (leet digits count as letters): drop single separators, keep a space for wider gaps.
  const s = chars.join('');
  let text = '';
  const map: number[] = [];
  let last = 0;
  for (const m of s.matchAll(SPACED)) {
    const at = m.index;
    text += s.slice(last, at);
    for (let k = last; k < at; k++) map.push(from[k]!);
    const run = m[0];
    for (let k = 0; k < run.length; k++) {
      const ch = run[k]!;
      const keep = UNIT.test(ch) || /[\uD800-\uDFFF]/.test(ch);
      const gap = !keep && /\s/.test(ch) && /\s/.test(run[k + 1] ?? '') && !text.endsWith(' ');
      if (keep || gap) {
        text += keep ? ch : ' ';
        map.push(from[at + k]!);
      }
    }
    last = at + run.length;
  }
  text += s.slice(last);
  for (let k = last; k < s.length; k++) map.push(from[k]!);
  // 3. leetspeak inside words that hold at least one letter (same length, so the map holds).
  if (LEETY.test(text)) text = text.replace(LONE_ONE, 'i');
  text = text.replace(WORDISH, (w) => (LETTER.test(w) && /[013457@$!]/.test(w) ? leet(w) : w));
  // 4. collapse whitespace runs to one space.
  let out = '';
  const offsets: number[] = [];
  let prevSpace = false;
  for (let k = 0; k < text.length; k++) {
    const ch = text[k]!;
    const space = ch === ' ' || ch === '\t' || ch === '\r' || ch === '\u00a0' || ch === '\u3000';
    if (space && prevSpace) continue;
    out += space ? ' ' : ch;
    offsets.push(map[k]!);
    prevSpace = space;
  }
  const result = new Int32Array(offsets.length + 1);
  result.set(offsets);
  result[offsets.length] = input.length;
  return { text: out, offsets: result };
}

/** Folds leet digits anywhere in the word, leet symbols (`@$!`) only before its last character (`this!` stays). */
function leet(word: string): string {
  let out = '';
  for (let k = 0; k < word.length; k++) {
    const ch = word[k]!;
    out += /\d/.test(ch) || k < word.length - 1 ? (LEET[ch] ?? ch) : ch;
  }
  return out;
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
