/**
 * Prints detection and false-positive rates of the injection, moderation and bias detectors on the fixture sets,
 * per language and per format, with the misses: `npx tsx test/guardrail/injection-score-run.ts [set…]`.
 * A development aid (not a test); the assertions live in the *-fixtures tests.
 */
import type { Detector } from '../../actors/guardrail/detector.js';
import { injectionDetector } from '../../actors/guardrail/detectors/injection/index.js';
import { biasDetector, moderationDetector } from '../../actors/guardrail/detectors/moderation/index.js';
import { type FixtureRow, rates, readFixture } from './fixture-rates.js';

function pct(n: number): string {
  return Number.isNaN(n) ? '  -  ' : `${(n * 100).toFixed(1)}%`;
}

async function report(title: string, detector: Detector, rows: readonly FixtureRow[], verbose: boolean): Promise<void> {
  const all = await rates(detector, rows);
  console.log(
    `${title}: recall ${pct(all.recall)} (${all.detected}/${all.attacks}) fp ${pct(all.fpr)} (${all.falsePositives}/${all.benign})`,
  );
  for (const key of ['lang', 'format'] as const) {
    const parts: string[] = [];
    for (const v of [...new Set(rows.map((r) => r[key]))]) {
      const r = await rates(
        detector,
        rows.filter((x) => x[key] === v),
      );
      parts.push(`${v} ${pct(r.recall)}/${pct(r.fpr)}`);
    }
    console.log(`  by ${key}: ${parts.join('  ')}`);
  }
  if (verbose) for (const e of all.errors) console.log(`    ${e.replace(/\n/g, '⏎').slice(0, 200)}`);
}

const verbose = process.argv.includes('-v');
const sets = process.argv.slice(2).filter((a) => a !== '-v');
for (const name of sets.length > 0 ? sets : ['injection-blind', 'moderation-blind']) {
  const rows = readFixture(name);
  if (name.startsWith('injection')) await report(name, injectionDetector(), rows, verbose);
  else {
    await report(
      `${name} moderation`,
      moderationDetector(),
      rows.filter((r) => r.label !== 'STEREOTYPE'),
      verbose,
    );
    await report(
      `${name} bias`,
      biasDetector(),
      rows.filter((r) => r.label === 'STEREOTYPE' || r.label === 'benign'),
      verbose,
    );
  }
}
