/**
 * The pii detector's latency on 1 KB messages, built as the guardrails bench builds them (every fixture text of
 * test/fixtures/guardrails joined and cut to 1 KB): p50/p99 over `count` runs, several rounds. A driver for profiling
 * (`node --cpu-prof --import tsx test/guardrail/pii-kb-run.ts`); the measurement of record is `npm run bench -- guardrails`.
 * Then the intrinsic cost: every 1 KB window of all fixture text, the best of 9 runs of each (no preemption in it).
 * Run: `npx tsx test/guardrail/pii-kb-run.ts [rounds] [count]`.
 */
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import type { Finding } from '../../protocols/index.js';
import { piiDetector } from '../../actors/guardrail/detectors/pii/index.js';
import { fixtureTexts, kbMessages } from './kb-messages.js';

const texts = fixtureTexts();
const kb = kbMessages(64);
const detector = piiDetector();
/** The detector is synchronous (its `detect` is typed for async detectors too). */
const detect = (text: string): readonly Finding[] => detector.detect(text, { stage: 'output' }) as readonly Finding[];
const rounds = Number(process.argv[2] ?? 3);
const count = Number(process.argv[3] ?? 2000);
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < 100; i++) detect(kb[i % kb.length] as string);
  const t = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    detect(kb[i % kb.length] as string);
    t[i] = performance.now() - t0;
  }
  t.sort();
  const q = (p: number): string => (t[Math.min(count - 1, Math.floor((p / 100) * count))] ?? 0).toFixed(3);
  console.log(`pii 1 KB: p50 ${q(50)} ms p99 ${q(99)} ms max ${q(100)} ms (load ${loadavg()[0]?.toFixed(2)})`);
}

// The intrinsic cost, without the machine's preemption: every 1 KB window of all fixture text, best of 9 runs each.
const all = texts.join('\n');
const windows: string[] = [];
for (let i = 0; i + 1024 <= all.length; i += 1024) windows.push(all.slice(i, i + 1024));
const best = windows.map(() => Infinity);
for (let r = 0; r < 9; r++)
  windows.forEach((w, i) => {
    const t0 = performance.now();
    detect(w);
    best[i] = Math.min(best[i] ?? Infinity, performance.now() - t0);
  });
best.sort((a, b) => a - b);
const qb = (p: number): string => (best[Math.min(best.length - 1, Math.floor((p / 100) * best.length))] ?? 0).toFixed(3);
console.log(`pii, every 1 KB window (${best.length}), best of 9: p50 ${qb(50)} ms p99 ${qb(99)} ms max ${qb(100)} ms`);
