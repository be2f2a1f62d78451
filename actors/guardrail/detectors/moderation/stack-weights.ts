/**
 * The moderation detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 7395
 * blind texts (3226 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const MODERATION_STACK: StackModel = {
  ngram: 0.9991,
  concept: 0.1888,
  bias: 0.2274,
  threshold: 0.7,
  keep: 0.95,
  floor: 0.2,
  words: 10,
  low: 0.2,
};
