/**
 * The `injection` detector: direct and indirect prompt injection (INJECTION), role-play jailbreaks (JAILBREAK) and
 * system-prompt extraction (PROMPT_EXTRACTION) in English, German, French and Spanish. Layers:
 * 1. normalisation (text/normalize.ts: NFKC, zero-width, homoglyphs, leetspeak, letter spacing) — obfuscation folds away;
 * 2. weighted phrase rules (rules.ts) and intent rules (intents.ts: lexicons of override verbs, instruction nouns,
 *    addressees, imperatives, safety objects and extraction verbs/objects combined by proximity, which carry most of
 *    the generalisation to unseen wording), with context rules that damp text *about* attacks (security writing,
 *    questions, audit reports, quotes, third parties' or tools' rules) and boost text addressed to the model inside
 *    documents (`<!-- … -->`, "AI reading this");
 * 3. the concept layer (text/concepts.ts, lexicon.ts, concept-weights.ts): per-language lexicons fold the words
 *    attacks are made of into shared concepts, and a softmax regression fitted on the development sets scores each
 *    sentence (or two) by its concepts and concept pairs — a second opinion beside the rules, which carries most of
 *    the generalisation to unseen wording and languages;
 * 4. similarity to a bank of attack sentences by hashed character n-gram cosine (text/similarity.ts) — not the
 *    offline sentence embedder (USE-lite: English only, tens of milliseconds per text on these cores, and a poor
 *    nearest-neighbour separator on the wide sets; test/guardrail/embedder-probe.ts) — searched only for segments
 *    the rules are unsure of that hold two cue words;
 * 5. an optional classifier (e.g. an ONNX Prompt Guard or DeBERTa model through classifier/), whose scores join;
 * 6. the n-gram layer (text/ngram.ts, ngram-weights.ts): a logistic regression over hashed character n-grams and
 *    words of the whole text, trained on the development sets;
 * 7. the learned combination that decides (text/stack.ts, stack-weights.ts, fitted by test/guardrail/train-stack.ts on
 *    out-of-fold scores): from the n-gram and whole-text concept probabilities, whether a text of enough words is an
 *    attack — then it keeps the findings of layers 2–5 (their spans and types) or gets one over the whole text — or
 *    benign — then only findings of the rules' strongest scores stand. The hand-written layers were tuned on every
 *    development set and generalise worst to text written blind; the learned layers' out-of-fold scores are what held
 *    on it. Shorter texts keep the n-gram gate ({@link INJECTION_NGRAM_GATE}). `ngram: false` turns 6 and 7 off.
 *    Its second stage adds structural cues (cues.ts: a note addressed to an agent, text about attacks, an agent described
 *    in the third person, the text's "you"), weighted on text written blind to them: company records carry injections
 *    that read as business prose, and policies describing agents read like them.
 * Base64 runs that decode to text are checked too; a finding on one spans the encoded run.
 */
import type { Finding } from '../../../../protocols/index.js';
import type { DetectContext, Detector } from '../../detector.js';
import {
  layeredDetect,
  scoreText,
  thresholdOf,
  toFindings,
  type LayeredOptions,
  type LayeredSpec,
  type SignalSource,
} from '../text/detector.js';
import { normalizeText } from '../text/normalize.js';
import { contextDamping, withoutMentions } from '../text/rules.js';
import { SimilarityBank } from '../text/similarity.js';
import { ConceptTagger, textJudgement } from '../text/concepts.js';
import { INJECTION_CONCEPT_MODEL } from './concept-weights.js';
import { loadNgram, ngramGate, ngramProbability, type LoadedNgram, type NgramGate } from '../text/ngram.js';
import { stackGate, stackVerdict, type StackModel, type StackVerdict } from '../text/stack.js';
import { INJECTION_STACK } from './stack-weights.js';
import { INJECTION_NGRAM_MODEL } from './ngram-weights.js';
import { INTENT_RULES } from './intents.js';
import { injectionCues } from './cues.js';
import { INJECTION_LEXICON } from './lexicon.js';
import {
  INJECTION_BANK,
  INJECTION_CONTEXTS,
  INJECTION_MENTIONS,
  INJECTION_NOT_ADDRESSED,
  INJECTION_RULES,
  INJECTION_SIMILARITY_GATE,
  NAMES_MODEL,
} from './rules.js';
import { allMatches } from '../matches.js';

/** Options of {@link injectionDetector} (`concepts: false` turns the concept layer off). */
export interface InjectionOptions extends LayeredOptions {
  /** Decode and check base64 runs (default true). */
  readonly base64?: boolean;
}

/** The finding types of the injection detector. */
export const INJECTION_TYPES = ['INJECTION', 'JAILBREAK', 'PROMPT_EXTRACTION'] as const;

let bank: SimilarityBank | undefined;
let tagger: ConceptTagger | undefined;
let ngram: LoadedNgram | undefined;
/**
 * How the n-gram layer joins the rules (text/ngram.ts `ngramGate`) on texts below the learned combination's word
 * floor (text/stack.ts); its `low` there is the combination's (train-stack.ts chooses it). `keep` and `high` were
 * chosen by test/guardrail/ngram-gate-run.ts (out-of-fold on the training sets, and the wide blind and final splits).
 */
export const INJECTION_NGRAM_GATE: NgramGate = { low: 0.2, keep: 0.8, high: 0.8 };
/** Concept-model probability below which it adds no evidence. */
const CONCEPT_FLOOR = 0.5;
/**
 * As in moderation: on a text the n-gram model does not lean towards an attack (`p` below {@link AGREE}), the concept
 * model alone must be surer ({@link UNCONFIRMED_FLOOR}) before it adds evidence, unless the text names the model
 * ({@link NAMES_MODEL}: an injection in a document or log speaks to it) — weak concept evidence that no second layer
 * confirms was most of the false positives on benign text written blind (a user's own helper persona, a
 * product's settings email, a log record of a tool call).
 */
const AGREE = 0.5;
const UNCONFIRMED_FLOOR = 0.86;
const BASE64 = /(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{24,4096}={0,2}(?![A-Za-z0-9+/=])/g;
const MAX_DECODED = 20;

/** A prompt-injection detector (see the module comment for its layers). */
export function injectionDetector(options: InjectionOptions = {}): Detector {
  bank ??= new SimilarityBank(INJECTION_BANK);
  tagger ??= new ConceptTagger(INJECTION_LEXICON);
  ngram ??= loadNgram(INJECTION_NGRAM_MODEL);
  const model = options.models?.ngram ?? ngram;
  const concept = options.models?.concept ?? INJECTION_CONCEPT_MODEL;
  const tags = tagger;
  const spec: LayeredSpec = {
    name: 'injection',
    rules: [...INJECTION_RULES, ...INTENT_RULES],
    contexts: [...INJECTION_CONTEXTS, ...INJECTION_NOT_ADDRESSED],
    mentions: INJECTION_MENTIONS,
    bank,
    similarityFloor: 0.5,
    similarityGate: INJECTION_SIMILARITY_GATE,
    concepts: { tagger, model: concept, floor: CONCEPT_FLOOR },
  };
  const detect = layeredDetect(spec, options);
  const threshold = thresholdOf(options);
  // a configured classifier's findings are its operator's call: the combination then only adds, never removes
  const stack: StackModel = options.classifier === undefined ? INJECTION_STACK : { ...INJECTION_STACK, keep: 0, floor: 0 };
  const gate: NgramGate = { ...INJECTION_NGRAM_GATE, low: options.classifier === undefined ? stack.low : -1 };
  const withNgram = async (text: string, ctx?: SignalSource): Promise<Finding[]> => {
    if (options.ngram === false) return await detect(text, ctx);
    const n = withoutMentions(normalizeText(text).text, INJECTION_MENTIONS);
    const p = ngramProbability(model, n);
    const agreed = p >= AGREE || NAMES_MODEL.test(n);
    const found = await detect(text, ctx, agreed ? CONCEPT_FLOOR : UNCONFIRMED_FLOOR);
    const judged = textJudgement(tags, concept, n);
    const damping = (t: string): number => contextDamping(n, spec.contexts ?? [], t, spec.rules);
    // the combination's verdict, formed only for a text it judges, reads its cues only until the verdict is certain
    const verdict = (): StackVerdict =>
      stackVerdict(
        stack,
        p,
        judged?.p ?? 0,
        injectionCues(n, () => damping('INJECTION')),
      );
    const type = (): string => judged?.type ?? 'INJECTION';
    const short = (): Finding[] => ngramGate('injection', text, found, p, gate, type, threshold, damping);
    return stackGate('injection', text, n, found, verdict, stack, type, threshold, short);
  };
  return {
    name: 'injection',
    types: INJECTION_TYPES,
    async detect(text: string, ctx: DetectContext): Promise<readonly Finding[]> {
      const found = await withNgram(text, ctx);
      if (options.base64 === false) return found;
      const runs = await encoded(spec, options, text, threshold, ctx);
      // a finding on a base64 run stands for the sentence around it (whose words only frame the payload)
      const framing = (f: Finding): boolean => runs.some((r) => f.start <= r.start && f.end >= r.end);
      return [...found.filter((f) => !framing(f)), ...runs];
    },
    async close() {
      await options.classifier?.close();
    },
  };
}

/** Whether `text` has 24 base64 characters in a row, without which {@link BASE64} cannot match (most texts: no regex run). */
function hasBase64Run(text: string): boolean {
  let run = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    const b64 = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
    run = b64 ? run + 1 : 0;
    if (run >= 24) return true;
  }
  return false;
}

/** Findings on base64 runs whose decoded text is an attack (each spans the run, with the decoded text's best score). */
async function encoded(
  spec: LayeredSpec,
  options: LayeredOptions,
  text: string,
  threshold: (type: string) => number,
  ctx?: SignalSource,
): Promise<Finding[]> {
  const out: Finding[] = [];
  if (!hasBase64Run(text)) return out;
  let tried = 0;
  for (const m of allMatches(BASE64, text)) {
    if (++tried > MAX_DECODED) break;
    if (!/[a-z]/.test(m[0]) || !/[A-Z]/.test(m[0])) continue;
    const decoded = Buffer.from(m[0], 'base64').toString('utf8');
    if (!/^[\p{L}\p{N}\p{P}\p{Zs}\s]*$/u.test(decoded)) continue;
    const n = normalizeText(decoded);
    const scores = await scoreText(spec, { ...options, similarity: false }, decoded, n, ctx);
    const best = toFindings(spec.name, decoded, n, scores, threshold).sort((a, b) => b.score - a.score)[0];
    if (best !== undefined) out.push({ ...best, start: m.index, end: m.index + m[0].length });
  }
  return out;
}
