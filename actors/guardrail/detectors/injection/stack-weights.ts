/**
 * The injection detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 12983
 * blind texts (6161 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const INJECTION_STACK: StackModel = {
  ngram: 0.9003,
  concept: 0.3746,
  bias: -0.06073,
  threshold: 0.73,
  keep: 0.95,
  floor: 0.2,
  words: 10,
  low: 0.01,
  cues: {
    weights: [0.8386, 1.417, -1.333, -0.1632],
    bias: 0.1903,
  },
};
