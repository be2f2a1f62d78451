/**
 * Every match of a global pattern, as `String.prototype.matchAll` finds them, without its copy of the pattern and its
 * iterator per call: the rule detectors run each of their patterns on every window of every reply, and most windows
 * match none of them (then no array is made at all).
 */

/** What {@link allMatches} returns when nothing matches. */
const NONE: readonly RegExpExecArray[] = Object.freeze([]);

/**
 * The matches of the global `re` in `s`, in order. The search starts at `re.lastIndex`, as `matchAll`'s copy of the
 * pattern does, and `re.lastIndex` is left as it was; an empty match moves on by one character (by one code point
 * under the `u` flag). All matches are collected before the caller sees the first.
 */
export function allMatches(re: RegExp, s: string): readonly RegExpExecArray[] {
  if (!re.global) throw new TypeError(`allMatches needs a global pattern (/${re.source.slice(0, 40)}…/)`);
  const from = re.lastIndex;
  let out: RegExpExecArray[] | undefined;
  try {
    for (let m = re.exec(s); m !== null; m = re.exec(s)) {
      (out ??= []).push(m);
      if (m[0] !== '') continue;
      const at = re.lastIndex;
      const pair = re.unicode && (s.charCodeAt(at) & 0xfc00) === 0xd800 && (s.charCodeAt(at + 1) & 0xfc00) === 0xdc00;
      re.lastIndex = at + (pair ? 2 : 1);
    }
  } finally {
    re.lastIndex = from;
  }
  return out ?? NONE;
}
