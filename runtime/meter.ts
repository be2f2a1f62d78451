/**
 * Node-local counters that actors bump and the gateway renders (e.g. runs started and finished
 * on this node's agents, whatever surface started them). Plain numbers by name and label set:
 * no exposition format here — gateway/ops turns them into Prometheus text.
 */

/** Label values of one series. */
export type MeterLabels = Readonly<Record<string, string>>;

/** Counters of one node. */
export class Meter {
  private readonly series = new Map<string, Map<string, { readonly labels: MeterLabels; value: number }>>();

  /** Adds `by` (default 1) to counter `name` with `labels`. */
  inc(name: string, labels: MeterLabels = {}, by = 1): void {
    let family = this.series.get(name);
    if (family === undefined) this.series.set(name, (family = new Map()));
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const s = family.get(key);
    if (s === undefined) family.set(key, { labels: { ...labels }, value: by });
    else s.value += by;
  }

  /** Every series of counter `name`, as `[labels, value]`. */
  read(name: string): [MeterLabels, number][] {
    return [...(this.series.get(name)?.values() ?? [])].map((s) => [s.labels, s.value]);
  }

  /** The value of one series (0 when never counted). */
  get(name: string, labels: MeterLabels = {}): number {
    const want = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    for (const [k, s] of this.series.get(name) ?? []) if (k === want) return s.value;
    return 0;
  }
}

/** Counter names the agent runtime uses. */
export const METER = {
  /** Runs created on this node (labels: none). */
  runsStarted: 'runs_started',
  /** Runs that ended on this node (labels: `status`). */
  runsFinished: 'runs_finished',
} as const;
