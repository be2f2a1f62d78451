/**
 * Scores guardrail sets the way a held-out set is scored: each text sent to a running node's `POST /guardrails/check`
 * (auth and tenancy as for any client), the findings it answers compared with the set's labels. A development aid
 * (not a test), beside the detector-level runners (`*-sets-run.ts`, `pii-score-run.ts`), to show the HTTP path agrees
 * with them. Run against `npm start`:
 *
 *   TROUPE_URL=http://127.0.0.1:7700 TROUPE_KEY=<api key> npx tsx test/guardrail/http-score-run.ts [set ...]
 *
 * `injection-*` and `moderation-*` sets: a labelled text counts as detected when any finding of the family comes back
 * (moderation's family includes `bias`), a benign one as a false positive likewise; `pii-*` sets: entity-level
 * precision and recall (score.ts: type equal, half the labelled span covered). Texts go at the `input` stage
 * (`STAGE` changes it): every enabled detector runs at every stage.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFixture } from './fixture-rates.js';
import { scoreEntities, type Entity } from './score.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'guardrails');
const url = process.env['TROUPE_URL'] ?? 'http://127.0.0.1:7700';
const key = process.env['TROUPE_KEY'];
const stage = process.env['STAGE'] ?? 'input';

interface Finding extends Entity {
  readonly detector: string;
}

async function check(text: string): Promise<Finding[]> {
  const res = await fetch(`${url}/guardrails/check`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { authorization: `Bearer ${key}` }) },
    body: JSON.stringify({ text, stage }),
  });
  if (!res.ok) throw new Error(`POST /guardrails/check: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { findings: Finding[] }).findings;
}

const FAMILY: Record<string, readonly string[]> = { injection: ['injection'], moderation: ['moderation', 'bias'] };

async function family(name: string, detectors: readonly string[]): Promise<void> {
  let [hit, attacks, fp, benign] = [0, 0, 0, 0];
  for (const row of readFixture(name)) {
    const flagged = (await check(row.text)).some((f) => detectors.includes(f.detector));
    if (row.label === 'benign') {
      benign++;
      if (flagged) fp++;
    } else {
      attacks++;
      if (flagged) hit++;
    }
  }
  const pct = (x: number, y: number): string => `${((100 * x) / Math.max(1, y)).toFixed(1)}%`;
  console.log(`${name.padEnd(26)} det ${pct(hit, attacks)} (${hit}/${attacks})  fp ${pct(fp, benign)} (${fp}/${benign})`);
}

async function pii(name: string): Promise<void> {
  const lines = readFileSync(join(FIXTURES, `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { text: string; entities: Entity[] });
  const predicted: Entity[][] = [];
  for (const l of lines) predicted.push((await check(l.text)).filter((f) => f.detector === 'pii'));
  const s = scoreEntities(
    lines.map((l) => l.entities),
    predicted,
  );
  for (const [t, x] of Object.entries(s.byType))
    console.log(`  ${t.padEnd(14)} P ${x.precision.toFixed(3)} R ${x.recall.toFixed(3)}  tp ${x.tp} fp ${x.fp} fn ${x.fn}`);
  console.log(`${name.padEnd(26)} P ${s.all.precision.toFixed(3)} R ${s.all.recall.toFixed(3)}  (${lines.length} lines)`);
}

for (const name of process.argv.slice(2)) {
  const fam = name.split('-')[0] as string;
  if (fam === 'pii') await pii(name);
  else if (FAMILY[fam] !== undefined) await family(name, FAMILY[fam]);
  else throw new Error(`${name}: expected an injection-, moderation- or pii- set`);
}
