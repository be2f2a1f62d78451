/**
 * Writes every finding of the pii, secret, injection, moderation and bias detectors on every line of every guardrail
 * fixture set (`test/fixtures/guardrails/*.jsonl`) to one JSON file, so a speed change can be checked to keep the
 * detectors' output the same: `npx tsx test/guardrail/findings-snapshot.ts out.json`, change, run again, `diff`.
 * With `--windows`, also the pii findings on 1 KB windows of all fixture text (every 333 characters, as cut mid-word
 * and mid-entity as the bench's messages are) and on texts the lower-cased copy of the pii cues cannot serve (`İ`
 * grows under toLowerCase), in upper case, and with astral capitals (`𝐀`, two UTF-16 units) before words: the
 * character-level paths a speed change of the pii rules may touch.
 * A development aid (not a test).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Detector } from '../../actors/guardrail/detector.js';
import { injectionDetector } from '../../actors/guardrail/detectors/injection/index.js';
import { biasDetector, moderationDetector } from '../../actors/guardrail/detectors/moderation/index.js';
import { piiDetector } from '../../actors/guardrail/detectors/pii/index.js';
import { secretDetector } from '../../actors/guardrail/detectors/secret/index.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'guardrails');
const detectors: Detector[] = [piiDetector(), secretDetector(), injectionDetector(), moderationDetector(), biasDetector()];
const out: Record<string, string[][]> = {};
for (const file of readdirSync(DIR)
  .filter((f) => f.endsWith('.jsonl'))
  .sort()) {
  const texts = readFileSync(join(DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { text: string }).text);
  const rows: string[][] = [];
  for (const t of texts) {
    const row: string[] = [];
    for (const d of detectors)
      for (const f of await d.detect(t, { stage: 'output' })) row.push(`${f.detector} ${f.type} ${f.start}-${f.end} ${f.score}`);
    rows.push(row);
  }
  out[file] = rows;
}
if (process.argv.includes('--windows')) {
  const texts = Object.keys(out).flatMap((file) =>
    readFileSync(join(DIR, file), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => (JSON.parse(l) as { text: string }).text),
  );
  const all = texts.join('\n');
  const pii = detectors[0] as Detector;
  const rows = async (variants: readonly string[]): Promise<string[][]> => {
    const r: string[][] = [];
    for (const t of variants) r.push((await pii.detect(t, { stage: 'output' })).map((f) => `${f.type} ${f.start}-${f.end} ${f.score}`));
    return r;
  };
  const windows: string[] = [];
  for (let i = 0; i + 1024 <= all.length; i += 333) windows.push(all.slice(i, i + 1024));
  out['pii 1 KB windows'] = await rows(windows);
  out['pii İ-prefixed'] = await rows(texts.filter((_, i) => i % 7 === 0).map((t) => `İ ${t}`));
  out['pii upper-case'] = await rows(texts.filter((_, i) => i % 5 === 0).map((t) => t.toUpperCase()));
  out['pii astral capitals'] = await rows(texts.filter((_, i) => i % 9 === 0).map((t) => `𝐀${t.replace(/ /g, ' 𝐀')}`));
}
const target = process.argv.find((a, i) => i >= 2 && !a.startsWith('--')) ?? 'findings.json';
writeFileSync(target, `${JSON.stringify(out, null, 1)}\n`);
console.log(`${Object.keys(out).length} sets, ${Object.values(out).reduce((n, r) => n + r.length, 0)} lines → ${target}`);
