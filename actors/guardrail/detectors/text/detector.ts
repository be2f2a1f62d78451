/**
 * The layered rule detector the injection, moderation and bias detectors are made of: normalise (normalize.ts),
 * blank benign idioms, score segments by weighted rules and context rules (rules.ts), join the similarity bank's
 * evidence (similarity.ts) and an optional classifier's, and return one finding per segment and type whose score
 * reaches the type's threshold, spanning the segment in the original text.
 */
import type { Finding } from '../../../../protocols/index.js';
import type { Classifier } from '../classifier/types.js';
import type { DetectContext, Detector } from '../../detector.js';
import { normalizeText, originalSpan, type NormalizedText } from './normalize.js';
import {
  blank,
  prepareRules,
  scoreSegments,
  segmentsOf,
  withoutMentions,
  type ContextRule,
  type Mentions,
  type Rule,
  type SegmentScore,
  type Span,
} from './rules.js';
import type { SimilarityBank } from './similarity.js';
import { conceptEvidence, type ConceptModel, type ConceptTagger } from './concepts.js';
import { enoughWords, type LoadedNgram } from './ngram.js';

/** Options every layered detector takes. */
export interface LayeredOptions {
  /** Score a segment needs for a finding (default 0.5). */
  readonly threshold?: number;
  /** Per finding type, overriding `threshold`. */
  readonly thresholds?: Readonly<Record<string, number>>;
  /** An ONNX (or other) classifier whose scores join the rules' (see classifier/). */
  readonly classifier?: Classifier;
  /** Use the similarity bank (default true). */
  readonly similarity?: boolean;
  /** Use the concept layer (default true). */
  readonly concepts?: boolean;
  /** Use the n-gram layer (ngram.ts; default true) where the detector has one. */
  readonly ngram?: boolean;
  /**
   * Learned weights in place of the built-in ones (the trainers' cross-validation scores each held-out set with models
   * fitted without it).
   */
  readonly models?: TrainedModels;
}

/** Learned weights a detector can be given in place of its built-in ones. */
export interface TrainedModels {
  readonly concept?: ConceptModel;
  readonly ngram?: LoadedNgram;
}

/** What one layered detector is made of. */
export interface LayeredSpec {
  readonly name: string;
  readonly rules: readonly Rule[];
  readonly contexts?: readonly ContextRule[];
  /** Benign idioms blanked before the rules run (`kill the process`, `sex: F`). */
  readonly benign?: RegExp;
  /** Labelled example sentences for the similarity layer. */
  readonly bank?: SimilarityBank;
  /** Cosine below which a bank neighbour adds nothing (default 0.5). */
  readonly similarityFloor?: number;
  /** Segments the bank is searched for (all when absent): two distinct matches needed, which keeps the layer's cost down. */
  readonly similarityGate?: RegExp;
  /** The concept layer (concepts.ts): a lexicon tagger and a learned model; evidence below `floor` is dropped. */
  readonly concepts?: { readonly tagger: ConceptTagger; readonly model: ConceptModel; readonly floor: number };
  /** Quoted mentions (rules.ts {@link Mentions}): rule hits inside count less, and the concept layer does not read them. */
  readonly mentions?: Mentions;
}

/** How long after a detector is made its rules' literal index is built (see {@link layeredDetect}). */
const PREPARE_AFTER_MS = 3_000;

/** Rule score at which a segment skips the similarity layer (it is flagged already). */
const SIMILARITY_SKIP = 0.75;

/** Distinct matches of a gate in a segment, counted up to 2. */
function gateHits(gate: RegExp, segment: string): number {
  const re = gate.global ? gate : new RegExp(gate.source, `${gate.flags}g`);
  re.lastIndex = 0;
  let first: string | undefined;
  for (let m = re.exec(segment); m !== null; m = re.exec(segment)) {
    if (first === undefined) first = m[0];
    else if (m[0] !== first) return 2;
    if (m[0].length === 0) re.lastIndex++;
  }
  return first === undefined ? 0 : 1;
}

/**
 * Where a text detector gets the check's abort signal: the check's context, read only where a signal is used (a
 * configured classifier), since reading it makes the check's AbortController. The detectors are called before the
 * check's budget can run out, so none is aborted when a detection starts.
 */
export type SignalSource = Pick<DetectContext, 'signal'>;

/** Scores of the segments of `input` (normalised as `n`), in normalised offsets. */
export async function scoreText(
  spec: LayeredSpec,
  options: LayeredOptions,
  input: string,
  n: NormalizedText,
  ctx?: SignalSource,
  conceptFloor?: number,
): Promise<SegmentScore[]> {
  const text = spec.benign === undefined ? n.text : blank(n.text, spec.benign);
  const floor = spec.similarityFloor ?? 0.5;
  const bank = options.similarity === false ? undefined : spec.bank;
  let late: readonly ReadonlyMap<string, number>[] | undefined;
  if (options.classifier !== undefined) {
    const originals = segmentsOf(text).map((s) => input.slice(...originalSpan(n, s.start, s.end)));
    late = originals.length === 0 ? [] : await options.classifier.classify(originals, ctx?.signal);
  }
  // A few words are too little evidence for the learned model alone ("can you do it again?" read as harassment).
  const paired: boolean[] = [];
  const concepts =
    spec.concepts === undefined || options.concepts === false || !enoughWords(input)
      ? undefined
      : conceptEvidence(
          spec.concepts.tagger,
          spec.concepts.model,
          withoutMentions(n.text, spec.mentions),
          segmentsOf(text),
          conceptFloor ?? spec.concepts.floor,
          paired,
        );
  return scoreSegments({
    text,
    rules: spec.rules,
    ...(spec.contexts === undefined ? {} : { contexts: spec.contexts }),
    ...(spec.mentions === undefined ? {} : { mentions: spec.mentions }),
    extra: (seg: Span, _index: number, ruleBest: number) => similarity(seg, ruleBest),
    second: (_seg, index) => concepts?.[index],
    secondPaired: (index) => paired[index] === true,
    late: (_seg, index) => late?.[index],
  });

  function similarity(seg: Span, ruleBest: number): ReadonlyMap<string, number> | undefined {
    // The bank only matters where the rules are unsure: a segment they already flag, or one without the gate's
    // words, skips the (comparatively costly) vectorising and search.
    if (bank === undefined || ruleBest >= SIMILARITY_SKIP) return undefined;
    const segment = text.slice(seg.start, seg.end);
    if (spec.similarityGate !== undefined && gateHits(spec.similarityGate, segment) < 2) return undefined;
    const near = bank.nearest(segment);
    if (near === undefined || near.cosine < floor) return undefined;
    return new Map([[near.type, Math.min(0.95, ((near.cosine - floor) / (1 - floor)) * 1.2)]]);
  }
}

/**
 * A detector function over `spec`: findings in original offsets, trimmed of surrounding whitespace. `conceptFloor`
 * overrides the concept layer's floor for one text (a detector that asks another layer to confirm weak model evidence).
 */
export function layeredDetect(
  spec: LayeredSpec,
  options: LayeredOptions,
): (input: string, ctx?: SignalSource, conceptFloor?: number) => Promise<Finding[]> {
  // The rules' literal index (about 0.6 s of CPU for the built-in rules) is built a few seconds after the detector is
  // made, or at its first check if that comes sooner: a CLI command that checks no text never pays for it, a server's
  // first message does not wait for it. The timer does not keep a process alive.
  setTimeout(() => prepareRules(spec.rules, spec.contexts), PREPARE_AFTER_MS).unref();
  return async (input, ctx, conceptFloor) => {
    const n = normalizeText(input);
    const scores = await scoreText(spec, options, input, n, ctx, conceptFloor);
    return toFindings(spec.name, input, n, scores, thresholdOf(options));
  };
}

/** A detector of `types` made of one layered spec and nothing else (moderation, bias); it closes its classifier. */
export function layeredDetector(spec: LayeredSpec, types: readonly string[], options: LayeredOptions): Detector {
  const detect = layeredDetect(spec, options);
  return {
    name: spec.name,
    types,
    detect: (text: string, ctx: DetectContext) => detect(text, ctx),
    close: async () => await options.classifier?.close(),
  };
}

/** The threshold function of `options`. */
export function thresholdOf(options: LayeredOptions): (type: string) => number {
  return (type) => options.thresholds?.[type] ?? options.threshold ?? 0.5;
}

/** One finding per segment score that reaches its type's threshold. */
export function toFindings(
  name: string,
  input: string,
  n: NormalizedText,
  scores: readonly SegmentScore[],
  threshold: (type: string) => number,
): Finding[] {
  const out: Finding[] = [];
  for (const s of scores) {
    if (s.score < threshold(s.type)) continue;
    let [start, end] = originalSpan(n, s.start, s.end);
    while (start < end && /\s/.test(input[start]!)) start++;
    while (end > start && /\s/.test(input[end - 1]!)) end--;
    out.push({ detector: name, type: s.type, start, end, score: Math.round(Math.min(1, s.score) * 1000) / 1000 });
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}
