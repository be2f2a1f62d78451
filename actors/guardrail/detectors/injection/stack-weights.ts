/**
 * The injection detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 4903
 * blind texts (2289 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const INJECTION_STACK: StackModel = {
  ngram: 0.7819,
  concept: 0.4116,
  bias: -0.002359,
  threshold: 0.74,
  keep: 0.9,
  words: 10,
  low: 0.01
};
