/**
 * A small Prometheus registry (text exposition format 0.0.4): counters and gauges with
 * labels, histograms with fixed buckets, and gauges read at scrape time. Enough for
 * `/metrics` without a dependency.
 */

type Labels = Readonly<Record<string, string>>;

const escape = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (l: Labels): string => {
  const keys = Object.keys(l);
  return keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${escape(l[k] as string)}"`).join(',')}}`;
};

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  render(out: string[]): void;
}

/** A counter (or settable gauge) with optional labels. */
export class Counter implements Family {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' = 'counter',
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const k = labelText(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }

  set(value: number, labels: Labels = {}): void {
    this.values.set(labelText(labels), value);
  }

  /** A handle for one label set, its key computed once (for hot paths). */
  child(labels: Labels): { inc(by?: number): void } {
    const k = labelText(labels);
    return { inc: (by = 1) => void this.values.set(k, (this.values.get(k) ?? 0) + by) };
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels)) ?? 0;
  }

  render(out: string[]): void {
    if (this.values.size === 0 && this.type === 'counter') out.push(`${this.name} 0`);
    for (const [k, v] of this.values) out.push(`${this.name}${k} ${v}`);
  }
}

/** A gauge (or a counter kept elsewhere) whose value is read when scraped. */
export class CallbackGauge implements Family {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number | ReadonlyArray<readonly [Labels, number]>,
    readonly type: 'gauge' | 'counter' = 'gauge',
  ) {}

  render(out: string[]): void {
    const v = this.read();
    if (typeof v === 'number') out.push(`${this.name} ${v}`);
    else for (const [l, n] of v) out.push(`${this.name}${labelText(l)} ${n}`);
  }
}

/** Latency buckets in seconds: 0.5 ms … 30 s. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** A histogram without labels. */
export class Histogram implements Family {
  readonly type = 'histogram' as const;
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[] = LATENCY_BUCKETS,
  ) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (value <= (this.buckets[i] as number)) this.counts[i] = (this.counts[i] as number) + 1;
  }

  render(out: string[]): void {
    this.buckets.forEach((b, i) => out.push(`${this.name}_bucket{le="${b}"} ${this.counts[i] ?? 0}`));
    out.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
  }
}

/** A set of metric families rendered together. */
export class Registry {
  private readonly families: Family[] = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  gauge(name: string, help: string): Counter {
    return this.add(new Counter(name, help, 'gauge'));
  }

  histogram(name: string, help: string, buckets?: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  callbackGauge(name: string, help: string, read: () => number | ReadonlyArray<readonly [Labels, number]>): CallbackGauge {
    return this.add(new CallbackGauge(name, help, read));
  }

  /** A counter kept elsewhere (e.g. the system's meter), read when scraped. */
  callbackCounter(name: string, help: string, read: () => number | ReadonlyArray<readonly [Labels, number]>): CallbackGauge {
    return this.add(new CallbackGauge(name, help, read, 'counter'));
  }

  private add<F extends Family>(f: F): F {
    this.families.push(f);
    return f;
  }

  /** The exposition text. */
  render(): string {
    const out: string[] = [];
    for (const f of this.families) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
      f.render(out);
    }
    return `${out.join('\n')}\n`;
  }
}
