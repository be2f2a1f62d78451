/**
 * The concept layer of the layered detectors: a multilingual normalisation of the words that matter, then a small
 * learned linear model over them.
 *
 * 1. **Tagging.** Per-language lexicons (English, German, French, Spanish) map words and short phrases to concepts:
 *    `ignoriere`, `oublie`, `olvida`, `disregard` and `set aside` all become `IGNORE`; `Anweisungen`, `consignes`,
 *    `pautas` become `RULES`. Entries are written naturally and normalised like the text (normalize.ts: lower case, no
 *    accents, homoglyphs and leetspeak folded), a trailing `*` matches any ending (`deactivat*`), and the longest
 *    entry wins where several start at one word. Words in no lexicon are skipped but keep their position.
 * 2. **Features** of a window of text: each concept present (`IGNORE`) and each ordered pair within
 *    {@link PAIR_WINDOW} words (`IGNORE>RULES`). Because features are concepts, an attack phrased in German scores
 *    with the weights learnt from English and French examples, and unseen wording that keeps the parts of an attack
 *    (an override verb near what instructions are called) still scores.
 * 3. **A softmax regression** (classes: `benign` and the detector's finding types) whose weights a training script
 *    fits on the development sets (`test/guardrail/train-concepts.ts`, which writes `*-weights.ts`). Scoring is a few
 *    map lookups per word: far below the rules' cost.
 */
import { letterOrDigitAt } from './letters.js';
import { normalizeText } from './normalize.js';

/** Ordered concept pairs are features when the second is at most this many words after the first. */
export const PAIR_WINDOW = 6;

/** A lexicon: concept → entries (words or phrases, any of the four languages; `*` at the end of a word: any ending). */
export type Lexicon = Readonly<Record<string, readonly string[]>>;

/** A learned model: class names (index 0 is `benign`), per-class bias, per-feature per-class weights. */
export interface ConceptModel {
  readonly classes: readonly string[];
  readonly bias: readonly number[];
  readonly weights: Readonly<Record<string, readonly number[]>>;
}

/** One concept found in a text: its id, the index of its first word, and its span in the (normalised) text. */
export interface ConceptTag {
  readonly concept: string;
  /** The entry matched (its words as the lexicon wrote them, normalised). */
  readonly entry: string;
  readonly word: number;
  readonly start: number;
  readonly end: number;
}

/** The words of the last {@link words} call (reused: a call allocates only the word strings). */
const wordsOf: string[] = [];
let startsOf: Int32Array = new Int32Array(256);
let endsOf: Int32Array = new Int32Array(256);

/**
 * The words (maximal runs of letters and digits) of a normalised text: their number; the words and their offsets are
 * the first that many of {@link wordsOf}, {@link startsOf} and {@link endsOf}, until the next call.
 */
function words(text: string): number {
  let n = 0;
  let k = 0;
  while (k < text.length) {
    let u = letterOrDigitAt(text, k);
    if (u === 0) {
      k += 1;
      continue;
    }
    const start = k;
    while (u > 0) {
      k += u;
      u = k < text.length ? letterOrDigitAt(text, k) : 0;
    }
    if (n === startsOf.length) {
      startsOf = doubled(startsOf);
      endsOf = doubled(endsOf);
    }
    wordsOf[n] = text.slice(start, k);
    startsOf[n] = start;
    endsOf[n++] = k;
  }
  return n;
}

const ONE_WORD: readonly number[] = [];

/** Tags texts with the concepts of a lexicon. */
export class ConceptTagger {
  /** Exact phrases (words joined by one space) → concepts. */
  private readonly exact = new Map<string, string[]>();
  /** Phrases whose last word is a stem: the phrase up to and including the stem → concepts. */
  private readonly stems = new Map<string, string[]>();
  /** Stem phrases by their head (the words before the stem) and the stem's first two letters, longest stem first. */
  private readonly stemIndex = new Map<string, string[]>();
  /** The same lists for one-word stems of two or more letters, by their first two code units (no key string per word). */
  private readonly stemIndex1 = new Map<number, string[]>();
  /** First two words of multi-word entries (`ignore all`; a stem's first two letters), by first word; the longest entry in words. */
  private readonly firsts = new Map<string, Set<string>>();
  /** What one word can start: its own exact entry's concepts, and the multi-word entries it begins (one lookup per word). */
  private readonly single = new Map<string, { exact?: string[]; seconds?: Set<string>; lengths?: number[] }>();
  /** Each stem phrase's entry as tags name it (`ignor*`), made once. */
  private readonly stemEntries = new Map<string, string>();
  /** Per first word of multi-word entries: their lengths in words, longest first (the only phrase lengths worth trying there). */
  private readonly lengths = new Map<string, number[]>();
  private readonly longest: number;

  constructor(lexicon: Lexicon) {
    let longest = 1;
    for (const [concept, entries] of Object.entries(lexicon)) {
      for (const entry of entries) {
        const stem = entry.endsWith('*');
        const ws = wordsOf.slice(0, words(normalizeText(stem ? entry.slice(0, -1) : entry).text));
        if (ws.length === 0) continue;
        longest = Math.max(longest, ws.length);
        if (ws.length > 1) {
          const seconds = this.firsts.get(ws[0]!) ?? new Set<string>();
          seconds.add(stem && ws.length === 2 ? ws[1]!.slice(0, 2) : ws[1]!);
          this.firsts.set(ws[0]!, seconds);
          const lengths = this.lengths.get(ws[0]!) ?? [];
          if (!lengths.includes(ws.length)) lengths.push(ws.length);
          this.lengths.set(
            ws[0]!,
            lengths.sort((a, b) => b - a),
          );
        }
        const key = ws.join(' ');
        const map = stem ? this.stems : this.exact;
        const list = map.get(key) ?? [];
        if (!list.includes(concept)) list.push(concept);
        map.set(key, list);
        if (stem) {
          this.stemEntries.set(key, `${key}*`);
          const last = ws[ws.length - 1]!;
          const at = `${ws.slice(0, -1).join(' ')}|${last.slice(0, 2)}`;
          const list = this.stemIndex.get(at) ?? [];
          if (!list.includes(key)) list.push(key);
          this.stemIndex.set(
            at,
            list.sort((a, b) => b.length - a.length),
          );
        }
      }
    }
    this.longest = longest;
    for (const [word, concepts] of this.exact) if (!word.includes(' ')) this.single.set(word, { exact: concepts });
    for (const [word, seconds] of this.firsts)
      this.single.set(word, { ...this.single.get(word), seconds, lengths: this.lengths.get(word)! });
    for (const [at, list] of this.stemIndex)
      if (at.length === 3 && at[0] === '|') this.stemIndex1.set(at.charCodeAt(1) * 0x10000 + at.charCodeAt(2), list);
  }

  /** The stem phrases a phrase of `head` and `last` may start with (the index's list for its key). */
  private stemsFor(head: string, last: string): readonly string[] | undefined {
    if (head === '' && last.length >= 2) return this.stemIndex1.get(last.charCodeAt(0) * 0x10000 + last.charCodeAt(1));
    return this.stemIndex.get(`${head}|${last.slice(0, 2)}`);
  }

  /** The concepts of a normalised text, in order. */
  tag(text: string): ConceptTag[] {
    const n = this.tagShared(text);
    const out: ConceptTag[] = [];
    for (let t = 0; t < n; t++)
      out.push({ concept: tagConcept[t]!, entry: tagEntry[t]!, word: tagWord[t]!, start: tagStart[t]!, end: tagEnd[t]! });
    return out;
  }

  /**
   * The tags {@link tag} returns, into the module's reused arrays ({@link tagConcept} … {@link tagEnd}, read before the
   * next call) instead of one object each: their number.
   */
  tagShared(text: string): number {
    // the layers of one check ask for the tags of one text twice (per segment, and the whole text's judgement)
    if (lastTagged !== undefined && lastTagged.tagger === this && lastTagged.text === text) return lastTagged.count;
    const count = words(text);
    const w = wordsOf;
    let out = 0;
    for (let i = 0; i < count;) {
      const next = i + 1 < count ? w[i + 1] : undefined;
      const info = this.single.get(w[i]!);
      const seconds = next === undefined ? undefined : info?.seconds;
      const multi = seconds !== undefined && (seconds.has(next!) || seconds.has(next!.slice(0, 2)));
      const max = multi ? Math.min(this.longest, count - i) : 1;
      // Phrase lengths to try, longest first: those of the multi-word entries that start with this word (no other
      // length can match), then the word alone.
      const lengths = multi ? info!.lengths! : ONE_WORD;
      let matched = 0;
      for (let j = 0; j <= lengths.length && matched === 0; j++) {
        const n = j < lengths.length ? lengths[j]! : 1;
        if (n > max) continue;
        const head = n === 1 ? '' : n === 2 ? w[i]! : w.slice(i, i + n - 1).join(' ');
        const last = w[i + n - 1]!;
        let entry = n === 1 ? last : `${head} ${last}`;
        let concepts = n === 1 ? info?.exact : this.exact.get(entry);
        if (concepts === undefined && this.stems.size > 0) {
          const full = entry;
          for (const key of this.stemsFor(head, last) ?? []) {
            if (!full.startsWith(key)) continue;
            entry = this.stemEntries.get(key)!;
            concepts = this.stems.get(key);
            break;
          }
        }
        if (concepts === undefined) continue;
        for (const concept of concepts) {
          if (out === tagWord.length) growTags();
          tagConcept[out] = concept;
          tagEntry[out] = entry;
          tagWord[out] = i;
          tagStart[out] = startsOf[i]!;
          tagEnd[out++] = endsOf[i + n - 1]!;
        }
        matched = n;
      }
      i += Math.max(1, matched);
    }
    lastTagged = { tagger: this, text, count: out };
    return out;
  }
}

/** The last {@link ConceptTagger.tagShared} call: its tagger, text and tag count (its tags are the shared arrays'). */
let lastTagged: { readonly tagger: ConceptTagger; readonly text: string; readonly count: number } | undefined;

/** The tags of the last {@link ConceptTagger.tagShared} call, by field (reused by every call). */
const tagConcept: string[] = [];
const tagEntry: string[] = [];
let tagWord: Int32Array = new Int32Array(256);
let tagStart: Int32Array = new Int32Array(256);
let tagEnd: Int32Array = new Int32Array(256);

function growTags(): void {
  tagWord = doubled(tagWord);
  tagStart = doubled(tagStart);
  tagEnd = doubled(tagEnd);
}

/** `a` in an array twice its length (the rest zero). */
function doubled(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * The features of a run of tags (a window of text): concepts present, the entries matched (`=ignore`, so the model can
 * tell entries of one concept apart where the data supports it) and ordered concept pairs within {@link PAIR_WINDOW} words.
 */
export function featuresOf(tags: readonly ConceptTag[]): Set<string> {
  const out = new Set<string>();
  for (let a = 0; a < tags.length; a++) {
    const ta = tags[a]!;
    out.add(ta.concept);
    out.add(entryFeature(ta.entry));
    for (let b = a + 1; b < tags.length; b++) {
      const tb = tags[b]!;
      if (tb.word - ta.word > PAIR_WINDOW) break;
      if (tb.word > ta.word && tb.concept !== ta.concept) out.add(pairFeature(ta.concept, tb.concept));
    }
  }
  return out;
}

/**
 * Feature names (`=entry`, `A>B`) built once: entries and concepts come from a lexicon, so there are few, and a reused
 * string also keeps its hash for the weight lookups. Bounded all the same, for callers that pass made-up tags.
 */
const entryFeatures = new Map<string, string>();
const pairFeatures = new Map<string, Map<string, string>>();
function entryFeature(entry: string): string {
  let f = entryFeatures.get(entry);
  if (f === undefined) {
    if (entryFeatures.size >= 8192) entryFeatures.clear();
    f = `=${entry}`;
    entryFeatures.set(entry, f);
  }
  return f;
}
function pairFeature(a: string, b: string): string {
  let byB = pairFeatures.get(a);
  if (byB === undefined) {
    if (pairFeatures.size >= 1024) pairFeatures.clear();
    byB = new Map();
    pairFeatures.set(a, byB);
  }
  let f = byB.get(b);
  if (f === undefined) {
    if (byB.size >= 1024) byB.clear();
    f = `${a}>${b}`;
    byB.set(b, f);
  }
  return f;
}

/** Class probabilities of a feature set under a model (softmax over the classes). */
export function probabilities(model: ConceptModel, features: Iterable<string>): number[] {
  const z = [...model.bias];
  for (const f of features) {
    const w = model.weights[f];
    if (w !== undefined) for (let k = 0; k < z.length; k++) z[k]! += w[k]!;
  }
  return softmax(z);
}

/** `z` (class scores) turned into probabilities in place. */
function softmax<T extends number[] | Float64Array>(z: T): T {
  let max = -Infinity;
  for (const v of z) if (v > max) max = v;
  let sum = 0;
  for (let k = 0; k < z.length; k++) sum += z[k] = Math.exp(z[k]! - max);
  for (let k = 0; k < z.length; k++) z[k]! /= sum;
  return z;
}

/**
 * A model ready to score windows of tags without building their feature sets: each feature's weights are a row of one
 * array, found by name (the names a window's tags make are looked up once each and remembered), and a feature counts
 * once per window by a per-window stamp. Weights are added in the order {@link featuresOf} first names the features, so
 * the sums are those of {@link probabilities} to the last bit.
 */
class CompiledModel {
  private readonly classes: number;
  private readonly bias: Float64Array;
  private readonly rows: Float64Array;
  private readonly ids = new Map<string, number>();
  private readonly entryIds = new Map<string, number>();
  private readonly pairIds = new Map<string, Map<string, number>>();
  private readonly stamps: Uint32Array;
  private generation = 0;
  /** The class scores of the window being judged (reused). */
  readonly z: Float64Array;

  constructor(model: ConceptModel) {
    const names = Object.keys(model.weights);
    this.classes = model.bias.length;
    this.bias = Float64Array.from(model.bias);
    this.z = new Float64Array(this.classes);
    this.rows = new Float64Array(names.length * this.classes);
    names.forEach((name, id) => {
      this.ids.set(name, id);
      const w = model.weights[name]!;
      // as `z[k] += w[k]` reads it: a missing weight is undefined, and adds NaN
      for (let k = 0; k < this.classes; k++) this.rows[id * this.classes + k] = w[k] as number;
    });
    this.stamps = new Uint32Array(names.length);
  }

  private entryId(entry: string): number {
    let id = this.entryIds.get(entry);
    if (id === undefined) {
      if (this.entryIds.size >= 8192) this.entryIds.clear();
      id = this.ids.get(entryFeature(entry)) ?? -1;
      this.entryIds.set(entry, id);
    }
    return id;
  }

  private pairId(a: string, b: string): number {
    let byB = this.pairIds.get(a);
    if (byB === undefined) {
      if (this.pairIds.size >= 1024) this.pairIds.clear();
      this.pairIds.set(a, (byB = new Map()));
    }
    let id = byB.get(b);
    if (id === undefined) {
      if (byB.size >= 1024) byB.clear();
      id = this.ids.get(pairFeature(a, b)) ?? -1;
      byB.set(b, id);
    }
    return id;
  }

  private add(id: number, gen: number): void {
    if (id < 0 || this.stamps[id] === gen) return;
    this.stamps[id] = gen;
    const { z, rows, classes } = this;
    for (let k = 0, at = id * classes; k < classes; k++, at++) z[k]! += rows[at]!;
  }

  /**
   * The class probabilities of the features of the shared tags `from … to` (as {@link probabilities} of
   * {@link featuresOf} of those tags): {@link z}.
   */
  probabilities(from: number, to: number): Float64Array {
    if (++this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
    const gen = this.generation;
    this.z.set(this.bias);
    for (let a = from; a < to; a++) {
      const concept = tagConcept[a]!;
      const word = tagWord[a]!;
      this.add(this.ids.get(concept) ?? -1, gen);
      this.add(this.entryId(tagEntry[a]!), gen);
      for (let b = a + 1; b < to; b++) {
        if (tagWord[b]! - word > PAIR_WINDOW) break;
        if (tagWord[b]! > word && tagConcept[b] !== concept) this.add(this.pairId(concept, tagConcept[b]!), gen);
      }
    }
    return softmax(this.z);
  }
}

const compiled = new WeakMap<ConceptModel, CompiledModel>();

function compiledOf(model: ConceptModel): CompiledModel {
  let c = compiled.get(model);
  if (c === undefined) compiled.set(model, (c = new CompiledModel(model)));
  return c;
}

/**
 * The evidence a model probability at or above `floor` gives: 0.5 (a finding at the default threshold) at `floor`, up
 * to {@link MAX_EVIDENCE} — below the rules' strongest, so a raised threshold still tells the model alone from the
 * model joined by rules.
 */
function evidence(p: number, floor: number): number {
  return 0.5 + ((p - floor) / (1 - floor)) * (MAX_EVIDENCE - 0.5);
}
/** The most a concept model contributes to a segment's score. */
const MAX_EVIDENCE = 0.85;

/** The best non-benign class of the shared tags `from … to` and the probability that it is not benign. */
function judge(model: ConceptModel, from: number, to: number): { type: string; p: number } | undefined {
  if (to <= from) return undefined;
  const p = compiledOf(model).probabilities(from, to);
  let best = 1;
  for (let k = 2; k < p.length; k++) if (p[k]! > p[best]!) best = k;
  return { type: model.classes[best]!, p: 1 - p[0]! };
}

/**
 * The best non-benign class of a whole normalised text and the model's probability that the text is not benign, or
 * undefined when it holds none of the lexicon's concepts.
 */
export function textJudgement(tagger: ConceptTagger, model: ConceptModel, text: string): { type: string; p: number } | undefined {
  return judge(model, 0, tagger.tagShared(text));
}

/**
 * Per segment, the model's evidence (its best non-benign class, and the probability that the text is not benign mapped
 * to 0.5–0.85 when it reaches `floor`): the segment alone, or, when neither it nor the one before reaches `floor` alone, the two
 * together (an attack often spans two sentences; a harmful sentence does not colour the next one). `paired`, when given,
 * is marked true at the index of each segment whose evidence was judged with the one before.
 */
export function conceptEvidence(
  tagger: ConceptTagger,
  model: ConceptModel,
  text: string,
  segments: readonly { readonly start: number; readonly end: number }[],
  floor: number,
  paired?: boolean[],
): (ReadonlyMap<string, number> | undefined)[] {
  const count = tagger.tagShared(text);
  const out: (ReadonlyMap<string, number> | undefined)[] = [];
  let from = 0;
  let prev: { from: number; to: number; p: number } | undefined;
  for (const seg of segments) {
    // a segment owns the tags from where the previous one ended (segments skip leading blanks)
    from = prev?.to ?? 0;
    let to = from;
    while (to < count && tagStart[to]! < seg.end) to++;
    const alone = judge(model, from, to);
    let best = alone;
    if (alone !== undefined && alone.p < floor && prev !== undefined && prev.p < floor && prev.to > prev.from) {
      const both = judge(model, prev.from, to);
      if (both !== undefined && both.p >= floor) {
        best = both;
        if (paired !== undefined) paired[out.length] = true;
      }
    }
    out.push(best !== undefined && best.p >= floor ? new Map([[best.type, evidence(best.p, floor)]]) : undefined);
    prev = { from, to, p: alone?.p ?? 0 };
  }
  return out;
}
