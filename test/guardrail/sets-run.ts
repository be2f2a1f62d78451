/**
 * One line per development set of a family (detection and false-positive rate) and the totals over the sets run, for
 * comparing detector changes quickly. The injection and moderation runners (`injection-sets-run.ts`,
 * `moderation-sets-run.ts`) call {@link runSets}; `-v` lists each set's misses and false positives. A development aid
 * (not a test).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Detector } from '../../actors/guardrail/detector.js';
import { HELD_OUT, rates, readFixture, type FixtureRow } from './fixture-rates.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'guardrails');

/**
 * Scores `detector` on the sets named in `argv` (default: every `<family>*.jsonl` set but the held-out ones,
 * fixture-rates.ts `HELD_OUT`, scored once at the end of a pass), keeping only the rows `keep` accepts.
 */
export async function runSets(
  family: string,
  detector: Detector,
  argv: readonly string[],
  keep: (row: FixtureRow) => boolean = () => true,
): Promise<void> {
  const named = argv.filter((a) => !a.startsWith('-'));
  const sets =
    named.length > 0
      ? named
      : readdirSync(dir)
          .filter((f) => f.startsWith(family) && f.endsWith('.jsonl') && !HELD_OUT.test(f))
          .map((f) => f.slice(0, -'.jsonl'.length))
          .sort();
  let d = 0;
  let a = 0;
  let fp = 0;
  let b = 0;
  const pct = (x: number, y: number): string => (y === 0 ? '   -  ' : `${((100 * x) / y).toFixed(1).padStart(5)}%`);
  for (const set of sets) {
    const r = await rates(detector, readFixture(set).filter(keep));
    d += r.detected;
    a += r.attacks;
    fp += r.falsePositives;
    b += r.benign;
    console.log(
      `${set.padEnd(26)} det ${pct(r.detected, r.attacks)} (${r.detected}/${r.attacks})  ` +
        `fp ${pct(r.falsePositives, r.benign)} (${r.falsePositives}/${r.benign})`,
    );
    if (argv.includes('-v')) for (const e of r.errors) console.log(`    ${e.replace(/\n/g, '⏎').slice(0, 180)}`);
  }
  console.log(`${'TOTAL'.padEnd(26)} det ${pct(d, a)} (${d}/${a})  fp ${pct(fp, b)} (${fp}/${b})`);
}
