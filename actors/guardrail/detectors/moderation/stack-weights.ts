/**
 * The moderation detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 2036
 * blind texts (972 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const MODERATION_STACK: StackModel = {
  ngram: 0.7211,
  concept: 0.2255,
  bias: 0.633,
  threshold: 0.73,
  keep: 0.9,
  words: 10,
  low: 0.1,
};
