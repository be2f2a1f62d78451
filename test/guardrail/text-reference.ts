/**
 * Straightforward reference implementations of the guardrail text layers' math, as they were written before the
 * speed work (text/ngram.ts, concepts.ts, rules.ts, similarity.ts at 4ee28d9): sets instead of stamps, regexes instead
 * of code-unit loops, a fresh array per call. text-reference.property.test.ts holds the optimised code to them.
 */
import {
  featuresOf,
  probabilities,
  type ConceptModel,
  type ConceptTag,
  type ConceptTagger,
} from '../../actors/guardrail/detectors/text/concepts.js';
import { NGRAM_DIMS, WINDOW, type LoadedNgram } from '../../actors/guardrail/detectors/text/ngram.js';
import type { Mentions, Span } from '../../actors/guardrail/detectors/text/rules.js';

// ---- n-gram layer

const mix = (h: number, c: number): number => Math.imul(h ^ c, 0x01000193) >>> 0;

function isWordUnit(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a);
  return c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && !(c >= 0x2000 && c <= 0x2bff) && !(c >= 0x3000 && c <= 0x303f) && c !== 0xfeff;
}

/** The distinct hashed n-gram buckets of a text, in first-seen order. */
export function refNgramFeatures(text: string): number[] {
  const seen = new Set<number>();
  const add = (h: number): void => void seen.add(h & (NGRAM_DIMS - 1));
  let prevWord = 0;
  for (let k = 0; k < text.length;) {
    if (!isWordUnit(text.charCodeAt(k))) {
      k++;
      continue;
    }
    const codes = [0x5f];
    while (k < text.length && isWordUnit(text.charCodeAt(k)) && codes.length < 40) codes.push(text.charCodeAt(k++));
    while (k < text.length && isWordUnit(text.charCodeAt(k))) k++;
    codes.push(0x5f);
    for (let i = 0; i + 3 <= codes.length; i++) {
      let h = mix(0x811c9dc5, 3);
      for (let n = 1; n <= 5 && i + n <= codes.length; n++) {
        h = mix(h, codes[i + n - 1]!);
        if (n >= 3) add(mix(h, n));
      }
    }
    let w = mix(0x811c9dc5, 0x77);
    for (const c of codes) w = mix(w, c);
    add(w);
    if (prevWord !== 0) add(mix(mix(prevWord, 0x2b), w));
    prevWord = w;
  }
  return [...seen];
}

/** The model's probability that a text is not benign: the highest over half-overlapping windows. */
export function refNgramProbability(model: LoadedNgram, text: string): number {
  const one = (t: string): number => {
    const f = refNgramFeatures(t);
    if (f.length === 0) return 0;
    let z = 0;
    for (const b of f) z += model.w[b]!;
    return 1 / (1 + Math.exp(-(model.bias + z / Math.sqrt(f.length))));
  };
  if (text.length <= WINDOW) return one(text);
  let best = 0;
  for (let at = 0; at < text.length; at += WINDOW / 2) {
    best = Math.max(best, one(text.slice(at, at + WINDOW)));
    if (at + WINDOW >= text.length) break;
  }
  return best;
}

/** The number of words (runs of letters and digits). */
export function refWords(text: string): number {
  return [...text.matchAll(/[\p{L}\p{N}]+/gu)].length;
}

// ---- rules: segments and mentions

/** Sentence-like segments: split at newlines, sentence ends, `|` and comment marks; parts without a letter or digit dropped. */
export function refSegmentsOf(text: string, maxLength = 600): Span[] {
  const out: Span[] = [];
  let start = 0;
  const push = (end: number): void => {
    let s = start;
    while (s < end && text[s] === ' ') s++;
    for (let k = s; k < end; k += maxLength) out.push({ start: k, end: Math.min(end, k + maxLength) });
  };
  for (const m of text.matchAll(/\n|[.!?;。](?=[\s"'”’)\]}<*]|$)|-->|<!--|\|/gu)) {
    push(m.index + m[0].length);
    start = m.index + m[0].length;
  }
  push(text.length);
  return out.filter((s) => /[\p{L}\p{N}]/u.test(text.slice(s.start, s.end)));
}

/** The mentioned spans of a text, flattened. */
export function refMentionSpans(text: string, m: Mentions): number[] {
  const out: number[] = [];
  for (const x of text.matchAll(new RegExp(m.re.source, m.re.flags))) {
    const inner = x.slice(1).find((g) => g !== undefined);
    if (inner === undefined) continue;
    // a span that addresses the model from inside the quotes is no mention
    if (m.unless !== undefined && new RegExp(m.unless.source, m.unless.flags).test(inner)) continue;
    const start = x.index + x[0].indexOf(inner);
    out.push(start, start + inner.length);
  }
  return out;
}

/** The text with its mentioned spans blanked. */
export function refWithoutMentions(text: string, m: Mentions): string {
  const spans = refMentionSpans(text, m);
  let out = text;
  for (let k = 0; k < spans.length; k += 2) out = out.slice(0, spans[k]) + ' '.repeat(spans[k + 1]! - spans[k]!) + out.slice(spans[k + 1]);
  return out;
}

// ---- concept layer

/** The tagger's lookup tables (its private fields, read as the original tagging loop read them). */
interface TaggerTables {
  readonly exact: Map<string, string[]>;
  readonly stems: Map<string, string[]>;
  readonly stemIndex: Map<string, string[]>;
  readonly firsts: Map<string, Set<string>>;
  readonly longest: number;
}

/** The concepts of a normalised text: at each word, every phrase length from the longest down, exact entries before stems. */
export function refTag(tagger: ConceptTagger, text: string): ConceptTag[] {
  const t = tagger as unknown as TaggerTables;
  const found = [...text.matchAll(/[\p{L}\p{N}]+/gu)];
  const w = found.map((m) => m[0]);
  const out: ConceptTag[] = [];
  for (let i = 0; i < w.length;) {
    const next = w[i + 1];
    const seconds = next === undefined ? undefined : t.firsts.get(w[i]!);
    const multi = seconds !== undefined && (seconds.has(next!) || seconds.has(next!.slice(0, 2)));
    const max = multi ? Math.min(t.longest, w.length - i) : 1;
    let matched = 0;
    for (let n = max; n >= 1 && matched === 0; n--) {
      const head = w.slice(i, i + n - 1).join(' ');
      const last = w[i + n - 1]!;
      let entry = n === 1 ? last : `${head} ${last}`;
      let concepts = t.exact.get(entry);
      if (concepts === undefined)
        for (const key of t.stemIndex.get(`${head}|${last.slice(0, 2)}`) ?? []) {
          if (!entry.startsWith(key)) continue;
          entry = `${key}*`;
          concepts = t.stems.get(key);
          break;
        }
      if (concepts === undefined) continue;
      const start = found[i]!.index;
      const end = found[i + n - 1]!.index + last.length;
      for (const concept of concepts) out.push({ concept, entry, word: i, start, end });
      matched = n;
    }
    i += Math.max(1, matched);
  }
  return out;
}

/** Per segment, the concept model's evidence (the segment alone, or with the one before when neither is enough). */
export function refConceptEvidence(
  tagger: ConceptTagger,
  model: ConceptModel,
  text: string,
  segments: readonly Span[],
  floor: number,
): (Map<string, number> | undefined)[] {
  const tags = refTag(tagger, text);
  const judge = (window: ConceptTag[]): { type: string; p: number } | undefined => {
    if (window.length === 0) return undefined;
    const p = probabilities(model, featuresOf(window));
    let best = 1;
    for (let k = 2; k < p.length; k++) if (p[k]! > p[best]!) best = k;
    return { type: model.classes[best]!, p: 1 - p[0]! };
  };
  const out: (Map<string, number> | undefined)[] = [];
  let prev: { from: number; to: number; p: number } | undefined;
  for (const seg of segments) {
    const from = prev?.to ?? 0;
    let to = from;
    while (to < tags.length && tags[to]!.start < seg.end) to++;
    const alone = judge(tags.slice(from, to));
    let best = alone;
    if (alone !== undefined && alone.p < floor && prev !== undefined && prev.p < floor && prev.to > prev.from) {
      const both = judge(tags.slice(prev.from, to));
      if (both !== undefined && both.p >= floor) best = both;
    }
    out.push(
      best !== undefined && best.p >= floor ? new Map([[best.type, 0.5 + ((best.p - floor) / (1 - floor)) * (0.85 - 0.5)]]) : undefined,
    );
    prev = { from, to, p: alone?.p ?? 0 };
  }
  return out;
}

// ---- similarity layer

const DIMS = 1 << 15;
const step = (h: number, c: number): number => Math.imul(h ^ c, 0x01000193);
function hash(s: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = step(h, s.charCodeAt(i));
  return (h >>> 0) & (DIMS - 1);
}

/** The hashed n-gram vector of a text: buckets in first-touch order and their L2-normalised weights (float32). */
export function refVectorize(text: string): { idx: number[]; val: number[] } {
  const dense = new Map<number, number>();
  const add = (h: number, w: number): void => void dense.set((h >>> 0) & (DIMS - 1), (dense.get((h >>> 0) & (DIMS - 1)) ?? 0) + w);
  const words = text.split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '');
  words.forEach((w, i) => {
    add(hash(w, 0x9e3779b9), 1);
    if (i > 0) add(hash(w, hash(words[i - 1]!, 0x85ebca6b)), 1);
    const padded = ` ${w} `;
    for (let k = 0; k + 3 <= padded.length; k++) {
      let h = step(step(step(0x811c9dc5, padded.charCodeAt(k)), padded.charCodeAt(k + 1)), padded.charCodeAt(k + 2));
      add(h, 0.5);
      for (let n = 4; n <= 5 && k + n <= padded.length; n++) add((h = step(h, padded.charCodeAt(k + n - 1))), 0.5);
    }
  });
  let norm = 0;
  for (const v of dense.values()) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  return { idx: [...dense.keys()], val: [...dense.values()].map((v) => Math.fround(v / norm)) };
}

/** The nearest example of `bank` by cosine (float32 accumulation, examples in order), or undefined: a search function. */
export function refBank(
  bank: readonly { readonly text: string; readonly type: string }[],
): (text: string) => { type: string; cosine: number } | undefined {
  const postings = new Map<number, { entry: number; w: number }[]>();
  bank.forEach((e, entry) => {
    const v = refVectorize(e.text);
    v.idx.forEach((k, i) => postings.set(k, [...(postings.get(k) ?? []), { entry, w: v.val[i]! }]));
  });
  return (text) => {
    const v = refVectorize(text);
    const acc = new Float32Array(bank.length);
    v.idx.forEach((k, i) => {
      for (const p of postings.get(k) ?? []) acc[p.entry] = acc[p.entry]! + p.w * v.val[i]!;
    });
    let best = -1;
    for (let e = 0; e < acc.length; e++) if (best < 0 || acc[e]! > acc[best]!) best = e;
    return best < 0 || acc[best] === 0 ? undefined : { type: bank[best]!.type, cosine: acc[best]! };
  };
}
