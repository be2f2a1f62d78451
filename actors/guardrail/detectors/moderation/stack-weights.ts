/**
 * The moderation detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 5520
 * blind texts (2471 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const MODERATION_STACK: StackModel = {
  ngram: 0.9853,
  concept: 0.1805,
  bias: 0.3081,
  threshold: 0.66,
  keep: 0.95,
  floor: 0.1,
  words: 10,
  low: 0.3,
};
