/**
 * Keyword cues ("my name is", "geboren am", "wohnt in") matched on a lower-cased copy of the text with patterns
 * without the `i` flag: under `iu` V8 folds case at every step, which made some of these alternations cost several
 * times more (and `\b` under `iu` far more). Offsets are those of the original text because the copy is used only when
 * lower-casing kept every UTF-16 index in place; a few characters (e.g. `İ`) grow, and then the case-insensitive
 * pattern runs on the original.
 */

import { allMatches } from '../matches.js';

/** A cue: its pattern for the lower-cased copy, and the same pattern with the `i` flag for the original text. */
export interface Cue {
  readonly lower: RegExp;
  readonly any: RegExp;
}

/** A cue from a lower-case `source`. */
export function cue(source: string): Cue {
  return { lower: new RegExp(source, 'gu'), any: new RegExp(source, 'giu') };
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
  return lower === null ? allMatches(c.any, text) : allMatches(c.lower, lower);
}

/** Whether `c` matches `text` anywhere. */
export function hasCue(c: Cue, text: string, lower: string | null): boolean {
  const re = lower === null ? c.any : c.lower;
  re.lastIndex = 0;
  const found = re.test(lower ?? text);
  re.lastIndex = 0;
  return found;
}
