/**
 * The injection detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 5083
 * blind texts (2421 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const INJECTION_STACK: StackModel = {
  ngram: 0.8151,
  concept: 0.4127,
  bias: -0.08966,
  threshold: 0.75,
  keep: 0.9,
  words: 10,
  low: 0.01,
};
