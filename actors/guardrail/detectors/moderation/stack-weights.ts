/**
 * The moderation detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from 5900
 * blind texts (2591 not benign). Do not edit.
 */
import type { StackModel } from '../text/stack.js';

export const MODERATION_STACK: StackModel = {
  ngram: 0.9846,
  concept: 0.1792,
  bias: 0.3059,
  threshold: 0.65,
  keep: 0.95,
  floor: 0.2,
  words: 10,
  low: 0.3,
};
