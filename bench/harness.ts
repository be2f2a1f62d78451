/**
 * Benchmark harness: timing helpers (warmup + best-of runs, latency percentiles), machine
 * info, and the printer that puts every figure beside the baseline measured in the same run.
 * A suite is an object the runner (`bench/run.ts`) registers; new suites only add a file.
 */
import os from 'node:os';

/** What the runner passes to every suite. */
export interface BenchOptions {
  /** Few iterations: a smoke test that the suite runs, not a measurement. */
  readonly quick: boolean;
  /** Progress lines (to stderr, so `--json` stays clean on stdout). */
  readonly log: (line: string) => void;
}

/** One measured number. */
export interface Measure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

/** A figure of the system under test, beside the baselines measured in the same run. */
export interface Figure extends Measure {
  /** True for rates (msg/s), false for latencies: tells how to read the ratio. */
  readonly higherIsBetter: boolean;
  readonly baselines: readonly Measure[];
}

/** A target from an issue, checked against this run. */
export interface Goal {
  readonly name: string;
  readonly met: boolean;
  readonly detail: string;
}

/** What a suite returns. */
export interface SuiteResult {
  readonly suite: string;
  readonly figures: readonly Figure[];
  readonly goals: readonly Goal[];
  readonly notes: readonly string[];
}

/** A benchmark suite, selectable by name on the command line. */
export interface Suite {
  readonly name: string;
  readonly description: string;
  run(options: BenchOptions): Promise<SuiteResult>;
}

// ---- timing -------------------------------------------------------------------------------

/** Nanoseconds elapsed since `start` (from `process.hrtime.bigint()`). */
export function elapsedNs(start: bigint): number {
  return Number(process.hrtime.bigint() - start);
}

/** Result of {@link throughput}: ops/s of each timed run. */
export interface Throughput {
  readonly best: number;
  readonly median: number;
  readonly runs: readonly number[];
}

/**
 * Runs `once(ops)` `warmup` times, then `runs` timed times, and reports ops/s. `once` does
 * `ops` operations and resolves when the last is done; it may return its own elapsed ns
 * (to leave setup out of the timing), else the whole call is timed.
 */
export async function throughput(spec: { ops: number; warmupOps?: number; warmup: number; runs: number; once: (ops: number) => Promise<number | void> }): Promise<Throughput> {
  for (let i = 0; i < spec.warmup; i++) await spec.once(spec.warmupOps ?? spec.ops);
  const rates: number[] = [];
  for (let i = 0; i < spec.runs; i++) {
    const start = process.hrtime.bigint();
    const own = await spec.once(spec.ops);
    const ns = typeof own === 'number' ? own : elapsedNs(start);
    rates.push(spec.ops / (ns / 1e9));
  }
  const sorted = [...rates].sort((a, b) => a - b);
  return { best: sorted[sorted.length - 1] ?? 0, median: percentile(sorted, 50), runs: rates };
}

/** The p-th percentile (nearest rank) of ascending `sorted` samples. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** Latency summary in microseconds plus the rate the sequential loop achieved. */
export interface Latency {
  readonly p50Us: number;
  readonly p99Us: number;
  readonly meanUs: number;
  readonly opsPerSec: number;
}

/**
 * Calls `op()` `count` times one after another, timing each with `process.hrtime.bigint()`
 * (after `warmup` untimed calls), and returns p50/p99/mean and the loop's ops/s.
 */
export async function latency(spec: { count: number; warmup: number; op: (i: number) => Promise<unknown> }): Promise<Latency> {
  for (let i = 0; i < spec.warmup; i++) await spec.op(i);
  const samples = new Float64Array(spec.count);
  const start = process.hrtime.bigint();
  for (let i = 0; i < spec.count; i++) {
    const t0 = process.hrtime.bigint();
    await spec.op(i);
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  const totalNs = elapsedNs(start);
  samples.sort();
  let sum = 0;
  for (const s of samples) sum += s;
  return { p50Us: percentile(samples, 50) / 1e3, p99Us: percentile(samples, 99) / 1e3, meanUs: sum / samples.length / 1e3, opsPerSec: spec.count / (totalNs / 1e9) };
}

// ---- machine -------------------------------------------------------------------------------

/** The machine a run was made on. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()} ${os.release()}`,
  };
}

// ---- printing ------------------------------------------------------------------------------

const NAME_WIDTH = 26;
const VALUE_WIDTH = 20;

/** 1234567.8 → "1,234,568"; small values keep two decimals. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const digits = Math.abs(v) >= 100 ? 0 : 2;
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function formatMeasure(m: Measure): string {
  return `${formatNumber(m.value)} ${m.unit}`;
}

/** Figure ÷ baseline; for latencies the ratio reads "times slower" (lower is better). */
export function ratio(figure: Figure, baseline: Measure): number {
  return figure.value / baseline.value;
}

/** The lines of one figure: its value beside each baseline, with the ratio. */
export function figureLines(f: Figure): string[] {
  const head = `${f.name.padEnd(NAME_WIDTH)} ${formatMeasure(f).padStart(VALUE_WIDTH)}`;
  if (f.baselines.length === 0) return [head];
  return f.baselines.map((b, i) => {
    const left = i === 0 ? head : ' '.repeat(head.length);
    const hint = f.higherIsBetter ? '' : ' (lower is better)';
    return `${left} | baseline ${b.name} ${formatMeasure(b)} | ratio ${ratio(f, b).toFixed(2)}x${hint}`;
  });
}

export function machineLines(m: MachineInfo): string[] {
  return [`machine: ${m.cpu} | ${m.cores} cores | ${m.memoryGiB} GiB RAM | Node ${m.node} | ${m.platform}`];
}

export function suiteLines(r: SuiteResult): string[] {
  const out = [`== ${r.suite} ==`];
  for (const f of r.figures) out.push(...figureLines(f));
  for (const n of r.notes) out.push(`note: ${n}`);
  for (const g of r.goals) out.push(`goal ${g.met ? 'MET    ' : 'NOT MET'} ${g.name}: ${g.detail}`);
  return out;
}
