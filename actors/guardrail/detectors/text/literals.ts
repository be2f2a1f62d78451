/**
 * Literal prefilters for big rule regexes. Every rule of the layered detectors is a long alternation that V8 tries at
 * every position of the text, so running ~50 of them on a 1 KB message costs about a millisecond even when none
 * matches — and on most messages none does. Each regex's AST (parsed once with regexpp) gives a set of literal
 * strings of which every match must contain at least one (the *required factors*: `ignore|forget` before a gap and
 * `instruction*|rules` gives either set); where none of them occurs in the text (a plain `includes`), the regex cannot
 * match and is not run. The filter is exact — it only skips work whose result is known to be "no match" — so results
 * never change; a regex with no usable factor (an `i` flag, a leading class, a back-reference) is always run.
 */
import { RegExpParser, type AST } from '@eslint-community/regexpp';

/** The most strings a factor set may hold (a larger one costs more to look up than it saves). */
const MAX_SET = 96;
/** The most strings an exact set built by concatenation may hold. */
const MAX_PRODUCT = 64;

/** What a node can match: `exact`, the finite set of strings it matches (when small); `need`, a required factor set. */
interface Lits {
  readonly exact: readonly string[] | null;
  readonly need: readonly string[] | null;
}

const NONE: Lits = { exact: null, need: null };
const EMPTY: Lits = { exact: [''], need: null };

/** How useful a factor set is: its shortest string's length (longer is rarer), then fewer strings. */
function better(a: readonly string[] | null, b: readonly string[] | null): readonly string[] | null {
  if (a === null || !usable(a)) return b !== null && usable(b) ? b : null;
  if (b === null || !usable(b)) return a;
  const la = Math.min(...a.map((s) => s.length));
  const lb = Math.min(...b.map((s) => s.length));
  if (la !== lb) return la > lb ? a : b;
  return a.length <= b.length ? a : b;
}

/** A factor set is usable when it is small and every string in it is non-empty. */
function usable(set: readonly string[]): boolean {
  return set.length > 0 && set.length <= MAX_SET && set.every((s) => s.length > 0);
}

function uniq(set: readonly string[]): string[] {
  return [...new Set(set)];
}

/** Alternatives (a group's or the pattern's): exact if all are, a factor set if every alternative has one. */
function disjunction(alternatives: readonly AST.Alternative[]): Lits {
  const parts = alternatives.map(alternative);
  const exact = parts.every((p) => p.exact !== null) ? uniq(parts.flatMap((p) => p.exact ?? [])) : null;
  const needs = parts.map((p) => better(p.need, p.exact));
  const need = needs.every((n) => n !== null) ? uniq(needs.flatMap((n) => n ?? [])) : null;
  return { exact: exact !== null && exact.length <= MAX_PRODUCT ? exact : null, need: need !== null && usable(need) ? need : null };
}

/** A sequence: runs of exact elements concatenate; the best factor set of any run or element is required. */
function alternative(a: AST.Alternative): Lits {
  let run: string[] = [''];
  let whole = true;
  let best: readonly string[] | null = null;
  for (const e of a.elements) {
    const l = element(e);
    if (l.exact !== null && run.length * l.exact.length <= MAX_PRODUCT) {
      run = uniq(run.flatMap((x) => (l.exact ?? []).map((y) => x + y)));
      continue;
    }
    whole = false;
    best = better(best, run);
    best = better(best, l.need);
    run = l.exact === null ? [''] : [...l.exact];
  }
  best = better(best, run);
  return { exact: whole ? run : null, need: best };
}

function element(e: AST.Element): Lits {
  switch (e.type) {
    case 'Character':
      return { exact: [String.fromCodePoint(e.value)], need: null };
    case 'CharacterClass': {
      if (e.negate || e.unicodeSets) return NONE;
      const chars: string[] = [];
      for (const c of e.elements) {
        if (c.type !== 'Character') return NONE;
        chars.push(String.fromCodePoint(c.value));
      }
      return chars.length > 0 && chars.length <= 8 ? { exact: uniq(chars), need: null } : NONE;
    }
    case 'Assertion':
      return EMPTY; // zero-width: adds nothing to what a match consumes
    case 'Group':
      return e.modifiers === null ? disjunction(e.alternatives) : NONE; // `(?i:…)` changes what a literal matches
    case 'CapturingGroup':
      return disjunction(e.alternatives);
    case 'Quantifier': {
      const inner = element(e.element);
      if (e.min === 0) return { exact: e.max === 1 && inner.exact !== null ? uniq(['', ...inner.exact]) : null, need: null };
      const need = better(inner.need, inner.exact);
      if (e.min === 1 && e.max === 1) return { exact: inner.exact, need };
      return { exact: null, need };
    }
    default:
      return NONE; // character sets (\d, \s, \p{…}, .), back-references
  }
}

/** The required factors of a regex (every match contains one of them), or null when it has none worth testing. */
export function requiredFactors(re: RegExp): readonly string[] | null {
  if (re.flags.includes('i')) return null;
  let pattern: AST.Pattern;
  try {
    pattern = new RegExpParser({ ecmaVersion: 2025 }).parsePattern(re.source, 0, re.source.length, {
      unicode: re.flags.includes('u'),
      unicodeSets: re.flags.includes('v'),
    });
  } catch {
    return null;
  }
  const l = disjunction(pattern.alternatives);
  return better(l.need, l.exact);
}

const cache = new WeakMap<RegExp, readonly string[] | null>();

/** The required factors of `re`, computed once per regex object. */
export function factorsOf(re: RegExp): readonly string[] | null {
  let f = cache.get(re);
  if (f === undefined) {
    f = requiredFactors(re);
    cache.set(re, f);
  }
  return f;
}

/**
 * Whether `re` may match somewhere in `text`: false only when none of its required factors occurs in it. `seen`
 * memoises `includes` per factor across the regexes checked against one text.
 */
export function mayMatch(re: RegExp, text: string, seen?: Map<string, boolean>): boolean {
  const factors = factorsOf(re);
  if (factors === null) return true;
  for (const f of factors) {
    let hit = seen?.get(f);
    if (hit === undefined) {
      hit = text.includes(f);
      seen?.set(f, hit);
    }
    if (hit) return true;
  }
  return false;
}
