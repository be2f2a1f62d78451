/**
 * Guardrails: quality and speed through the real engine (detectors of actors/guardrail/builtin.ts plus a custom
 * regex set, the default policy). Quality from `test/fixtures/guardrails/*.jsonl` (written by the detector work; a
 * clear note when absent): PII and secrets entity-level precision/recall per type (same type, ≥ 50 % overlap of the
 * gold span); injection, moderation and bias detection and false-positive rates. Speed: each rule/regex detector's
 * p99 per 1 KB message, the full default policy's p99 per message, and the time-to-first-token the stream guard adds
 * (p50), beside the same stream without the guard measured in the same run.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_DETECTORS, GuardEngine, GuardPolicy, StreamGuard, customDetectors, makeRegistered } from '../actors/index.js';
import { configSchema } from '../config/index.js';
import type { Detector } from '../actors/index.js';
import type { Finding } from '../protocols/index.js';
import { scoreEntities } from '../test/guardrail/score.js';
import { latency, percentile, type BenchOptions, type Figure, type Goal, type Suite, type SuiteResult } from './harness.js';

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'guardrails');

/** A custom regex set every run has, so the regex path is measured even without built-in detectors. */
const CUSTOM = [
  { name: 'bench-email', type: 'EMAIL', patterns: ['[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}'] },
  { name: 'bench-key', type: 'API_KEY', patterns: ['sk-[A-Za-z0-9_-]{20,}', 'AKIA[0-9A-Z]{16}'] },
];

interface EntityLine {
  readonly text: string;
  readonly entities: readonly { type: string; start: number; end: number }[];
}
interface LabelLine {
  readonly text: string;
  readonly label: string;
}

/** Wall-clock and CPU-time p99 of `det` on the 1 KB messages (after a warm-up), in µs. */
async function cpuAndWall(det: Detector, kb: readonly string[], count: number): Promise<{ p99Us: number; cpuP99Us: number }> {
  const cpu: number[] = [];
  const l = await latency({
    count,
    warmup: Math.min(100, count),
    op: async (i) => {
      const c0 = process.cpuUsage();
      await det.detect(kb[i % kb.length] as string, { stage: 'output' });
      const c = process.cpuUsage(c0);
      cpu.push(c.user + c.system);
    },
  });
  cpu.sort((a, b) => a - b);
  return { p99Us: l.p99Us, cpuP99Us: cpu[Math.min(cpu.length - 1, Math.floor(cpu.length * 0.99))] ?? 0 };
}

function readJsonl(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
}

/** The detector a label is detected by. */
function detectorOf(label: string): string {
  if (['INJECTION', 'JAILBREAK', 'PROMPT_EXTRACTION'].includes(label)) return 'injection';
  if (label === 'STEREOTYPE' || label === 'BIAS') return 'bias';
  return 'moderation';
}

async function run(o: BenchOptions): Promise<SuiteResult> {
  const g = configSchema.parse({ guardrails: { custom: CUSTOM } }).guardrails;
  const detectors = [...(await makeRegistered(BUILTIN_DETECTORS, g.detectors)), ...(await customDetectors(g.custom))];
  const engine = new GuardEngine(detectors, new GuardPolicy(g));
  const notes: string[] = [`detectors: ${detectors.map((d) => d.name).join(', ')}`];
  const goals: Goal[] = [];
  const figures: Figure[] = [];
  const texts: string[] = [];

  // ---- quality
  const files = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => f.endsWith('.jsonl')) : [];
  if (files.length === 0)
    notes.push(`no fixtures in ${FIXTURES}: quality not measured (the detector work writes pii/secret/injection/moderation .jsonl)`);
  for (const file of files.sort()) {
    const lines = readJsonl(join(FIXTURES, file));
    const family = file.replace(/[-_.].*$/, '').replace(/\d+$/, '');
    if (lines.length === 0) continue;
    if ('entities' in (lines[0] as object)) {
      const golds: EntityLine['entities'][] = [];
      const predicted: Finding[][] = [];
      for (const l of lines as EntityLine[]) {
        texts.push(l.text);
        const { findings } = await engine.find(l.text, 'output', 5_000);
        golds.push(l.entities);
        predicted.push(findings.filter((f) => f.detector === family));
      }
      // Entity level, as the held-out set is scored: same type and ≥ 50 % of the gold span (test/guardrail/score.ts).
      const scores = scoreEntities(golds, predicted);
      for (const [type, t] of Object.entries(scores.byType))
        notes.push(`${file} ${type}: recall ${t.recall.toFixed(3)} precision ${t.precision.toFixed(3)} (${t.tp + t.fn} gold)`);
      const { recall, precision } = scores.all;
      goals.push({ name: `${file} recall ≥ 0.95`, met: recall >= 0.95, detail: recall.toFixed(3) });
      goals.push({ name: `${file} precision ≥ 0.95`, met: precision >= 0.95, detail: precision.toFixed(3) });
    } else {
      const byLabel = new Map<string, { n: number; hit: number }>();
      const families = new Set((lines as LabelLine[]).filter((l) => l.label !== 'benign').map((l) => detectorOf(l.label)));
      for (const l of lines as LabelLine[]) {
        texts.push(l.text);
        const { findings } = await engine.find(l.text, 'input', 5_000);
        const hit =
          l.label === 'benign' ? findings.some((f) => families.has(f.detector)) : findings.some((f) => f.detector === detectorOf(l.label));
        const r = byLabel.get(l.label) ?? { n: 0, hit: 0 };
        r.n++;
        if (hit) r.hit++;
        byLabel.set(l.label, r);
      }
      let n = 0;
      let hit = 0;
      for (const [label, r] of [...byLabel].sort()) {
        notes.push(`${file} ${label}: ${label === 'benign' ? 'false positives' : 'detected'} ${(r.hit / r.n).toFixed(3)} of ${r.n}`);
        if (label !== 'benign') {
          n += r.n;
          hit += r.hit;
        }
      }
      const fpRate = (byLabel.get('benign')?.hit ?? 0) / Math.max(1, byLabel.get('benign')?.n ?? 0);
      const goal = family === 'injection' ? 0.9 : 0.85;
      // A set of benign lines only (or of attacks only) has no detection (or false-positive) rate to hold to a goal.
      if (n > 0) goals.push({ name: `${file} detection ≥ ${goal}`, met: hit / n >= goal, detail: (hit / n).toFixed(3) });
      if (byLabel.has('benign')) goals.push({ name: `${file} false positives ≤ 0.05`, met: fpRate <= 0.05, detail: fpRate.toFixed(3) });
    }
  }

  // ---- speed: each detector on 1 KB messages
  const sample =
    texts.length > 0
      ? texts
      : ['Contact ada@example.org about order 4411-2231, key sk-abcdefghijklmnopqrstuvwx.', 'Lunch at noon? The deploy went fine.'];
  const kb: string[] = [];
  for (let i = 0; kb.length < 64; i++) {
    let m = '';
    for (let j = i; m.length < 1024; j++) m += `${sample[j % sample.length] ?? ''}\n`;
    kb.push(m.slice(0, 1024));
  }
  const count = o.quick ? 50 : 2_000;
  // The learned layers' cost: injection and moderation beside themselves without the concept and n-gram layers
  // (their rule layers), same run.
  const rulesOnly = new Map<string, Detector>();
  for (const name of ['injection', 'moderation'] as const)
    if (detectors.some((d) => d.name === name)) rulesOnly.set(name, await BUILTIN_DETECTORS[name]!({ concepts: false, ngram: false }));
  for (const d of detectors) {
    if (d.name === 'classifier') continue;
    const time = (det: Detector): Promise<{ p99Us: number; cpuP99Us: number }> => cpuAndWall(det, kb, count);
    const l = await time(d);
    const base = rulesOnly.get(d.name);
    const b = base === undefined ? undefined : await time(base);
    figures.push({
      name: `detector ${d.name} p99 per 1 KB`,
      value: l.p99Us / 1000,
      unit: 'ms',
      higherIsBetter: false,
      baselines:
        b === undefined ? [] : [{ name: `${d.name} rule layer alone (concepts and n-grams off)`, value: b.p99Us / 1000, unit: 'ms' }],
    });
    notes.push(
      `detector ${d.name} CPU-time p99 per 1 KB ${(l.cpuP99Us / 1000).toFixed(3)} ms` +
        (b === undefined ? '' : ` (rule layer alone ${(b.cpuP99Us / 1000).toFixed(3)} ms)`) +
        ' — wall-clock p99 on a loaded machine is mostly preemption',
    );
    goals.push({ name: `detector ${d.name} p99 ≤ 2 ms per 1 KB`, met: l.p99Us <= 2000, detail: `${(l.p99Us / 1000).toFixed(3)} ms` });
  }
  const full = await latency({
    count,
    warmup: Math.min(100, count),
    op: async (i) => engine.check({ tenant: 'bench', stage: 'output', text: sample[i % sample.length] as string }, { audit: false }),
  });
  figures.push({ name: 'full default policy p99 per message', value: full.p99Us / 1000, unit: 'ms', higherIsBetter: false, baselines: [] });
  goals.push({ name: 'full default policy p99 ≤ 20 ms', met: full.p99Us <= 20_000, detail: `${(full.p99Us / 1000).toFixed(3)} ms` });

  // ---- speed: time to first token with and without the stream guard (same token stream, no model delay)
  const policy = engine.policy.stage('output', 'bench');
  const reply = `${sample.slice(0, 3).join(' ')} `.repeat(2).slice(0, 600);
  const tokens = reply.match(/[\s\S]{1,4}/g) ?? [];
  const stream = async function* (): AsyncIterable<string> {
    for (const t of tokens) {
      await new Promise((r) => setImmediate(r));
      yield t;
    }
  };
  const ttft = async (guarded: boolean): Promise<number> => {
    const sg = new StreamGuard({
      ...g.stream,
      decide: async (text) => {
        const { findings, failed } = await engine.find(text, 'output', policy.timeoutMs);
        return engine.decide(policy, findings, failed, { tenant: 'bench' });
      },
    });
    const t0 = process.hrtime.bigint();
    for await (const t of stream()) if ((guarded ? await sg.push(t) : t) !== '') return Number(process.hrtime.bigint() - t0) / 1e6;
    if (guarded) await sg.end();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const rounds = o.quick ? 10 : 300;
  const raw: number[] = [];
  const withGuard: number[] = [];
  for (let i = 0; i < rounds; i++) {
    raw.push(await ttft(false));
    withGuard.push(await ttft(true));
  }
  raw.sort((a, b) => a - b);
  withGuard.sort((a, b) => a - b);
  const rawP50 = percentile(raw, 50);
  const guardP50 = percentile(withGuard, 50);
  figures.push({
    name: 'time to first token p50, stream guard',
    value: guardP50,
    unit: 'ms',
    higherIsBetter: false,
    baselines: [{ name: 'raw stream', value: rawP50, unit: 'ms' }],
  });
  goals.push({
    name: 'stream guard adds ≤ 5 ms to TTFT p50',
    met: guardP50 - rawP50 <= 5,
    detail: `+${(guardP50 - rawP50).toFixed(3)} ms`,
  });
  notes.push(
    `the TTFT stream yields 4-character tokens with no model delay, so the added time is the guard's own work; at a real model's pace ` +
      `the hold-back window (${g.stream.holdBackChars} characters to a whitespace) also waits for those characters to arrive`,
  );
  await engine.close();
  o.log('guardrails: done');
  return { suite: 'guardrails', figures, goals, notes };
}

/** The guardrails suite. */
export const guardrailsSuite: Suite = {
  name: 'guardrails',
  description: 'detector quality on test/fixtures/guardrails, detector and policy latency, stream guard TTFT',
  run,
};
