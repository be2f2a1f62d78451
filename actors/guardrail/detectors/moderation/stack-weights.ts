/**
 * The moderation detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 4385
 * blind texts (1976 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const MODERATION_STACK: StackModel = {
  ngram: 0.9065,
  concept: 0.2114,
  bias: 0.4195,
  threshold: 0.63,
  keep: 0.9,
  words: 10,
  low: 0.3,
};
