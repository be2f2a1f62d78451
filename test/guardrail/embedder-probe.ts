/**
 * Measures whether the offline sentence embedder (USE-lite, actors/memory/embedders) would help the injection
 * detector's similarity layer: its cost per text on this machine, and a nearest-neighbour classifier over it (a bank
 * of the injection-wide-dev texts, attack vs benign by the nearer neighbour) scored on injection-wide-blind, per
 * language. `npx tsx test/guardrail/embedder-probe.ts`. A development aid (the decision is in docs/guardrails.md).
 */
import { performance } from 'node:perf_hooks';
import { UseLiteEmbedder } from '../../actors/memory/embedders/index.js';
import { readFixture } from './fixture-rates.js';

const embedder = new UseLiteEmbedder(32);
const dev = readFixture('injection-wide-dev');
const blind = readFixture('injection-wide-blind');
await embedder.embed(['warm up']);

const one: number[] = [];
for (const r of blind.slice(0, 60)) {
  const t0 = performance.now();
  await embedder.embed([r.text]);
  one.push(performance.now() - t0);
}
one.sort((a, b) => a - b);
const t0 = performance.now();
const bank = await embedder.embed(dev.map((r) => r.text));
const batchMs = (performance.now() - t0) / dev.length;
const test = await embedder.embed(blind.map((r) => r.text));
const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
const stats: Record<string, [number, number, number, number]> = {};
blind.forEach((r, i) => {
  let bestA = -1;
  let bestB = -1;
  bank.forEach((v, j) => {
    const c = dot(test[i]!, v);
    if (dev[j]!.label === 'benign') bestB = Math.max(bestB, c);
    else bestA = Math.max(bestA, c);
  });
  const hit = bestA > bestB;
  const s = (stats[r.lang] ??= [0, 0, 0, 0]);
  if (r.label === 'benign') {
    s[3]++;
    if (hit) s[2]++;
  } else {
    s[1]++;
    if (hit) s[0]++;
  }
});
console.log(
  `USE-lite: one text p50 ${one[one.length >> 1]!.toFixed(1)} ms, p99 ${one[Math.floor(one.length * 0.99)]!.toFixed(1)} ms; ` +
    `batched ${batchMs.toFixed(2)} ms per text`,
);
for (const [lang, [a, n, fp, b]] of Object.entries(stats))
  console.log(
    `  nearest-neighbour on injection-wide-blind, ${lang}: ` +
      `recall ${(a / n).toFixed(2)} (${a}/${n}), FP ${(fp / b).toFixed(2)} (${fp}/${b})`,
  );
