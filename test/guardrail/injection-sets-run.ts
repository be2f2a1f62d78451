/**
 * One line per injection set (detection and false-positive rate) and the totals over the sets named, for comparing
 * detector changes quickly: `npx tsx test/guardrail/injection-sets-run.ts [set…]` (default: every injection set but
 * `*holdout3*` and `*holdout4*`, which are scored once at the end of a tuning pass). A development aid (not a test).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { injectionDetector } from '../../actors/guardrail/detectors/injection/index.js';
import { rates, readFixture } from './fixture-rates.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'guardrails');
const named = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const sets =
  named.length > 0
    ? named
    : readdirSync(dir)
        .filter((f) => f.startsWith('injection') && f.endsWith('.jsonl') && !/holdout[34]/.test(f))
        .map((f) => f.slice(0, -'.jsonl'.length))
        .sort();
const det = injectionDetector();
let d = 0;
let a = 0;
let fp = 0;
let b = 0;
for (const set of sets) {
  const r = await rates(det, readFixture(set));
  d += r.detected;
  a += r.attacks;
  fp += r.falsePositives;
  b += r.benign;
  const pct = (x: number, y: number): string => (y === 0 ? '   -  ' : `${((100 * x) / y).toFixed(1).padStart(5)}%`);
  console.log(
    `${set.padEnd(26)} det ${pct(r.detected, r.attacks)} (${r.detected}/${r.attacks})  ` +
      `fp ${pct(r.falsePositives, r.benign)} (${r.falsePositives}/${r.benign})`,
  );
  if (process.argv.includes('-v')) for (const e of r.errors) console.log(`    ${e.replace(/\n/g, '⏎').slice(0, 180)}`);
}
console.log(`${'TOTAL'.padEnd(26)} det ${((100 * d) / a).toFixed(1)}% (${d}/${a})  fp ${((100 * fp) / b).toFixed(1)}% (${fp}/${b})`);
