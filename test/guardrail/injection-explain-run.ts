/**
 * Why the injection detector flags a text: per segment, the rules that hit, the concept model's and the similarity
 * bank's evidence, the context factors, and the n-gram probability — for the false positives (or misses with `-m`) of
 * the sets named: `npx tsx test/guardrail/injection-explain-run.ts [-m] set…`. A development aid (not a test); never
 * run it on a `*holdout*` set while tuning.
 */
import { injectionDetector, INJECTION_NGRAM_GATE } from '../../actors/guardrail/detectors/injection/index.js';
import { INJECTION_CONCEPT_MODEL } from '../../actors/guardrail/detectors/injection/concept-weights.js';
import { INJECTION_NGRAM_MODEL } from '../../actors/guardrail/detectors/injection/ngram-weights.js';
import { INTENT_RULES } from '../../actors/guardrail/detectors/injection/intents.js';
import { INJECTION_LEXICON } from '../../actors/guardrail/detectors/injection/lexicon.js';
import {
  INJECTION_CONTEXTS,
  INJECTION_MENTIONS,
  INJECTION_NOT_ADDRESSED,
  INJECTION_RULES,
} from '../../actors/guardrail/detectors/injection/rules.js';
import { ConceptTagger, conceptEvidence, textJudgement } from '../../actors/guardrail/detectors/text/concepts.js';
import { loadNgram, ngramProbability } from '../../actors/guardrail/detectors/text/ngram.js';
import { normalizeText } from '../../actors/guardrail/detectors/text/normalize.js';
import { contextDamping, contextHolds, hits, segmentsOf, withoutMentions } from '../../actors/guardrail/detectors/text/rules.js';
import { readFixture } from './fixture-rates.js';
import { stackProbability } from '../../actors/guardrail/detectors/text/stack.js';
import { INJECTION_STACK } from '../../actors/guardrail/detectors/injection/stack-weights.js';
import { injectionCueValues, injectionCues } from '../../actors/guardrail/detectors/injection/cues.js';

const rules = [...INJECTION_RULES, ...INTENT_RULES];
const tagger = new ConceptTagger(INJECTION_LEXICON);
const ngram = loadNgram(INJECTION_NGRAM_MODEL);
const det = injectionDetector();
const misses = process.argv.includes('-m');
const sets = process.argv.slice(2).filter((a) => !a.startsWith('-'));

for (const set of sets)
  for (const row of readFixture(set)) {
    const benign = row.label === 'benign';
    if (benign === misses) continue;
    const found = await det.detect(row.text, { stage: 'input' });
    if (found.length > 0 !== benign) continue;
    const n = normalizeText(row.text).text;
    const p = ngramProbability(ngram, n);
    console.log(`\n[${set} ${row.lang} ${row.format} ${row.label}] ngram p=${p.toFixed(2)} (low ${INJECTION_NGRAM_GATE.low})`);
    console.log(`  ${row.text.replace(/\n/g, '⏎').slice(0, 300)}`);
    // the learned combination's view: whole-text concept probability, the cues and the stack's probability
    const read = withoutMentions(n, INJECTION_MENTIONS);
    const judged = textJudgement(tagger, INJECTION_CONCEPT_MODEL, read);
    const damping = contextDamping(read, [...INJECTION_CONTEXTS, ...INJECTION_NOT_ADDRESSED], 'INJECTION', rules);
    const cues = injectionCueValues(read, damping).map((v) => v.toFixed(2));
    const s = stackProbability(
      INJECTION_STACK,
      ngramProbability(ngram, read),
      judged?.p ?? 0,
      injectionCues(read, () => damping),
    );
    console.log(
      `  stack s=${s.toFixed(2)} (threshold ${INJECTION_STACK.threshold}) concept p=${(judged?.p ?? 0).toFixed(2)} cues [${cues}]`,
    );
    for (const f of found) console.log(`  → ${f.type} ${f.score} "${row.text.slice(f.start, f.end).replace(/\n/g, '⏎').slice(0, 100)}"`);
    const segs = segmentsOf(n);
    const ce = conceptEvidence(tagger, INJECTION_CONCEPT_MODEL, n, segs, 0.5);
    const all = hits(n, rules);
    segs.forEach((s, i) => {
      const segHits = all.filter((h) => h.start < s.end && h.end > s.start);
      const ctx = [...INJECTION_CONTEXTS, ...INJECTION_NOT_ADDRESSED]
        .map((c, k) => [c, k] as const)
        .filter(([c]) => (c.scope === 'text' ? contextHolds(c, n) : contextHolds(c, n.slice(s.start, s.end))));
      const c = ce[i];
      if (segHits.length === 0 && c === undefined) return;
      console.log(`  seg "${n.slice(s.start, s.end).slice(0, 120)}"`);
      for (const h of segHits) {
        const r = rules[h.rule]!;
        const idx = h.rule < INJECTION_RULES.length ? `R${h.rule}` : `I${h.rule - INJECTION_RULES.length}`;
        console.log(`    rule ${idx} ${r.type} ${r.weight} "${n.slice(h.start, h.end)}"`);
      }
      if (c !== undefined) console.log(`    concept ${[...c].map(([t, v]) => `${t} ${v.toFixed(2)}`).join(' ')}`);
      if (ctx.length > 0) console.log(`    contexts ${ctx.map(([c, k]) => `#${k}×${c.factor}${c.scope === 'text' ? 't' : ''}`).join(' ')}`);
    });
  }
