/**
 * The injection detector's structural cues, read by the second stage of its learned combination (text/stack.ts
 * `StackCues`, fitted by test/guardrail/train-stack.ts on the `*-train2x` sets, which were written blind to them). The
 * learned layers read words; these read how a text is put — who it speaks to and about:
 * 1. `addressed` — a note addressed to an agent with an act in the line (intents.ts {@link addressedNote}): "An den
 *    Logistik-Agenten: Lieferadresse … ändern";
 * 2. `damping` — the log of the rules' context damping (text/rules.ts `contextDamping`): text *about* attacks (security
 *    bulletins, audits, quoted examples, questions) rather than one;
 * 3. `third` — an agent as the subject of a third-person statement ("the AP agent changes bank details only after a
 *    call-back", "der Agent darf …", "l'assistant ne …"): a workflow rule or policy describing an agent, not a note to it;
 * 4. `second` — how often the text says "you" (familiar forms; log of 1 + count, up to 8).
 */
import type { CueSource } from '../text/stack.js';
import { addressedNote } from './intents.js';

const AGENT =
  '(?:assistant|assistants|assistent|assistenten|asistente|asistentes|agent|agents|agente|agentes|agenten|bot|bots|chatbot|' +
  'ai|ki|ia|copilot|model|modell|modele|modelo|system|systeme|sistema)';
const DETERMINER = '(?:the|this|our|each|every|der|die|das|unser|unsere|jeder|le|l|les|notre|chaque|el|los|nuestro|cada)';
/**
 * A third-person verb or modal: the modals and auxiliaries of the four languages, or a word ending as a present-tense
 * third person does (`changes`, `bucht`, `leitet`, `transmet`, `propone`, `reserva`) but for the nouns that follow an
 * agent noun (`the system prompt`, `the AI act`).
 */
const THIRD_VERB =
  '(?:will|must|should|shall|may|can|cannot|does|is|only|never|always|automatically|wird|muss|darf|kann|soll|ist|nur|nie|' +
  'doit|peut|ne|est|va|n|a|debe|puede|no|es|ha|has|had|hat|solo|nunca|siempre|' +
  '(?!prompts?(?![a-z0-9])|acts?(?![a-z0-9])|outputs?(?![a-z0-9])|notes?(?![a-z0-9])|messages?(?![a-z0-9]))[a-z]{2,}(?:s|t|e|a))';
/** What may follow the agent noun: `de citas`, `du support`, `der Buchhaltung`, `für Reisen`. */
const AGENT_OF = "(?: (?:de|du|des|del|der|fur|for|of|d)[ '](?:la |los |las |les )?[a-z]{2,20})?";
/**
 * An agent noun, after a determiner and up to three qualifying words, then a third-person verb or modal; or, in German,
 * after the verb.
 */
const THIRD = new RegExp(
  `(?<![a-z0-9])${DETERMINER}[ '’](?:[a-z]{1,20}[ -]){0,3}${AGENT}${AGENT_OF} ${THIRD_VERB}(?![a-z0-9])(?! ?:)|` +
    // German main clauses put the verb first: "ab Montag leitet der Support-Bot …"
    `(?<![a-z0-9])[a-z]{3,}t (?:der|die|das|unser|unsere) (?:[a-z]{1,20}[ -]){0,2}${AGENT}(?![a-z0-9])`,
  'u',
);
/** Second-person (familiar) pronouns in the four languages. */
const SECOND =
  /(?<![a-z0-9])(?:you|your|yours|yourself|du|dich|dir|dein|deine|deinen|deinem|deiner|tu|te|toi|ton|ta|tes|tus|ti)(?![a-z0-9])/gu;
const MOST_SECOND = 8;
/** Lowest damping read (log 0.05). */
const LEAST_DAMPING = 0.05;

/** The cue ranges, in {@link injectionCues}' order. */
export const INJECTION_CUE_RANGES: readonly (readonly [number, number])[] = [
  [0, 1],
  [Math.log(LEAST_DAMPING), 0],
  [0, 1],
  [0, Math.log1p(MOST_SECOND)],
];

/** The cue values of `read` (the text as the models read it), given its context damping for INJECTION. */
export function injectionCueValues(read: string, damping: number): number[] {
  return [0, 1, 2, 3].map((i) => cueValue(read, i, () => damping));
}

/** Cue `index` of `read` ({@link injectionCueValues}' order); `damping` is read only for the damping cue. */
function cueValue(read: string, index: number, damping: () => number): number {
  switch (index) {
    case 0:
      return addressedNote(read) ? 1 : 0;
    case 1:
      return Math.log(Math.max(LEAST_DAMPING, Math.min(1, damping())));
    case 2:
      return THIRD.test(read) ? 1 : 0;
    default: {
      let second = 0;
      SECOND.lastIndex = 0;
      while (second < MOST_SECOND && SECOND.exec(read) !== null) second++;
      return Math.log1p(second);
    }
  }
}

/** The order text/stack.ts `stackVerdict` reads the cues in: cheapest first, the context damping (its rules) last. */
const CUE_ORDER: readonly number[] = [3, 2, 0, 1];

/**
 * The cues of `read` for text/stack.ts `stackVerdict` and `stackProbability`, each read only when asked, and once
 * (`damping` is called only for the damping cue).
 */
export function injectionCues(read: string, damping: () => number): CueSource {
  const known: (number | undefined)[] = [];
  const value = (index: number): number => (known[index] ??= cueValue(read, index, damping));
  return { ranges: INJECTION_CUE_RANGES, order: CUE_ORDER, value, values: () => [0, 1, 2, 3].map(value) };
}
