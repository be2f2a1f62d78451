/**
 * Which of the bench's 1 KB messages cost the injection detector most: each message timed `rounds` times (after a
 * warm-up), its median printed, slowest first: `npx tsx test/guardrail/kb-slowest-run.ts [rounds] [top]`. A development
 * aid (not a test) for the detector's p99 per KB, which the slowest few messages set.
 */
import { performance } from 'node:perf_hooks';
import { injectionDetector } from '../../actors/guardrail/detectors/injection/index.js';
import { kbMessages } from './kb-messages.js';

const [rounds = 40, top = 12] = process.argv
  .slice(2)
  .filter((a) => /^\d+$/.test(a))
  .map(Number);
const kb = kbMessages(64);
const det = injectionDetector();
for (let i = 0; i < 200; i++) await det.detect(kb[i % kb.length]!, { stage: 'output' });
const medians = kb.map((m, i) => {
  return { i, m, t: [] as number[] };
});
for (let r = 0; r < rounds; r++)
  for (const x of medians) {
    const t0 = performance.now();
    await det.detect(x.m, { stage: 'output' });
    x.t.push(performance.now() - t0);
  }
const rows = medians.map((x) => ({ ...x, med: x.t.sort((a, b) => a - b)[Math.floor(x.t.length / 2)]! }));
rows.sort((a, b) => b.med - a.med);
const all = rows.map((r) => r.med).sort((a, b) => a - b);
const sum = all.reduce((x, y) => x + y, 0);
console.log(`median of medians ${all[Math.floor(all.length / 2)]!.toFixed(3)} ms, sum of medians ${sum.toFixed(2)} ms`);
for (const r of rows.slice(0, top)) console.log(`#${r.i} ${r.med.toFixed(3)} ms  ${r.m.replace(/\n/g, '⏎').slice(0, 150)}`);
