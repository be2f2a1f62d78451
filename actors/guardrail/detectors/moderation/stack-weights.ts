/**
 * The moderation detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 8160
 * blind texts (3511 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const MODERATION_STACK: StackModel = {
  ngram: 0.9974,
  concept: 0.1766,
  bias: 0.2166,
  threshold: 0.73,
  keep: 0.95,
  floor: 0.2,
  words: 10,
  low: 0.3,
};
