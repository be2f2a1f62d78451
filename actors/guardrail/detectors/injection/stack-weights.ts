/**
 * The injection detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 3283
 * blind texts (1539 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const INJECTION_STACK: StackModel = {
  ngram: 0.67,
  concept: 0.4191,
  bias: 0.2206,
  threshold: 0.7,
  keep: 0.9,
  words: 10,
  low: 0.01,
};
