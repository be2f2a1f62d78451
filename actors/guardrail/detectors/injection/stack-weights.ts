/**
 * The injection detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 11783
 * blind texts (5661 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const INJECTION_STACK: StackModel = {
  ngram: 0.8695,
  concept: 0.3806,
  bias: -0.08939,
  threshold: 0.73,
  keep: 0.95,
  floor: 0.2,
  words: 10,
  low: 0.01,
  cues: {
    weights: [0.9122, 1.542, -1.394, -0.2007],
    bias: 0.1921,
  },
};
