/**
 * The `moderation` detector (HARASSMENT, HATE, SELF_HARM, VIOLENCE, SEXUAL) and the `bias` detector (STEREOTYPE),
 * English, German, French and Spanish: normalisation, benign idioms blanked, weighted lexicon and context rules
 * (rules.ts), the concept layer for moderation (text/concepts.ts over lexicon.ts, weights in concept-weights.ts; a
 * second opinion beside the rules, `concepts: false` turns it off), and the optional classifier slot (classifier/),
 * whose scores join the rules'. Per-type thresholds.
 * No similarity bank: harmful text is too varied for a small bank, and its near neighbours are often benign.
 */
import type { Detector } from '../../detector.js';
import { ConceptTagger } from '../text/concepts.js';
import { layeredDetector, type LayeredOptions } from '../text/detector.js';
import { MODERATION_CONCEPT_MODEL } from './concept-weights.js';
import { MODERATION_LEXICON } from './lexicon.js';
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

let tagger: ConceptTagger | undefined;
/** Concept-model probability below which it adds no evidence. */
const CONCEPT_FLOOR = 0.5;

/** Harassment, hate, self-harm, violence and sexual content. */
export function moderationDetector(options: ModerationOptions = {}): Detector {
  tagger ??= new ConceptTagger(MODERATION_LEXICON);
  return layeredDetector(
    {
      name: 'moderation',
      rules: MODERATION_RULES,
      contexts: MODERATION_CONTEXTS,
      benign: MODERATION_BENIGN,
      concepts: { tagger, model: MODERATION_CONCEPT_MODEL, floor: CONCEPT_FLOOR },
    },
    MODERATION_TYPES,
    { ...options, similarity: false },
  );
}

/** Stereotyping generalisations about groups of people. */
export function biasDetector(options: BiasOptions = {}): Detector {
  return layeredDetector({ name: 'bias', rules: BIAS_RULES, contexts: BIAS_CONTEXTS, benign: BIAS_BENIGN }, BIAS_TYPES, {
    ...options,
    similarity: false,
  });
}
