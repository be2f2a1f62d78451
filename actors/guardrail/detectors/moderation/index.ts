/**
 * The `moderation` detector (HARASSMENT, HATE, SELF_HARM, VIOLENCE, SEXUAL) and the `bias` detector (STEREOTYPE),
 * English, German, French and Spanish: normalisation, benign idioms blanked, weighted lexicon and context rules
 * (rules.ts), and the optional classifier slot (classifier/), whose scores join the rules'. Per-type thresholds.
 * No similarity bank: harmful text is too varied for a small bank, and its near neighbours are often benign.
 */
import type { DetectContext, Detector } from '../../detector.js';
import { layeredDetect, type LayeredOptions } from '../text/detector.js';
import {
  BIAS_BENIGN,
  BIAS_CONTEXTS,
  BIAS_RULES,
  BIAS_TYPES,
  MODERATION_BENIGN,
  MODERATION_CONTEXTS,
  MODERATION_RULES,
  MODERATION_TYPES,
} from './rules.js';

export { MODERATION_TYPES, BIAS_TYPES } from './rules.js';

/** Options of {@link moderationDetector}: `thresholds` per type (HARASSMENT, HATE, SELF_HARM, VIOLENCE, SEXUAL). */
export type ModerationOptions = Omit<LayeredOptions, 'similarity'>;
/** Options of {@link biasDetector}. */
export type BiasOptions = Omit<LayeredOptions, 'similarity'>;

/** Harassment, hate, self-harm, violence and sexual content. */
export function moderationDetector(options: ModerationOptions = {}): Detector {
  const detect = layeredDetect(
    { name: 'moderation', rules: MODERATION_RULES, contexts: MODERATION_CONTEXTS, benign: MODERATION_BENIGN },
    { ...options, similarity: false },
  );
  return {
    name: 'moderation',
    types: MODERATION_TYPES,
    detect: (text: string, ctx: DetectContext) => detect(text, ctx.signal),
    close: async () => await options.classifier?.close(),
  };
}

/** Stereotyping generalisations about groups of people. */
export function biasDetector(options: BiasOptions = {}): Detector {
  const detect = layeredDetect(
    { name: 'bias', rules: BIAS_RULES, contexts: BIAS_CONTEXTS, benign: BIAS_BENIGN },
    { ...options, similarity: false },
  );
  return {
    name: 'bias',
    types: BIAS_TYPES,
    detect: (text: string, ctx: DetectContext) => detect(text, ctx.signal),
    close: async () => await options.classifier?.close(),
  };
}
