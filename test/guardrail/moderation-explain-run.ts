/**
 * Why the moderation detector flags (or misses) a text: per text, the findings of the whole detector and of the
 * rules alone, the rules with the concept layer, and with the n-gram layer: `npx tsx
 * test/guardrail/moderation-explain-run.ts [-m] set…` (`-m`: the misses; default the false positives). A development
 * aid (not a test).
 */
import { moderationDetector } from '../../actors/guardrail/detectors/moderation/index.js';
import { readFixture } from './fixture-rates.js';

const full = moderationDetector();
const rulesOnly = moderationDetector({ concepts: false, ngram: false });
const withConcepts = moderationDetector({ ngram: false });
const misses = process.argv.includes('-m');
const sets = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const show = (fs: readonly { type: string; score: number; start: number; end: number }[], text: string): string =>
  fs.map((f) => `${f.type}:${f.score} «${text.slice(f.start, f.end).slice(0, 60)}»`).join(' | ') || '-';

for (const set of sets)
  for (const row of readFixture(set)) {
    if (row.label === 'STEREOTYPE') continue;
    const benign = row.label === 'benign';
    const ctx = { stage: 'input' as const };
    const found = await full.detect(row.text, ctx);
    if (benign !== found.length > 0 || misses === benign) {
      if (misses ? found.length > 0 || benign : found.length === 0 || !benign) continue;
    }
    console.log(`${row.label} ${row.lang} ${row.format}: ${row.text.replace(/\n/g, '⏎').slice(0, 150)}`);
    console.log(`  full:     ${show(found, row.text)}`);
    console.log(`  rules:    ${show(await rulesOnly.detect(row.text, ctx), row.text)}`);
    console.log(`  +concept: ${show(await withConcepts.detect(row.text, ctx), row.text)}`);
  }
