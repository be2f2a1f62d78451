/**
 * Scores guardrail sets the way a held-out set is scored: each text sent to a running node's `POST /guardrails/check`
 * (auth and tenancy as for any client), the findings it answers compared with the set's labels. A development aid
 * (not a test), beside the detector-level runners (`*-sets-run.ts`, `pii-score-run.ts`), to show the HTTP path agrees
 * with them. Run against `npm start`:
 *
 *   TROUPE_URL=http://127.0.0.1:7700 TROUPE_KEY=<api key> npx tsx test/guardrail/http-score-run.ts [set ...]
 *
 * `injection-*` and `moderation-*` sets: a labelled text counts as detected when any finding of the family comes back
 * (moderation's family includes `bias`), a benign one as a false positive likewise (fixture-rates.ts `rates`); `pii-*`
 * sets: entity-level precision and recall (pii-fixture.ts `scoreDetector`). Texts go at the stage the scorer names
 * (`STAGE` overrides it): every enabled detector runs at every stage.
 */
import type { Detector } from '../../actors/guardrail/detector.js';
import type { Finding } from '../../protocols/index.js';
import { rates, readFixture } from './fixture-rates.js';
import { fixture, scoreDetector } from './pii-fixture.js';

const url = process.env['TROUPE_URL'] ?? 'http://127.0.0.1:7700';
const key = process.env['TROUPE_KEY'];

/** The node's guardrails as a detector: the findings of `detectors` that `POST /guardrails/check` answers for a text. */
function overHttp(name: string, detectors: readonly string[]): Detector {
  return {
    name,
    types: [],
    async detect(text, ctx) {
      const res = await fetch(`${url}/guardrails/check`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { authorization: `Bearer ${key}` }) },
        body: JSON.stringify({ text, stage: process.env['STAGE'] ?? ctx.stage }),
      });
      if (!res.ok) throw new Error(`POST /guardrails/check: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { findings: Finding[] }).findings.filter((f) => detectors.includes(f.detector));
    },
  };
}

const FAMILY: Record<string, readonly string[]> = { injection: ['injection'], moderation: ['moderation', 'bias'], pii: ['pii'] };
const pct = (x: number, y: number): string => `${((100 * x) / Math.max(1, y)).toFixed(1)}%`;

for (const name of process.argv.slice(2)) {
  const fam = name.split('-')[0] as string;
  const detectors = FAMILY[fam];
  if (detectors === undefined) throw new Error(`${name}: expected an injection-, moderation- or pii- set`);
  const detector = overHttp(fam, detectors);
  if (fam === 'pii') {
    const lines = fixture(name);
    const s = await scoreDetector(detector, lines);
    for (const [t, x] of Object.entries(s.byType))
      console.log(`  ${t.padEnd(14)} P ${x.precision.toFixed(3)} R ${x.recall.toFixed(3)}  tp ${x.tp} fp ${x.fp} fn ${x.fn}`);
    console.log(`${name.padEnd(26)} P ${s.all.precision.toFixed(3)} R ${s.all.recall.toFixed(3)}  (${lines.length} lines)`);
    continue;
  }
  const r = await rates(detector, readFixture(name));
  console.log(
    `${name.padEnd(26)} det ${pct(r.detected, r.attacks)} (${r.detected}/${r.attacks})  ` +
      `fp ${pct(r.falsePositives, r.benign)} (${r.falsePositives}/${r.benign})`,
  );
}
