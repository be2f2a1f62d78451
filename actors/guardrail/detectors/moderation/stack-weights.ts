/**
 * The moderation detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 3165
 * blind texts (1466 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const MODERATION_STACK: StackModel = {
  ngram: 0.8562,
  concept: 0.237,
  bias: 0.5096,
  threshold: 0.7,
  keep: 0.9,
  words: 10,
  low: 0.2,
};
