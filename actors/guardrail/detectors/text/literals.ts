/**
 * Literal prefilters for the big rule regexes of the layered detectors. Each rule is a long alternation that V8 tries
 * at every position of the text, so running ~50 of them on a 1 KB message cost about a millisecond. Each regex's AST
 * (parsed once with regexpp) gives:
 * - its *required factors*: literal strings of which every match contains one (`ignore|forget` before a gap);
 * - where it has them, its *prefixes*: literal strings every match starts with, each with how far before the
 *   literal a match may start (`[a-z]{0,14}anweisung` may start 28 units before `anweisung`).
 * One Aho–Corasick pass over the text finds every such literal ({@link LiteralIndex}); a regex none of whose factors
 * occurs is not run, and a regex with prefixes is tried (sticky) only at the positions they allow, in order, which
 * finds exactly the matches a global scan finds (every match starts at one of those positions, and at a given
 * position the sticky and the scanning regex take the same path). Results never change; a regex with no usable
 * literal (an `i` flag, a leading class, a back-reference) runs as before.
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
      // a positive lookaround matches nothing, yet what it requires must be in the text
      if (lookarounds && l.need !== null) best = better(best, l.need);
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
      // zero-width: adds nothing to what a match consumes; a positive lookaround, what it requires to the text's factors
      if (lookarounds && (e.kind === 'lookahead' || e.kind === 'lookbehind') && !e.negate) {
        const inner = disjunction(e.alternatives);
        return { exact: [''], need: better(inner.need, inner.exact) };
      }
      return EMPTY;
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

/** Whether {@link element} reads what positive lookarounds require ({@link requiredTextFactors}). */
let lookarounds = false;

/** The required factors of a regex (every match contains one of them), or null when it has none worth testing. */
export function requiredFactors(re: RegExp): readonly string[] | null {
  const pattern = parse(re);
  if (pattern === null) return null;
  const l = disjunction(pattern.alternatives);
  return better(l.need, l.exact);
}

/**
 * The required factors of the texts a regex matches in (every text it matches in contains one of them), or null: as
 * {@link requiredFactors}, and what its positive lookarounds require (`^(?!…)(?=.*\b(?:rules|anweisung…) …)`, whose
 * match is empty) — a factor may lie outside the match, so these gate whether a text (or a part of one, tested on its
 * own) can match, never where.
 */
export function requiredTextFactors(re: RegExp): readonly string[] | null {
  lookarounds = true;
  try {
    return requiredFactors(re);
  } finally {
    lookarounds = false;
  }
}

/**
 * A literal every match starts with, or starts at most `back` units before; `notAfter`, when the match starts with a
 * lookbehind like `(?<![a-z0-9])`: the ASCII characters that cannot come right before a match.
 */
export interface Prefix {
  readonly literal: string;
  readonly back: number;
  readonly notAfter?: Uint8Array;
  /**
   * What every match starting there also holds (what the pattern requires after the part the prefix comes from): one
   * of `factors`, wholly inside the `span` units from the match's start (the longest a match of that part can be).
   */
  readonly after?: { readonly factors: readonly string[]; readonly span: number };
}

/** The most units a match of `elements` can take (a character class two: a surrogate pair), Infinity when unbounded. */
function maxLength(elements: readonly AST.Element[]): number {
  let n = 0;
  for (const e of elements) n += maxUnits(e);
  return n;
}

function maxUnits(e: AST.Element): number {
  switch (e.type) {
    case 'Character':
      return e.value > 0xffff ? 2 : 1;
    case 'CharacterClass':
    case 'CharacterSet':
      return 2;
    case 'Assertion':
      return 0;
    case 'Group':
    case 'CapturingGroup':
      return Math.max(0, ...e.alternatives.map((a) => maxLength(a.elements)));
    case 'Quantifier':
      return e.max === 0 ? 0 : e.max * maxUnits(e.element);
    default:
      return Infinity; // back-references
  }
}

/** The constraint {@link Prefix} `after` of the elements that follow a prefix, in a sequence matching at most `span` units. */
function afterOf(rest: readonly AST.Element[], span: number): Prefix['after'] {
  if (rest.length === 0 || !Number.isFinite(span)) return undefined;
  const l = alternative({ elements: rest } as AST.Alternative);
  const factors = better(l.need, l.exact);
  return factors === null ? undefined : { factors, span };
}

/** The ASCII characters of a leading `(?<![…])` (one class of characters and ranges), or undefined. */
function notAfterOf(e: AST.Element): Uint8Array | undefined {
  if (e.type !== 'Assertion' || e.kind !== 'lookbehind' || !e.negate || e.alternatives.length !== 1) return undefined;
  const only = e.alternatives[0]!.elements;
  if (only.length !== 1) return undefined;
  const set = new Uint8Array(128);
  const c = only[0]!;
  if (c.type === 'Character') {
    if (c.value < 128) set[c.value] = 1;
    return set;
  }
  if (c.type !== 'CharacterClass' || c.negate || c.unicodeSets) return undefined;
  for (const x of c.elements) {
    if (x.type === 'Character') {
      if (x.value < 128) set[x.value] = 1;
    } else if (x.type === 'CharacterClassRange') {
      for (let v = x.min.value; v <= Math.min(127, x.max.value); v++) set[v] = 1;
    } else if (x.type === 'CharacterSet' && x.kind === 'property' && !x.negate && x.key === 'General_Category' && x.value !== null) {
      // \p{L}, \p{N}… over ASCII
      const property = new RegExp(`\\p{${x.value}}`, 'u');
      for (let v = 0; v < 128; v++) if (property.test(String.fromCharCode(v))) set[v] = 1;
    } else return undefined;
  }
  return set;
}
/** The most prefixes a regex may have (the index finds any number in one pass; more mostly means short ones). */
const MAX_PREFIXES = 400;
/** The widest leading class run (`[a-z]{0,14}`) a prefix may skip. */
const MAX_BACK = 32;

/** Prefixes of alternatives: every alternative needs some. */
function prefixesOfAlternatives(alternatives: readonly AST.Alternative[]): Prefix[] | null {
  const out: Prefix[] = [];
  for (const a of alternatives) {
    const p = prefixesOfSequence(a.elements);
    if (p === null) return null;
    out.push(...p);
    if (out.length > MAX_PREFIXES) return null;
  }
  return out;
}

/** Prefixes of a sequence: the product of its leading exact elements, then the first other element's own prefixes. */
function prefixesOfSequence(elements: readonly AST.Element[]): Prefix[] | null {
  let run: string[] = [''];
  let k = 0;
  let back = 0;
  const notAfter = elements[0] === undefined ? undefined : notAfterOf(elements[0]);
  if (notAfter !== undefined) k = 1;
  const tag = (p: Prefix): Prefix => (notAfter === undefined || p.notAfter !== undefined ? p : { ...p, notAfter });
  // a leading bounded run of single characters (`[a-z]{0,14}anweisung`): the literal after it, `2 × max` units back
  const first = elements[k];
  if (
    first?.type === 'Quantifier' &&
    first.min === 0 &&
    first.max <= MAX_BACK &&
    ['Character', 'CharacterClass', 'CharacterSet'].includes(first.element.type)
  ) {
    back = 2 * first.max;
    k += 1;
  }
  // the elements after the part the prefixes come from (none when the whole sequence is exact)
  let rest: readonly AST.Element[] = [];
  for (; k < elements.length; k++) {
    const e = elements[k]!;
    const l = element(e);
    if (l.exact !== null && run.length * l.exact.length <= MAX_PRODUCT) {
      run = uniq(run.flatMap((x) => (l.exact ?? []).map((y) => x + y)));
      continue;
    }
    const own = leading(e);
    if (own !== null && own.every((p) => p.back === 0) && run.length * own.length <= MAX_PRODUCT) {
      run = uniq(run.flatMap((x) => own.map((y) => x + y.literal)));
      rest = elements.slice(k + 1);
    } else if (own !== null && run.length === 1 && run[0] === '') {
      // what follows the element here, or else what the element's own alternative requires (its match starts at most
      // `back` units after this one's)
      const after = afterOf(elements.slice(k + 1), maxLength(elements));
      return own.map((p) => {
        const inner = p.after === undefined ? undefined : { factors: p.after.factors, span: p.after.span + back };
        const { after: _inner, ...bare } = p;
        const a = after ?? inner;
        return tag(a === undefined ? { ...bare, back: p.back + back } : { ...bare, back: p.back + back, after: a });
      });
    } else rest = elements.slice(k);
    break;
  }
  if (run.some((x) => x.length === 0)) return null;
  const after = afterOf(rest, maxLength(elements));
  return run.map((literal) => tag(after === undefined ? { literal, back } : { literal, back, after }));
}

/** Prefixes of one element that must match (at least once). */
function leading(e: AST.Element): Prefix[] | null {
  switch (e.type) {
    case 'Group':
      return e.modifiers === null ? prefixesOfAlternatives(e.alternatives) : null;
    case 'CapturingGroup':
      return prefixesOfAlternatives(e.alternatives);
    case 'Quantifier':
      return e.min >= 1 ? leading(e.element) : null;
    default: {
      const exact = element(e).exact;
      return exact !== null && exact.every((x) => x.length > 0) ? exact.map((literal) => ({ literal, back: 0 })) : null;
    }
  }
}

/** The prefixes of a regex, or null when some match could start anywhere. */
export function requiredPrefixes(re: RegExp): readonly Prefix[] | null {
  const pattern = parse(re);
  return pattern === null ? null : prefixesOfAlternatives(pattern.alternatives);
}

function parse(re: RegExp): AST.Pattern | null {
  if (re.flags.includes('i')) return null;
  try {
    return new RegExpParser({ ecmaVersion: 2025 }).parsePattern(re.source, 0, re.source.length, {
      unicode: re.flags.includes('u'),
      unicodeSets: re.flags.includes('v'),
    });
  } catch {
    return null;
  }
}

const cache = new WeakMap<RegExp, readonly string[] | null>();

/** The required text factors of `re` ({@link requiredTextFactors}), computed once per regex object. */
export function factorsOf(re: RegExp): readonly string[] | null {
  let f = cache.get(re);
  if (f === undefined) {
    f = requiredTextFactors(re);
    cache.set(re, f);
  }
  return f;
}

/** What the index knows of one regex. */
interface Entry {
  /**
   * The literal ids of the regex's required text factors (a handful of the index's thousand; every text it matches in
   * holds one, {@link requiredTextFactors}). Null: no factors (always run).
   */
  readonly factors: Int32Array | null;
  /** The same regex, sticky and not global: tried at one position. */
  readonly sticky: RegExp | null;
  /** The literal ids that are prefixes of the regex (empty when it has none, and `sticky` is null). */
  readonly prefixIds: Int32Array;
  /** Per prefix (in {@link prefixIds} order): how far before the literal a match may start. */
  readonly prefixBacks: Int16Array;
  /** Per prefix: the ASCII characters that cannot precede a match starting there (a leading lookbehind). */
  readonly prefixNotAfter: readonly (Uint8Array | undefined)[];
  /** Per prefix: literals one of which lies wholly within `span` units of a match's start ({@link Prefix} `after`). */
  readonly prefixAfter: readonly ({ readonly ids: Int32Array; readonly span: number } | undefined)[];
}

/**
 * The literals of a list of regexes, found in a text in one pass (an Aho–Corasick automaton over all of them).
 * `scan(text)` answers, per regex, whether it may match (in the text or a part of it) and where its matches can start.
 */
export class LiteralIndex {
  private readonly entries = new Map<RegExp, Entry>();
  private readonly column = new Map<number, number>();
  private readonly asciiColumn = new Int32Array(128);
  private readonly width: number;
  private readonly delta: Int32Array;
  /** Per state, the literal ids that end there (through failure links too): `outs[outStart[s] … outStart[s + 1])`. */
  private readonly outStart: Int32Array;
  private readonly outs: Int32Array;
  /** Per literal id: its length. */
  readonly lengths: Int32Array;

  constructor(regexes: Iterable<RegExp>) {
    const byLiteral = new Map<string, number>();
    const idOf = (l: string): number => {
      let id = byLiteral.get(l);
      if (id === undefined) byLiteral.set(l, (id = byLiteral.size));
      return id;
    };
    const found: {
      re: RegExp;
      f: readonly number[] | null;
      p: readonly (Prefix & { id: number; afterIds: readonly number[] | undefined })[] | null;
    }[] = [];
    for (const re of regexes) {
      if (found.some((x) => x.re === re)) continue;
      const f = factorsOf(re);
      const p = requiredPrefixes(re);
      found.push({
        re,
        f: f === null ? null : f.map(idOf),
        p: p === null ? null : p.map((x) => ({ ...x, id: idOf(x.literal), afterIds: x.after?.factors.map(idOf) })),
      });
    }
    const n = byLiteral.size;
    for (const { re, f, p } of found) {
      const factors = f === null ? null : Int32Array.from(new Set(f));
      let backs: Int16Array | null = null;
      let notAfter: (Uint8Array | undefined)[] | null = null;
      // per literal: what every match starting at it holds after it (null once a prefix of it without one is seen)
      let after: ({ ids: Set<number>; span: number } | null | undefined)[] | null = null;
      if (p !== null) {
        backs = new Int16Array(n).fill(-1);
        notAfter = [];
        after = [];
        const seen = new Set<number>();
        for (const x of p) {
          // a literal that is a prefix twice keeps the wider window, and a lookbehind only if both have the same one,
          // and what follows it if both have something: either one, within the wider span
          notAfter[x.id] = seen.has(x.id) && notAfter[x.id] !== x.notAfter ? undefined : x.notAfter;
          const known = after[x.id];
          if (x.afterIds === undefined || x.after === undefined || known === null) after[x.id] = null;
          else if (known === undefined) after[x.id] = { ids: new Set(x.afterIds), span: x.after.span };
          else after[x.id] = { ids: new Set([...known.ids, ...x.afterIds]), span: Math.max(known.span, x.after.span) };
          backs[x.id] = Math.max(backs[x.id]!, x.back);
          seen.add(x.id);
        }
      }
      const prefixIds = p === null ? new Int32Array(0) : Int32Array.from(new Set(p.map((x) => x.id)));
      this.entries.set(re, {
        factors,
        sticky: p === null ? null : new RegExp(re.source, `${re.flags.replace(/[gy]/g, '')}y`),
        prefixIds,
        prefixBacks: Int16Array.from(prefixIds, (id) => backs![id]!),
        prefixNotAfter: Array.from(prefixIds, (id) => notAfter![id]),
        prefixAfter: Array.from(prefixIds, (id) => {
          const a = after![id];
          return a === null || a === undefined || a.ids.size > MAX_SET ? undefined : { ids: Int32Array.from(a.ids), span: a.span };
        }),
      });
    }
    this.lengths = Int32Array.from([...byLiteral.keys()].map((l) => l.length));
    // the alphabet: every code unit of a literal gets a column; column 0 is every other unit
    for (const l of byLiteral.keys())
      for (let k = 0; k < l.length; k++) {
        const c = l.charCodeAt(k);
        if (!this.column.has(c)) this.column.set(c, this.column.size + 1);
      }
    for (const [c, col] of this.column) if (c < 128) this.asciiColumn[c] = col;
    const width = (this.width = this.column.size + 1);
    // trie
    const next: Map<number, number>[] = [new Map()];
    const ends: number[][] = [[]];
    for (const [l, id] of byLiteral) {
      let s = 0;
      for (let k = 0; k < l.length; k++) {
        const col = this.column.get(l.charCodeAt(k))!;
        let t = next[s]!.get(col);
        if (t === undefined) {
          t = next.length;
          next.push(new Map());
          ends.push([]);
          next[s]!.set(col, t);
        }
        s = t;
      }
      ends[s]!.push(id);
    }
    // failure links, breadth first, into a full transition table
    const delta = (this.delta = new Int32Array(next.length * width));
    const fail = new Int32Array(next.length);
    const order: number[] = [];
    for (let col = 0; col < width; col++) {
      const t = next[0]!.get(col);
      if (t !== undefined) {
        delta[col] = t;
        order.push(t);
      }
    }
    for (let q = 0; q < order.length; q++) {
      const s = order[q]!;
      ends[s]!.push(...ends[fail[s]!]!);
      for (let col = 0; col < width; col++) {
        const t = next[s]!.get(col);
        if (t === undefined) delta[s * width + col] = delta[fail[s]! * width + col]!;
        else {
          fail[t] = delta[fail[s]! * width + col]!;
          delta[s * width + col] = t;
          order.push(t);
        }
      }
    }
    this.outStart = new Int32Array(next.length + 1);
    for (let s = 0; s < next.length; s++) this.outStart[s + 1] = this.outStart[s]! + ends[s]!.length;
    this.outs = Int32Array.from(ends.flat());
  }

  /** Every occurrence of every literal in `text`. */
  scan(text: string): LiteralScan {
    const found = new Uint8Array(this.lengths.length);
    let ids = new Int32Array(64);
    let starts = new Int32Array(64);
    let count = 0;
    const { delta, width, outStart, outs, asciiColumn, column, lengths } = this;
    let s = 0;
    for (let k = 0; k < text.length; k++) {
      const c = text.charCodeAt(k);
      s = delta[s * width + (c < 128 ? asciiColumn[c]! : (column.get(c) ?? 0))]!;
      for (let o = outStart[s]!, end = outStart[s + 1]!; o < end; o++) {
        const id = outs[o]!;
        found[id] = 1;
        if (count === ids.length) {
          const i2 = new Int32Array(count * 2);
          i2.set(ids);
          ids = i2;
          const s2 = new Int32Array(count * 2);
          s2.set(starts);
          starts = s2;
        }
        ids[count] = id;
        starts[count++] = k + 1 - lengths[id]!;
      }
    }
    return new LiteralScan(this.entries, text, found, ids, starts, count, lengths);
  }
}

/** What {@link LiteralIndex.scan} found in one text: which literals occur, and each occurrence (id, start). */
export class LiteralScan {
  /** Occurrences grouped by literal id, ascending by start: `at[first[id] … first[id + 1])` (built on first use). */
  private first: Int32Array | undefined;
  private at: Int32Array | undefined;

  constructor(
    private readonly entries: ReadonlyMap<RegExp, Entry>,
    private readonly text: string,
    private readonly found: Uint8Array,
    private readonly ids: Int32Array,
    private readonly starts: Int32Array,
    private readonly count: number,
    private readonly lengths: Int32Array,
  ) {}

  /** Groups the occurrences by literal id (a counting sort: each id's starts stay ascending). */
  private group(): void {
    if (this.first !== undefined) return;
    const first = new Int32Array(this.lengths.length + 1);
    for (let k = 0; k < this.count; k++) first[this.ids[k]! + 1]!++;
    for (let id = 0; id < this.lengths.length; id++) first[id + 1]! += first[id]!;
    const fill = first.slice(0, this.lengths.length);
    const at = new Int32Array(this.count);
    for (let k = 0; k < this.count; k++) at[fill[this.ids[k]!]!++] = this.starts[k]!;
    this.first = first;
    this.at = at;
  }

  /** Whether one of the literals `ids` occurs wholly inside `[from, to)` of the text (after {@link group}). */
  private holdsWithin(ids: Int32Array, from: number, to: number): boolean {
    const first = this.first!;
    const at = this.at!;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      const last = to - this.lengths[id]!;
      for (let o = first[id]!, stop = first[id + 1]!; o < stop; o++) {
        const p = at[o]!;
        if (p > last) break;
        if (p >= from) return true;
      }
    }
    return false;
  }

  /** Whether `re` may match in the text: false only when it has required literals and none occurs there. */
  may(re: RegExp): boolean {
    const f = this.entries.get(re)?.factors;
    if (f === undefined || f === null) return true;
    for (let k = 0; k < f.length; k++) if (this.found[f[k]!] === 1) return true;
    return false;
  }

  /**
   * Whether `re` may match in `[start, end)` of the text taken on its own (`text.slice(start, end)`): false only when no
   * required literal occurs inside it.
   */
  mayIn(re: RegExp, start: number, end: number): boolean {
    const f = this.entries.get(re)?.factors;
    if (f === undefined || f === null) return true;
    if (!this.may(re)) return false;
    this.group();
    return this.holdsWithin(f, start, end);
  }

  /**
   * The `[start, end)` spans of the matches of the global `re` in the text, at most `limit`, as a global scan
   * (`matchAll`, empty matches skipped) finds them — tried only where the prefixes allow when `re` has them.
   */
  spans(re: RegExp, limit: number): number[] {
    if (!this.may(re)) return [];
    const e = this.entries.get(re);
    if (e === undefined || e.sticky === null) return scanAll(re, this.text, limit);
    const out: number[] = [];
    const sticky = e.sticky;
    let from = 0;
    const count = this.candidates(e);
    for (let k = 0; k < count; k++) {
      const at = candidateBuf[k]!;
      if (at < from) continue;
      sticky.lastIndex = at;
      if (!sticky.test(this.text) || sticky.lastIndex === at) continue;
      out.push(at, sticky.lastIndex);
      if (out.length >= 2 * limit) break;
      from = sticky.lastIndex;
    }
    return out;
  }

  /** Whether the (non-global) `re` matches anywhere in the text, as `re.test` says. */
  test(re: RegExp): boolean {
    if (!this.may(re)) return false;
    const e = this.entries.get(re);
    if (e === undefined || e.sticky === null) return re.test(this.text);
    const sticky = e.sticky;
    const count = this.candidates(e);
    for (let k = 0; k < count; k++) {
      sticky.lastIndex = candidateBuf[k]!;
      if (sticky.test(this.text)) return true;
    }
    return false;
  }

  /**
   * Whether the (non-global) `re` matches in `part`, the text's `[start, end)` (`text.slice(start, end)`), as
   * `re.test(part)` says: false when none of its required literals lies inside the part, and where it has prefixes,
   * tried only at the positions inside the part they allow (a lookbehind at the part's start sees nothing before it, as
   * on the slice).
   */
  testIn(re: RegExp, start: number, end: number, part: string): boolean {
    if (!this.mayIn(re, start, end)) return false;
    const e = this.entries.get(re);
    if (e === undefined || e.sticky === null) return re.test(part);
    const sticky = e.sticky;
    const count = this.candidates(e, start, end);
    for (let k = 0; k < count; k++) {
      sticky.lastIndex = candidateBuf[k]! - start;
      if (sticky.test(part)) return true;
    }
    return false;
  }

  /**
   * The positions, ascending and distinct, where a match of an entry's regex in `[start, end)` of the text can start:
   * their count, the positions being the start of `candidateBuf`, which the next call reuses (callers read them before
   * asking again).
   */
  private candidates(e: Entry, start = 0, end = this.text.length): number {
    const backs = e.prefixBacks;
    const notAfter = e.prefixNotAfter;
    this.group();
    const first = this.first!;
    const occurs = this.at!;
    let at = candidateBuf;
    let n = 0;
    for (let j = 0; j < e.prefixIds.length; j++) {
      const id = e.prefixIds[j]!;
      const back = backs[j]!;
      const not = notAfter[j];
      const follow = e.prefixAfter[j];
      const last = end - this.lengths[id]!;
      for (let o = first[id]!, stop = first[id + 1]!; o < stop; o++) {
        const p = occurs[o]!;
        if (p < start) continue;
        if (p > last) break;
        for (let q = Math.max(start, p - back); q <= p; q++) {
          const before = q === start ? 128 : this.text.charCodeAt(q - 1);
          if (not !== undefined && before < 128 && not[before] === 1) continue;
          if (follow !== undefined && !this.holdsWithin(follow.ids, q, Math.min(end, q + follow.span))) continue;
          if (n === at.length) {
            const grown = new Int32Array(n * 2);
            grown.set(at);
            at = candidateBuf = grown;
          }
          at[n++] = q;
        }
      }
    }
    if (n > 48) at.subarray(0, n).sort();
    else
      for (let k = 1; k < n; k++) {
        const v = at[k]!;
        let j = k - 1;
        for (; j >= 0 && at[j]! > v; j--) at[j + 1] = at[j]!;
        at[j + 1] = v;
      }
    let m = 0;
    for (let k = 0; k < n; k++) if (k === 0 || at[k] !== at[m - 1]) at[m++] = at[k]!;
    return m;
  }
}

/** The buffer {@link LiteralScan} collects candidate positions in (grows with the largest set seen). */
let candidateBuf = new Int32Array(1024);

/** The spans of every non-empty match of the global `re` (at most `limit`), as `matchAll` finds them, without cloning `re`. */
function scanAll(re: RegExp, text: string, limit: number): number[] {
  if (!re.global) throw new TypeError(`a rule regex must have the g flag (/${re.source.slice(0, 40)}…/)`);
  const out: number[] = [];
  re.lastIndex = 0;
  try {
    for (let m = re.exec(text); m !== null && out.length < 2 * limit; m = re.exec(text)) {
      if (m[0].length > 0) {
        out.push(m.index, m.index + m[0].length);
        continue;
      }
      const at = re.lastIndex;
      const pair = re.unicode && (text.charCodeAt(at) & 0xfc00) === 0xd800 && (text.charCodeAt(at + 1) & 0xfc00) === 0xdc00;
      re.lastIndex = at + (pair ? 2 : 1);
    }
  } finally {
    re.lastIndex = 0;
  }
  return out;
}
