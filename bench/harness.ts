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
  /** Timed runs per figure (best-of); suites pick their own default when absent. */
  readonly runs?: number;
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

/** Ops/s of each timed run of one case, with the best and the median. */
export interface Throughput {
  readonly best: number;
  readonly median: number;
  readonly runs: readonly number[];
}

/** One case of {@link throughput}: `once(ops)` does `ops` operations and resolves when done. */
export interface ThroughputCase {
  readonly name: string;
  /** May return its own elapsed ns (to leave setup out of the timing); else the call is timed. */
  once(ops: number): Promise<number | void>;
}

/**
 * Warms every case up (`warmup` calls of `warmupOps`), then makes `runs` rounds in which
 * each case runs once with `ops`: interleaving puts a figure and its baselines under the
 * same machine load, so best-of-`runs` ratios stay fair on a busy machine.
 */
export async function throughput<K extends string>(
  spec: { ops: number; warmupOps?: number; warmup: number; runs: number },
  cases: readonly (ThroughputCase & { name: K })[],
): Promise<Record<K, Throughput>> {
  for (const c of cases) for (let i = 0; i < spec.warmup; i++) await c.once(spec.warmupOps ?? spec.ops);
  const rates = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let r = 0; r < spec.runs; r++) {
    for (const c of cases) {
      const start = process.hrtime.bigint();
      const own = await c.once(spec.ops);
      const ns = typeof own === 'number' ? own : elapsedNs(start);
      rates.get(c.name)?.push(spec.ops / (ns / 1e9));
    }
  }
  const out = {} as Record<K, Throughput>;
  for (const c of cases) {
    const runs = rates.get(c.name) ?? [];
    const sorted = [...runs].sort((a, b) => a - b);
    out[c.name] = { best: sorted[sorted.length - 1] ?? 0, median: percentile(sorted, 50), runs };
  }
  return out;
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
  return {
    p50Us: percentile(samples, 50) / 1e3,
    p99Us: percentile(samples, 99) / 1e3,
    meanUs: sum / samples.length / 1e3,
    opsPerSec: spec.count / (totalNs / 1e9),
  };
}

// ---- machine -------------------------------------------------------------------------------

/** The machine a run was made on. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  /** 1-minute load average when the run started: a busy machine makes every figure noisy. */
  readonly load1m: number;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()} ${os.release()}`,
    load1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
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
  return [`machine: ${m.cpu} | ${m.cores} cores | ${m.memoryGiB} GiB RAM | Node ${m.node} | ${m.platform} | load ${m.load1m}`];
}

export function suiteLines(r: SuiteResult): string[] {
  const out = [`== ${r.suite} ==`];
  for (const f of r.figures) out.push(...figureLines(f));
  for (const n of r.notes) out.push(`note: ${n}`);
  for (const g of r.goals) out.push(`goal ${g.met ? 'MET    ' : 'NOT MET'} ${g.name}: ${g.detail}`);
  return out;
}
