/**
 * The moderation detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 449
 * blind texts (203 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const MODERATION_STACK: StackModel = {
  ngram: 0.7855,
  concept: 0.09248,
  bias: 0.8848,
  threshold: 0.84,
  keep: 1.01
};
