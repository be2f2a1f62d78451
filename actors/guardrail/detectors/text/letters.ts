/**
 * Letters and digits (`\p{L}`, `\p{N}`) by code point, without a string per character: the word splitting of the
 * concept, n-gram and similarity layers and the segment filter of the rules share it. A surrogate pair is one code
 * point; a lone surrogate is neither letter nor digit (as in a `u`-flag regex).
 */

const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;
/** Per BMP code unit: 0 not yet known, 1 letter or digit, 2 neither (filled on first sight). */
const BMP = new Uint8Array(0x10000);

/**
 * The length in code units of the code point at `k` of `text` when it is a letter or digit, else 0. A pair counts
 * only when both halves lie before `end` (a part of a text cut inside a pair sees lone surrogates, as a slice would).
 */
export function letterOrDigitAt(text: string, k: number, end: number = text.length): number {
  const c = text.charCodeAt(k);
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) ? 1 : 0;
  if (c >= 0xd800 && c <= 0xdbff && k + 1 < end && (text.charCodeAt(k + 1) & 0xfc00) === 0xdc00)
    return LETTER_OR_DIGIT.test(text.slice(k, k + 2)) ? 2 : 0;
  let known = BMP[c]!;
  if (known === 0) BMP[c] = known = LETTER_OR_DIGIT.test(String.fromCharCode(c)) ? 1 : 2;
  return known === 1 ? 1 : 0;
}

/** Whether `[start, end)` of `text` holds a letter or digit. */
export function hasLetterOrDigit(text: string, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (letterOrDigitAt(text, k, end) > 0) return true;
  return false;
}

/**
 * The number of words (maximal runs of letters and digits) of `text`, counted up to `stop`: `countWords(t) >= n` is
 * `countWords(t, n) >= n`, which stops reading at the n-th word.
 */
export function countWords(text: string, stop = Infinity): number {
  let n = 0;
  let inWord = false;
  for (let k = 0; k < text.length;) {
    const u = letterOrDigitAt(text, k);
    if (u === 0) {
      inWord = false;
      k++;
      continue;
    }
    if (!inWord && ++n >= stop) return n;
    inWord = true;
    k += u;
  }
  return n;
}
