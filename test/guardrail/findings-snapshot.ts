/**
 * Writes every finding of the pii, secret, injection, moderation and bias detectors on every line of every guardrail
 * fixture set (`test/fixtures/guardrails/*.jsonl`) to one JSON file, so a speed change can be checked to keep the
 * detectors' output the same: `npx tsx test/guardrail/findings-snapshot.ts out.json`, change, run again, `diff`.
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
const target = process.argv[2] ?? 'findings.json';
writeFileSync(target, `${JSON.stringify(out, null, 1)}\n`);
console.log(`${Object.keys(out).length} sets, ${Object.values(out).reduce((n, r) => n + r.length, 0)} lines → ${target}`);
