/**
 * The injection detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 632
 * blind texts (328 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const INJECTION_STACK: StackModel = {
  ngram: 0.6082,
  concept: 0.2508,
  bias: 0.5248,
  threshold: 0.88,
  keep: 0.9
};
