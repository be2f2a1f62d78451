/**
 * Quick timing of the injection, moderation and bias detectors the way the guardrail bench does it: 64 messages of
 * 1 KB cut from the concatenated fixture lines (all guardrail sets), 2,000 calls per detector after 100 warm-up
 * calls, p50/p99 per call. Run: `npx tsx test/guardrail/injection-speed-run.ts [rounds]`; add `--profile` to loop
 * on injection only (for `node --cpu-prof`). Numbers only; the real measurement is `npm run bench -- guardrails`.
 */
import { performance } from 'node:perf_hooks';
import type { Detector } from '../../actors/guardrail/detector.js';
import { injectionDetector } from '../../actors/guardrail/detectors/injection/index.js';
import { biasDetector, moderationDetector } from '../../actors/guardrail/detectors/moderation/index.js';
import { kbMessages } from './kb-messages.js';

const kb = kbMessages(64);

async function time(d: Detector, count: number): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 100; i++) await d.detect(kb[i % kb.length] as string, { stage: 'output' });
  const t: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await d.detect(kb[i % kb.length] as string, { stage: 'output' });
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  const q = (p: number): number => t[Math.min(t.length - 1, Math.floor(p * t.length))] ?? 0;
  return { p50: q(0.5), p99: q(0.99) };
}

const profile = process.argv.includes('--profile');
const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 2000);
const detectors: Detector[] = profile ? [injectionDetector()] : [injectionDetector(), moderationDetector(), biasDetector()];
for (const d of detectors) {
  const r = await time(d, count);
  console.log(`${d.name}: p50 ${r.p50.toFixed(3)} ms p99 ${r.p99.toFixed(3)} ms per 1 KB (n=${count})`);
}
