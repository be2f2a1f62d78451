/**
 * The injection detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 7083
 * blind texts (3381 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const INJECTION_STACK: StackModel = {
  ngram: 0.763,
  concept: 0.4218,
  bias: -0.1089,
  threshold: 0.73,
  keep: 0.9,
  words: 10,
  low: 0.01,
  cues: {
    weights: [0.9559, 1.784, -1.564, -0.2808],
    bias: 0.3521,
  },
};
