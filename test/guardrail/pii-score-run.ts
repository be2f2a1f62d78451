/**
 * Prints per-type precision/recall of the pii and secret detectors on the guardrail fixture sets, and (with
 * `-v`) every miss and false alarm. Run: `npx tsx test/guardrail/pii-score-run.ts [-v] [set...]`.
 */
import { piiDetector } from '../../actors/guardrail/detectors/pii/index.js';
import { secretDetector } from '../../actors/guardrail/detectors/secret/index.js';
import { fixture } from './pii-fixture.js';
import { matches, scoreEntities, type Entity } from './score.js';

const verbose = process.argv.includes('-v');
const sets = process.argv.slice(2).filter((a) => a !== '-v');
const names = sets.length > 0 ? sets : ['pii', 'pii-blind', 'secret', 'secret-blind'];
for (const name of names) {
  const detector = name.startsWith('secret') ? secretDetector() : piiDetector();
  const lines = fixture(name);
  const predicted: Entity[][] = [];
  for (const l of lines) predicted.push([...(await detector.detect(l.text, { stage: 'output' }))]);
  const scores = scoreEntities(
    lines.map((l) => l.entities),
    predicted,
  );
  console.log(`== ${name} (${lines.length} lines)`);
  for (const [t, s] of Object.entries(scores.byType))
    console.log(`${t.padEnd(16)} P ${s.precision.toFixed(3)} R ${s.recall.toFixed(3)}  tp ${s.tp} fp ${s.fp} fn ${s.fn}`);
  const a = scores.all;
  console.log(`${'ALL'.padEnd(16)} P ${a.precision.toFixed(3)} R ${a.recall.toFixed(3)}  tp ${a.tp} fp ${a.fp} fn ${a.fn}`);
  if (!verbose) continue;
  lines.forEach((l, i) => {
    const p = predicted[i] ?? [];
    const show = (e: Entity): string => `${e.type} ${JSON.stringify(l.text.slice(e.start, e.end))}`;
    for (const g of l.entities) if (!p.some((x) => matches(g, x))) console.log(`  FN ${i + 1}: ${show(g)}`);
    for (const x of p) if (!l.entities.some((g) => matches(g, x))) console.log(`  FP ${i + 1}: ${show(x)}`);
  });
}
