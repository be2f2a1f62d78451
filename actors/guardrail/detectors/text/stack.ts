/**
 * The learned combination that decides whether a text is benign, for the injection and moderation detectors: a
 * logistic regression over the n-gram model's probability (ngram.ts) and the concept model's probability for the whole
 * text (concepts.ts), fitted by test/guardrail/train-stack.ts on text the hand-written layers never saw (the `*-train22`
 * sets, written blind to the rules and the lexicons, scored by n-gram and concept models fitted without them), so its
 * weights say how far each layer is to be trusted on new text — not on the sets the rules were tuned on, where the rules
 * look perfect. A detector may add a second stage ({@link StackCues}): structural cues of its own whose weights were
 * fitted on blind text alone, added to the first stage's log-odds. The rules' and the concept layer's findings give a
 * text's spans and types; the combination decides whether it has any ({@link stackGate}).
 */
import type { Finding } from '../../../../protocols/index.js';
import { countWords } from './letters.js';
import { wholeTextFinding } from './ngram.js';

/** A fitted combination (weights of the log-odds of each layer's probability) and its operating point. */
export interface StackModel {
  /** Weight of the n-gram model's log-odds. */
  readonly ngram: number;
  /** Weight of the concept model's log-odds for the whole text (0: not read). */
  readonly concept: number;
  readonly bias: number;
  /** Combined probability at or above which a text is not benign. */
  readonly threshold: number;
  /** Findings at or above this score stand whatever the combination says — unless it is below {@link floor}. */
  readonly keep: number;
  /**
   * A lower `keep` for types whose miss costs most (moderation's SELF_HARM: a disclosure beside other text must not
   * be dropped because the whole text reads as mild). Set by the detector, not the trainer.
   */
  readonly keepTypes?: Readonly<Record<string, number>>;
  /**
   * Combined probability below which not even a `keep` finding stands (absent or 0: every one does): where the learned
   * layers are that sure, a strong rule hit is a quoted attack (an incident report, a test list) far more often than
   * one.
   */
  readonly floor?: number;
  /** Fewest words (of the normalised text) the combination judges; a shorter text is judged by the n-gram gate. */
  readonly words: number;
  /** The n-gram gate's `low` for those shorter texts (ngram.ts `NgramGate`), chosen with the other values. */
  readonly low: number;
  /** The second stage: weights of a detector's structural cues, added to the first stage's log-odds (none: not read). */
  readonly cues?: StackCues;
}

/**
 * The second stage of a combination: structural cues of the text (a detector's own, e.g. an agent addressed by a note;
 * each within a known range) whose weights were fitted on text written blind to them, added to the learned layers'
 * log-odds.
 */
export interface StackCues {
  /** One weight per cue, in the detector's cue order. */
  readonly weights: readonly number[];
  readonly bias: number;
}

/** A detector's cues: their values for a text, and each cue's range (lowest, highest value). */
export interface CueSource {
  readonly ranges: readonly (readonly [number, number])[];
  values(): readonly number[];
  /**
   * One cue's value (as `values()[index]`), for a source that can read its cues one at a time; `order` is the order
   * {@link stackVerdict} reads them in (cheapest first; index order when absent).
   */
  value?(index: number): number;
  readonly order?: readonly number[];
}

/** The combination's verdict on a text ({@link stackVerdict}). */
export interface StackVerdict {
  /** Whether the text is not benign: the combined probability is not below the threshold. */
  readonly above: boolean;
  /** The combined probability as {@link stackProbability} gives it (read only when asked). */
  probability(): number;
}

/**
 * How far from the threshold a bound must lie for {@link stackVerdict} to decide by it: far more than the rounding of
 * the sums it compares, so a verdict from bounds is the verdict of the exact probability.
 */
const VERDICT_MARGIN = 1e-9;

/** The log-odds of `p`, kept within [0.001, 0.999] (the combination's inputs). */
export const logit = (p: number): number => {
  const q = Math.min(1 - 1e-3, Math.max(1e-3, p));
  return Math.log(q / (1 - q));
};

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/**
 * The combined probability that a text is not benign, from the n-gram and (whole-text) concept probabilities and, when
 * the model has a second stage, the detector's cues. The cues are read only where they can change the decision: when
 * even their values most in favour of an attack leave the text below the threshold, that bound is returned (the text
 * is benign either way; the probability is at most the bound).
 */
export function stackProbability(model: StackModel, ngram: number, concept: number, cues?: CueSource): number {
  const z = model.bias + model.ngram * logit(ngram) + (model.concept === 0 ? 0 : model.concept * logit(concept));
  const second = model.cues;
  if (second === undefined || cues === undefined) return sigmoid(z);
  let highest = second.bias;
  second.weights.forEach((w, i) => {
    const [lo, hi] = cues.ranges[i]!;
    highest += Math.max(w * lo, w * hi);
  });
  const bound = sigmoid(z + highest);
  if (bound < model.threshold) return bound;
  return sigmoid(z + cueTerm(second, cues.values()));
}

/**
 * Whether {@link stackProbability} is at or above the model's threshold, with the cues read only until that is certain:
 * one at a time (in the source's `order`), while the others may still take any value in their ranges, and no further
 * once the bounds of the combined probability lie on one side of the threshold. The probability itself, which only a
 * text without findings needs (its whole-text finding's score), is {@link stackProbability}'s and reads the rest.
 * A source that cannot read cues one at a time is read as before.
 */
export function stackVerdict(model: StackModel, ngram: number, concept: number, cues?: CueSource): StackVerdict {
  let exact: number | undefined;
  const probability = (): number => (exact ??= stackProbability(model, ngram, concept, cues));
  const second = model.cues;
  const one = cues?.value;
  if (second === undefined || cues === undefined || one === undefined) {
    const s = probability();
    return { above: !(s < model.threshold), probability };
  }
  const z = model.bias + model.ngram * logit(ngram) + (model.concept === 0 ? 0 : model.concept * logit(concept));
  const known: (number | undefined)[] = [];
  const order = cues.order ?? second.weights.map((_, i) => i);
  for (let step = 0; step <= order.length; step++) {
    let lo = second.bias;
    let hi = second.bias;
    second.weights.forEach((w, i) => {
      const v = known[i];
      const [a, b] = cues.ranges[i]!;
      lo += v === undefined ? Math.min(w * a, w * b) : w * v;
      hi += v === undefined ? Math.max(w * a, w * b) : w * v;
    });
    if (sigmoid(z + hi) < model.threshold - VERDICT_MARGIN) return { above: false, probability };
    if (sigmoid(z + lo) >= model.threshold + VERDICT_MARGIN) return { above: true, probability };
    if (step < order.length) known[order[step]!] = one.call(cues, order[step]!);
  }
  const s = probability();
  return { above: !(s < model.threshold), probability };
}

/** The second stage's addition to the log-odds for cue values. */
export function cueTerm(cues: StackCues, values: readonly number[]): number {
  let t = cues.bias;
  cues.weights.forEach((w, i) => (t += w * values[i]!));
  return t;
}

/**
 * The findings after the combination: where it says benign (`s` below the threshold), only findings scoring at least
 * `keep`, and none where `s` is below the model's `floor`; where it says not benign, the findings, or when there are
 * none, one finding of `type` over the whole text (trimmed), scored 0.5 at the threshold up to 0.85, kept if it reaches
 * `threshold`. A text of fewer than
 * `model.words` words (`normalized`: the text as the models read it) is too little for the combination: `short` judges
 * it (the n-gram gate of ngram.ts, chosen on such texts).
 */
export function stackGate(
  detector: string,
  input: string,
  normalized: string,
  findings: readonly Finding[],
  s: number | (() => StackVerdict),
  model: StackModel,
  type: () => string,
  threshold: (type: string) => number,
  short: () => Finding[],
): Finding[] {
  if (countWords(normalized, model.words) < model.words) return short();
  // `s` as a function: the verdict, formed only for a text long enough to be judged by it
  const verdict = typeof s === 'number' ? { above: !(s < model.threshold), probability: () => s } : s();
  if (!verdict.above) {
    const kept = findings.filter((f) => f.score >= (model.keepTypes?.[f.type] ?? model.keep));
    return kept.length > 0 && model.floor !== undefined && verdict.probability() < model.floor ? [] : kept;
  }
  if (findings.length > 0) return [...findings];
  return wholeTextFinding(detector, input, type(), verdict.probability(), model.threshold, threshold);
}
