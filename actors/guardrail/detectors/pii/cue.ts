/**
 * Keyword cues ("my name is", "geboren am", "wohnt in") matched on a lower-cased copy of the text with patterns
 * without the `i` flag: under `iu` V8 folds case at every step, which made some of these alternations cost several
 * times more (and `\b` under `iu` far more). Offsets are those of the original text because the copy is used only when
 * lower-casing kept every UTF-16 index in place; a few characters (e.g. `İ`) grow, and then the case-insensitive
 * pattern runs on the original.
 *
 * Patterns that begin with a one-character look-behind (`(?<![\p{L}])…`, `(?<=\s)…`) run as {@link Scan}s: V8 tries
 * such a look-behind at every position of the text before anything else (a Unicode class read backwards), which made
 * them the detector's costliest scans; without it V8 skips ahead by its own checks of the pattern's first characters,
 * and the look-behind is checked in code at each match only.
 */

import { allMatches } from '../matches.js';
import { LiteralIndex, requiredPrefixes, type LiteralScan } from '../text/literals.js';

/** What {@link scan} returns when nothing matches. */
const NONE: readonly RegExpExecArray[] = Object.freeze([]);

/**
 * A global pattern whose leading one-character look-behind is checked in code: `body` is the pattern without it,
 * `before` its character class (sticky), `must` whether that class must (`(?<=`) or must not (`(?<!`) match the
 * character before. {@link scan} finds exactly the matches of the whole pattern, `full`.
 */
export interface Scan {
  readonly full: RegExp;
  readonly body: RegExp;
  readonly before?: RegExp;
  readonly must: boolean;
}

/**
 * A look-ahead to put before `\p{Lu}` where a pattern begins with it: a range that holds every upper-case letter (A–Z
 * and the code points from U+00C0), which V8 tests at each position of the text far faster than the Unicode class.
 */
export const CAPITAL_AHEAD = '(?=[A-Z\\xC0-\\u{10FFFF}])';

/** A leading look-behind of one character class or escape. */
const LEADING = /^\(\?<([=!])(\[(?:\\.|[^\]\\])*\]|\\[a-zA-Z])\)/;

/** Whether `source` has a `|` outside every group and class (then a leading look-behind binds the first branch only). */
function topLevelBar(source: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}

/** The {@link Scan} of `source` with `flags` (which must include `g`); a pattern without a leading look-behind is run whole. */
export function scanOf(source: string, flags: string): Scan {
  const full = new RegExp(source, flags);
  const m = LEADING.exec(source);
  const body = m === null ? '' : source.slice(m[0].length);
  if (m === null || topLevelBar(body)) return { full, body: full, must: false };
  const classFlags = flags.replace(/[gmsy]/g, '');
  return { full, body: new RegExp(body, flags), before: new RegExp(m[2] ?? '', `${classFlags}y`), must: m[1] === '=' };
}

/** Whether the character (code point under `u`) that ends at `at` is in the sticky class `before`. */
function precededBy(before: RegExp, s: string, at: number, unicode: boolean): boolean {
  if (at === 0) return false;
  const pair = unicode && at >= 2 && (s.charCodeAt(at - 1) & 0xfc00) === 0xdc00 && (s.charCodeAt(at - 2) & 0xfc00) === 0xd800;
  before.lastIndex = at - (pair ? 2 : 1);
  return before.test(s);
}

/** The index one character (one code point under `u`) after `at`. */
function nextIndex(s: string, at: number, unicode: boolean): number {
  const pair = unicode && (s.charCodeAt(at) & 0xfc00) === 0xd800 && (s.charCodeAt(at + 1) & 0xfc00) === 0xdc00;
  return at + (pair ? 2 : 1);
}

/**
 * The matches of `p` in `s`, in order, as {@link allMatches} finds those of `p.full`: where the look-behind fails at
 * a match of the body, the search goes on one character later, as V8's own scan of the full pattern does.
 */
export function scan(p: Scan, s: string): readonly RegExpExecArray[] {
  const { body: re, before } = p;
  if (before === undefined) return allMatches(re, s);
  const from = re.lastIndex;
  let out: RegExpExecArray[] | undefined;
  try {
    for (let m = re.exec(s); m !== null; m = re.exec(s)) {
      if (precededBy(before, s, m.index, re.unicode) !== p.must) {
        re.lastIndex = nextIndex(s, m.index, re.unicode);
        continue;
      }
      (out ??= []).push(m);
      if (m[0] === '') re.lastIndex = nextIndex(s, re.lastIndex, re.unicode);
    }
  } finally {
    re.lastIndex = from;
  }
  return out ?? NONE;
}

/** A cue: its pattern for the lower-cased copy, and the same pattern with the `i` flag for the original text. */
export interface Cue {
  readonly lower: RegExp;
  readonly any: RegExp;
  /** The two as {@link Scan}s, which {@link cueMatches} runs. */
  readonly lowerScan: Scan;
  readonly anyScan: Scan;
  /** `lower`, sticky and not global: a match's groups, read again at the start {@link literalScan} found it at. */
  readonly sticky: RegExp;
  /** For a cue that begins with the text's start or one separator (`(?:^|[\s,;"'])…`): what follows, and the separator. */
  readonly afterSeparator?: { readonly body: RegExp; readonly separator: RegExp };
}

/** Every cue made so far: one literal index serves them all ({@link literalScan}). */
const cues: RegExp[] = [];
/** The index of the cues' literals, built on first use (and again after a cue is made later). */
let index: LiteralIndex | undefined;
/** The lower-cased text last scanned, and what the index found in it: the rules of one text share one pass. */
let scanned: { lower: string; found: LiteralScan } | undefined;

/**
 * A leading "start of the text or one separator" (`(?:^|[\s,;({"'])`): the literal index finds no prefix for it, so the
 * part after it is what the index looks for ({@link afterSeparatorMatches}). A class of BMP characters only (no
 * negation, property, negated set or `\u` escape), so that the separator is one UTF-16 unit.
 */
const START_OR_SEPARATOR = /^\(\?:\^\|(\[(?!\^)(?:\\[^pPuSWD]|[^\]\\\uD800-\uDFFF])*\])\)/;

/** A cue from a lower-case `source`. */
export function cue(source: string): Cue {
  const lowerScan = scanOf(source, 'gu');
  const anyScan = scanOf(source, 'giu');
  const c = { lower: lowerScan.full, any: anyScan.full, lowerScan, anyScan, sticky: new RegExp(source, 'uy') };
  const lead = START_OR_SEPARATOR.exec(source);
  const rest = lead === null ? '' : source.slice(lead[0].length);
  const body = lead === null || topLevelBar(rest) ? undefined : new RegExp(rest, 'gu');
  index = undefined;
  scanned = undefined;
  // The part after the separator must start with literals (then it never matches empty).
  if (lead !== null && body !== undefined && requiredPrefixes(body) !== null) {
    cues.push(body);
    return { ...c, afterSeparator: { body, separator: new RegExp(lead[1] ?? '', 'uy') } };
  }
  cues.push(c.lower);
  return c;
}

/**
 * Every literal of every cue found in `lower` in one Aho–Corasick pass (../text/literals.ts), instead of each cue's
 * alternation tried at every position of the text: a cue none of whose required literals occurs there is not run,
 * and a cue whose matches all begin with one of a few literals (every cue of the rules) is tried, sticky, only where
 * they occur (a cue after a separator, around the matches of what follows it).
 * Same matches as a global scan of the lower-cased text.
 */
function literalScan(lower: string): LiteralScan {
  if (scanned?.lower !== lower) scanned = { lower, found: cueIndex().scan(lower) };
  return scanned.found;
}

/**
 * The cues' literal index, built now if it is not yet (tens of milliseconds, more before the JIT warms up): a
 * detector asks for it when it is made, so that its first text does not wait for it.
 */
export function cueIndex(): LiteralIndex {
  return (index ??= new LiteralIndex(cues));
}

/** `text` lower-cased when that keeps every offset (the same length), else null. */
export function lowered(text: string): string | null {
  const lower = text.toLowerCase();
  return lower.length === text.length ? lower : null;
}

/**
 * Matches of `c` in `text`, found on `lower` when it is given; `m.index` and `m[0].length` hold for `text` either way.
 * As `matchAll` finds them, without its copy of the pattern per call (../matches.ts).
 */
export function cueMatches(c: Cue, text: string, lower: string | null): readonly RegExpExecArray[] {
  if (lower === null) return scan(c.anyScan, text);
  if (c.afterSeparator !== undefined) return afterSeparatorMatches(c, c.afterSeparator, lower);
  const spans = literalScan(lower).spans(c.lower, Infinity);
  if (spans.length === 0) return NONE;
  const out: RegExpExecArray[] = [];
  const { sticky } = c;
  for (let k = 0; k < spans.length; k += 2) {
    sticky.lastIndex = spans[k] as number;
    const m = sticky.exec(lower);
    if (m !== null) out.push(m);
  }
  return out;
}

/**
 * The matches of a cue `(?:^|[C])B` in `lower`, as a global scan finds them. A match at `s` has B matching at `s + 1`
 * (after its separator) or at 0; every position where B matches lies in a match of B's own global scan (at its start,
 * or inside it where an earlier match covered it), which the literal index finds. So the cue is tried, in order, at 0
 * and before every position inside those matches that follows a separator: a superset of its starts.
 */
function afterSeparatorMatches(c: Cue, a: NonNullable<Cue['afterSeparator']>, lower: string): readonly RegExpExecArray[] {
  const spans = literalScan(lower).spans(a.body, Infinity);
  if (spans.length === 0) return NONE;
  const { sticky } = c;
  const { separator } = a;
  let out: RegExpExecArray[] | undefined;
  let from = 0;
  const tryAt = (s: number): void => {
    if (s < from) return;
    sticky.lastIndex = s;
    const m = sticky.exec(lower);
    if (m === null) return;
    (out ??= []).push(m);
    from = m[0] === '' ? s + 1 : s + m[0].length;
  };
  tryAt(0);
  for (let k = 0; k < spans.length; k += 2)
    for (let p = Math.max(1, spans[k] as number), end = spans[k + 1] as number; p < end; p++) {
      separator.lastIndex = p - 1;
      if (p - 1 > 0 && separator.test(lower)) tryAt(p - 1);
    }
  return out ?? NONE;
}

/** Whether `c` matches `text` anywhere. */
export function hasCue(c: Cue, text: string, lower: string | null): boolean {
  if (lower !== null) return literalScan(lower).spans(c.lower, 1).length > 0;
  c.any.lastIndex = 0;
  const found = c.any.test(text);
  c.any.lastIndex = 0;
  return found;
}
