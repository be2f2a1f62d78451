/**
 * The injection detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 3903
 * blind texts (1849 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const INJECTION_STACK: StackModel = {
  ngram: 0.7415,
  concept: 0.4578,
  bias: 0.07116,
  threshold: 0.72,
  keep: 0.9,
  words: 10,
  low: 0.01,
};
