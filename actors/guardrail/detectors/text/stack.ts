/**
 * The learned combination that decides whether a text is benign, for the injection and moderation detectors: a
 * logistic regression over the n-gram model's probability (ngram.ts) and the concept model's probability for the whole
 * text (concepts.ts), fitted by test/guardrail/train-stack.ts on text the hand-written layers never saw (the `*-train22`
 * sets, written blind to the rules and the lexicons, scored by n-gram and concept models fitted without them), so its
 * weights say how far each layer is to be trusted on new text — not on the sets the rules were tuned on, where the rules
 * look perfect. The rules' and the concept layer's findings give a text's spans and types; the combination decides
 * whether it has any ({@link stackGate}).
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
  /** Findings at or above this score stand whatever the combination says. */
  readonly keep: number;
  /** Fewest words (of the normalised text) the combination judges; a shorter text is judged by the n-gram gate. */
  readonly words: number;
  /** The n-gram gate's `low` for those shorter texts (ngram.ts `NgramGate`), chosen with the other values. */
  readonly low: number;
}

/** The log-odds of `p`, kept within [0.001, 0.999] (the combination's inputs). */
export const logit = (p: number): number => {
  const q = Math.min(1 - 1e-3, Math.max(1e-3, p));
  return Math.log(q / (1 - q));
};

/** The combined probability that a text is not benign, from the n-gram and (whole-text) concept probabilities. */
export function stackProbability(model: StackModel, ngram: number, concept: number): number {
  const z = model.bias + model.ngram * logit(ngram) + (model.concept === 0 ? 0 : model.concept * logit(concept));
  return 1 / (1 + Math.exp(-z));
}

/**
 * The findings after the combination: where it says benign (`s` below the threshold), only findings scoring at least
 * `keep` — or, when none does, what `benign` makes of the text (a detector's structural cue the models do not read;
 * none by default); where it says not benign, the findings, or when there are none, one finding of `type` over the
 * whole text (trimmed), scored 0.5 at the threshold up to 0.85, kept if it reaches `threshold`. A text of fewer than
 * `model.words` words (`normalized`: the text as the models read it) is too little for the combination: `short` judges
 * it (the n-gram gate of ngram.ts, chosen on such texts).
 */
export function stackGate(
  detector: string,
  input: string,
  normalized: string,
  findings: readonly Finding[],
  s: number,
  model: StackModel,
  type: () => string,
  threshold: (type: string) => number,
  short: () => Finding[],
  benign?: () => Finding[],
): Finding[] {
  if (countWords(normalized, model.words) < model.words) return short();
  if (s < model.threshold) {
    const kept = findings.filter((f) => f.score >= model.keep);
    return kept.length > 0 || benign === undefined ? kept : benign();
  }
  if (findings.length > 0) return [...findings];
  return wholeTextFinding(detector, input, type(), s, model.threshold, threshold);
}
