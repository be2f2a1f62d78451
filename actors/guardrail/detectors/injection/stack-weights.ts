/**
 * The injection detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 6083
 * blind texts (2921 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const INJECTION_STACK: StackModel = {
  ngram: 0.7384,
  concept: 0.4384,
  bias: -0.1201,
  threshold: 0.73,
  keep: 0.9,
  words: 10,
  low: 0.01,
  cues: {
    weights: [0.992, 2.185, -1.498, -0.2527],
    bias: 0.3111,
  },
};
