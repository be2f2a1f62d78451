/**
 * CPU time of the injection detector (or, with `moderation`, the moderation detector) over the bench's 64 messages of
 * 1 KB (`rounds` passes after a warm-up), per message on average, and the allocation per message:
 * `npx tsx test/guardrail/kb-cpu-run.ts [moderation] [rounds]`. Process CPU time
 * is far less moved by other load on the machine than the bench's wall-clock p99, so it compares two trees run back to
 * back. A development aid (not a test).
 */
import { injectionDetector } from '../../actors/guardrail/detectors/injection/index.js';
import { moderationDetector } from '../../actors/guardrail/detectors/moderation/index.js';
import { kbMessages } from './kb-messages.js';

const rounds = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 40);
const kb = kbMessages(64);
const name = process.argv.includes('moderation') ? 'moderation' : 'injection';
const det = name === 'moderation' ? moderationDetector() : injectionDetector();
for (let i = 0; i < 400; i++) await det.detect(kb[i % kb.length]!, { stage: 'output' });
const heap0 = process.memoryUsage().heapUsed;
const c0 = process.cpuUsage();
let allocated = 0;
let before = heap0;
for (let r = 0; r < rounds; r++)
  for (const m of kb) {
    await det.detect(m, { stage: 'output' });
    const now = process.memoryUsage().heapUsed;
    if (now > before) allocated += now - before;
    before = now;
  }
const c = process.cpuUsage(c0);
const n = rounds * kb.length;
console.log(
  `${name} CPU per 1 KB message ${((c.user + c.system) / n / 1000).toFixed(3)} ms, ` +
    `allocated ≈ ${(allocated / n / 1024).toFixed(0)} KB (n=${n})`,
);
