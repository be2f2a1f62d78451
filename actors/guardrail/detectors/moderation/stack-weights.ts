/**
 * The moderation detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 761
 * blind texts (336 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const MODERATION_STACK: StackModel = {
  ngram: 0.6461,
  concept: 0.147,
  bias: 0.9282,
  threshold: 0.83,
  keep: 0.9,
  words: 6,
};
