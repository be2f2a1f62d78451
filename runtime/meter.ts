/**
 * Node-local counters that actors bump and the gateway renders (e.g. runs started and finished
 * on this node's agents, whatever surface started them), and observations (token counts, model
 * call durations) handed to whoever watches them. Plain numbers by name and label set: no
 * exposition format here — gateway/ops turns them into Prometheus text.
 */

/** Label values of one series. */
export type MeterLabels = Readonly<Record<string, string>>;

/** Receives every observation of a {@link Meter} (e.g. a histogram of `/metrics`). */
export type MeterWatcher = (name: string, labels: MeterLabels, value: number) => void;

/** Counters of one node. */
export class Meter {
  private readonly series = new Map<string, Map<string, { readonly labels: MeterLabels; value: number }>>();
  private readonly watchers = new Set<MeterWatcher>();

  /** Records one observation of `name` (a distribution, not a sum): every watcher gets it; none kept here. */
  observe(name: string, labels: MeterLabels, value: number): void {
    for (const w of this.watchers) w(name, labels, value);
  }

  /** Calls `watcher` with every later observation; returns the function that stops it. */
  watch(watcher: MeterWatcher): () => void {
    this.watchers.add(watcher);
    return () => void this.watchers.delete(watcher);
  }

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
  /** Tool calls made by this node's agents (labels: `tool`, `outcome` ok | error). */
  toolCalls: 'tool_calls',
  /**
   * Observed: tokens of one model call (labels: `operation`, `provider`, `model`, `token_type` input | output), after
   * OpenTelemetry's `gen_ai.client.token.usage`.
   */
  tokenUsage: 'gen_ai_token_usage',
  /** Observed: seconds one model call took (labels: `operation`, `provider`, `model`, `error` when it failed). */
  operationDuration: 'gen_ai_operation_duration',
  /** Observed: seconds from a model call to its first streamed token (labels: `provider`, `model`). */
  timeToFirstToken: 'gen_ai_time_to_first_token',
} as const;
