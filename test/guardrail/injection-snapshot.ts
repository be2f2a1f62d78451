/**
 * Writes every finding (type, span, score) of the injection detector — as built, and with `ngram: false`,
 * `concepts: false` and `base64: false` — on every text of every `test/fixtures/guardrails/injection-*.jsonl` set, on
 * 1 KB windows of all those texts (every 333 characters, cut mid-word and mid-sentence as the bench's messages are)
 * and on the bench's 64 messages of 1 KB (kb-messages.ts), to one JSON file, together with the unrounded values the
 * detector decides with: the n-gram probability, the whole-text concept judgement, the context damping and the
 * second-stage cues of each text. A speed change of the injection detector is checked to keep its output with
 * `npx tsx test/guardrail/injection-snapshot.ts before.json`, change, run again, `cmp before.json after.json`.
 * A development aid (not a test).
 */
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Detector } from '../../actors/guardrail/detector.js';
import { INJECTION_CONCEPT_MODEL } from '../../actors/guardrail/detectors/injection/concept-weights.js';
import { injectionCueValues } from '../../actors/guardrail/detectors/injection/cues.js';
import { injectionDetector } from '../../actors/guardrail/detectors/injection/index.js';
import { INJECTION_LEXICON } from '../../actors/guardrail/detectors/injection/lexicon.js';
import { INJECTION_NGRAM_MODEL } from '../../actors/guardrail/detectors/injection/ngram-weights.js';
import {
  INJECTION_CONTEXTS,
  INJECTION_MENTIONS,
  INJECTION_NOT_ADDRESSED,
  INJECTION_RULES,
} from '../../actors/guardrail/detectors/injection/rules.js';
import { INTENT_RULES } from '../../actors/guardrail/detectors/injection/intents.js';
import { ConceptTagger, textJudgement } from '../../actors/guardrail/detectors/text/concepts.js';
import { loadNgram, ngramProbability } from '../../actors/guardrail/detectors/text/ngram.js';
import { normalizeText } from '../../actors/guardrail/detectors/text/normalize.js';
import { contextDamping, withoutMentions } from '../../actors/guardrail/detectors/text/rules.js';
import { fixtureTextsByFile } from './fixture-sample.js';
import { kbMessages } from './kb-messages.js';

const variants: [string, Detector][] = [
  ['default', injectionDetector()],
  ['ngram:false', injectionDetector({ ngram: false })],
  ['concepts:false', injectionDetector({ concepts: false })],
  ['base64:false', injectionDetector({ base64: false })],
];
const ngram = loadNgram(INJECTION_NGRAM_MODEL);
const tagger = new ConceptTagger(INJECTION_LEXICON);
const contexts = [...INJECTION_CONTEXTS, ...INJECTION_NOT_ADDRESSED];
const rules = [...INJECTION_RULES, ...INTENT_RULES];

/** One line per text: each variant's findings, then the layers' unrounded values. */
async function row(text: string): Promise<string> {
  const parts: string[] = [];
  for (const [name, d] of variants) {
    const found = await d.detect(text, { stage: 'input' });
    parts.push(`${name}: ${found.map((f) => `${f.type} ${f.start}-${f.end} ${f.score}`).join(', ')}`);
  }
  const n = withoutMentions(normalizeText(text).text, INJECTION_MENTIONS);
  const judged = textJudgement(tagger, INJECTION_CONCEPT_MODEL, n);
  const damping = contextDamping(n, contexts, 'INJECTION', rules);
  parts.push(
    `p ${ngramProbability(ngram, n)} concept ${judged?.type ?? '-'} ${judged?.p ?? '-'} damping ${damping} ` +
      `cues ${injectionCueValues(n, damping).join(' ')}`,
  );
  return parts.join(' | ');
}

const out: Record<string, string[]> = {};
const sets = fixtureTextsByFile().filter((f) => f.file.startsWith('injection-'));
for (const { file, texts } of sets) {
  const rows: string[] = [];
  for (const t of texts) rows.push(await row(t));
  out[file] = rows;
}
const all = sets.flatMap((s) => s.texts).join('\n');
const windows: string[] = [];
for (let i = 0; i + 1024 <= all.length; i += 333) windows.push(await row(all.slice(i, i + 1024)));
out['1 KB windows'] = windows;
const bench: string[] = [];
for (const m of kbMessages(64)) bench.push(await row(m));
out['bench 1 KB messages'] = bench;

const target = process.argv.find((a, i) => i >= 2 && !a.startsWith('--')) ?? 'injection-findings.json';
const body = `${JSON.stringify(out, null, 1)}\n`;
writeFileSync(target, body);
const lines = Object.values(out).reduce((n, r) => n + r.length, 0);
const sha = createHash('sha256').update(body).digest('hex').slice(0, 16);
console.log(`${Object.keys(out).length} sets, ${lines} texts → ${target} (sha256 ${sha})`);
