/**
 * The injection detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 7483
 * blind texts (3561 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const INJECTION_STACK: StackModel = {
  ngram: 0.7832,
  concept: 0.3818,
  bias: -0.07101,
  threshold: 0.74,
  keep: 0.9,
  words: 10,
  low: 0.01,
  cues: {
    weights: [0.7822, 2.072, -1.503, -0.2828],
    bias: 0.3802,
  },
};
