/**
 * The injection detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 910
 * blind texts (441 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const INJECTION_STACK: StackModel = {
  ngram: 0.561,
  concept: 0.2542,
  bias: 0.4891,
  threshold: 0.89,
  keep: 0.9,
  words: 15,
};
