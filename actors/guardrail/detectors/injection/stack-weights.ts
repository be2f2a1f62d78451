/**
 * The injection detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 15383
 * blind texts (7341 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const INJECTION_STACK: StackModel = {
  ngram: 0.9569,
  concept: 0.3767,
  bias: -0.05027,
  threshold: 0.72,
  keep: 0.95,
  floor: 0.2,
  words: 10,
  low: 0.01,
  cues: {
    weights: [0.9038, 1.308, -1.357, -0.189],
    bias: 0.1698,
  },
};
