/**
 * The gateway's metrics on `prom-client`: runs, tool calls, guardrail decisions and cache lookups
 * counted by this node's actors (the system's meter), model calls after OpenTelemetry's GenAI
 * client metrics (tokens, duration, time to first token), WS frames and connections, HTTP
 * requests, rate limiting, the node's actors (per kind, messages, restarts, failures, dead
 * letters), its NATS connection and the process (prom-client's default metrics). One registry per
 * gateway; the process metrics are one registry per process, merged in when scraped.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type LabelValues } from 'prom-client';
import { GUARD_DECISIONS_METER } from '../../protocols/index.js';
import { METER, type ActorSystem, type MeterLabels } from '../../runtime/index.js';
import { LLM_CACHE_METER } from '../../actors/index.js';

/** Latency buckets in seconds: 0.5 ms … 30 s. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** OpenTelemetry's advisory buckets of `gen_ai.client.token.usage`. */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
/** OpenTelemetry's advisory buckets of `gen_ai.client.operation.duration` (seconds). */
const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

let processRegistry: Registry | undefined;
/** The process metrics (CPU, memory, event loop, GC, handles): collected once per process, whatever the gateways. */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Only the labels a family declares (prom-client refuses others). */
function pick(labels: MeterLabels, names: readonly string[]): LabelValues<string> {
  const out: Record<string, string> = {};
  for (const n of names) if (labels[n] !== undefined) out[n] = labels[n];
  return out;
}

/** NATS connection state as `/healthz` sees it. */
export type NatsState = 'none' | 'connected' | 'disconnected';

/** Every metric family `/metrics` shows. */
export class GatewayMetrics {
  readonly registry = new Registry();
  /** Runs started over /ws (`troupe_ws_runs_started_total`); every run: `troupe_runs_started_total`. */
  readonly runsStarted: Counter;
  /** Runs streamed over /ws that ended (`troupe_ws_runs_finished_total{status}`). */
  readonly runsEnded: Counter<'status'>;
  readonly runDuration: Histogram;
  readonly firstEvent: Histogram;
  readonly wsConnections: Gauge;
  readonly wsFrames: Counter<'direction'>;
  /** Hot-path handles of `wsFrames`. */
  readonly framesIn: { inc(by?: number): void };
  readonly framesOut: { inc(by?: number): void };
  readonly wsErrors: Counter<'code'>;
  readonly wsCloses: Counter<'code'>;
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly httpDuration: Histogram;
  readonly rateLimited: Counter;
  readonly actorMessages: Counter;
  readonly actorRestarts: Counter;
  readonly actorFailures: Counter;
  private readonly observed: ReadonlyMap<string, (labels: MeterLabels, value: number) => void>;
  private detach: (() => void) | undefined;

  /** `nats` reads the node's NATS connection state when scraped (absent: `none`). */
  constructor(
    private readonly system: ActorSystem,
    nats: () => NatsState = () => 'none',
  ) {
    const registers = [this.registry];
    this.meterCounter(
      'troupe_runs_started_total',
      "Runs started on this node's agents (/ws, /acp, /a2a, topic messages, delegations)",
      METER.runsStarted,
      [],
    );
    this.meterCounter('troupe_runs_finished_total', "Runs that ended on this node's agents, by status", METER.runsFinished, ['status']);
    this.meterCounter('troupe_tool_calls_total', "Tool calls made by this node's agents, by tool and outcome", METER.toolCalls, [
      'tool',
      'outcome',
    ]);
    this.meterCounter(
      'troupe_guardrail_decisions_total',
      "Guardrail decisions on this node's guards, by stage, detector and action",
      GUARD_DECISIONS_METER,
      ['stage', 'detector', 'action'],
    );
    this.meterCounter(
      'troupe_llm_cache_lookups_total',
      "Response cache lookups on this node's agents, by kind and result",
      LLM_CACHE_METER,
      ['kind', 'result'],
    );
    const genAi = ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model'] as const;
    const tokens = new Histogram({
      name: 'gen_ai_client_token_usage',
      help: "Tokens of each model call of this node's agents, by token type (input, output)",
      labelNames: [...genAi, 'gen_ai_token_type'],
      buckets: TOKEN_BUCKETS,
      registers,
    });
    const duration = new Histogram({
      name: 'gen_ai_client_operation_duration_seconds',
      help: "Duration of each model call of this node's agents (error_type set when it failed)",
      labelNames: [...genAi, 'error_type'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    const firstToken = new Histogram({
      name: 'gen_ai_client_time_to_first_token_seconds',
      help: "Model call to its first streamed token, for this node's agents",
      labelNames: ['gen_ai_provider_name', 'gen_ai_request_model'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    const genAiLabels = (l: MeterLabels): Record<(typeof genAi)[number], string> => ({
      gen_ai_operation_name: l['operation'] ?? 'chat',
      gen_ai_provider_name: l['provider'] ?? '',
      gen_ai_request_model: l['model'] ?? '',
    });
    this.observed = new Map<string, (labels: MeterLabels, value: number) => void>([
      [METER.tokenUsage, (l, v) => tokens.observe({ ...genAiLabels(l), gen_ai_token_type: l['token_type'] ?? '' }, v)],
      [
        METER.operationDuration,
        (l, v) => duration.observe(l['error'] === undefined ? genAiLabels(l) : { ...genAiLabels(l), error_type: l['error'] }, v),
      ],
      [
        METER.timeToFirstToken,
        (l, v) => firstToken.observe({ gen_ai_provider_name: l['provider'] ?? '', gen_ai_request_model: l['model'] ?? '' }, v),
      ],
    ]);
    this.runsStarted = new Counter({ name: 'troupe_ws_runs_started_total', help: 'Runs started over /ws on this gateway', registers });
    this.runsEnded = new Counter({
      name: 'troupe_ws_runs_finished_total',
      help: 'Runs streamed over /ws on this gateway that ended there, by status',
      labelNames: ['status'],
      registers,
    });
    this.runDuration = new Histogram({
      name: 'troupe_run_duration_seconds',
      help: 'Run start to its terminal event',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.firstEvent = new Histogram({
      name: 'troupe_run_first_token_seconds',
      help: 'Run start request to its first token event',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.wsConnections = new Gauge({ name: 'troupe_ws_connections', help: 'Open WebSocket connections', registers });
    this.wsFrames = new Counter({
      name: 'troupe_ws_frames_total',
      help: 'WebSocket frames, by direction',
      labelNames: ['direction'],
      registers,
    });
    this.framesIn = this.wsFrames.labels({ direction: 'in' });
    this.framesOut = this.wsFrames.labels({ direction: 'out' });
    this.wsErrors = new Counter({ name: 'troupe_ws_errors_total', help: 'Error frames sent, by code', labelNames: ['code'], registers });
    this.wsCloses = new Counter({
      name: 'troupe_ws_closes_total',
      help: 'WebSocket connections closed by the server, by close code',
      labelNames: ['code'],
      registers,
    });
    this.httpRequests = new Counter({
      name: 'troupe_http_requests_total',
      help: 'HTTP requests, by route and status',
      labelNames: ['route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'troupe_http_request_duration_seconds',
      help: 'HTTP request handling time',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.rateLimited = new Counter({ name: 'troupe_rate_limited_total', help: 'Requests and frames refused by the rate limit', registers });
    this.actorMessages = new Counter({ name: 'troupe_actor_messages_total', help: 'Messages handled by actors on this node', registers });
    this.actorRestarts = new Counter({ name: 'troupe_actor_restarts_total', help: 'Actor restarts on this node', registers });
    this.actorFailures = new Counter({ name: 'troupe_actor_failures_total', help: 'Actor failures on this node', registers });
    this.gauge('troupe_actors', 'Actors living on this node', () => system.actors().length);
    new Gauge({
      name: 'troupe_actors_active',
      help: 'Actors living on this node, by kind (the first segment of the address)',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        const byKind = new Map<string, number>();
        for (const ref of system.actors()) {
          const kind = ref.address.split('/', 1)[0] as string;
          byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
        }
        for (const [kind, n] of byKind) this.set({ kind }, n);
      },
    });
    new Gauge({
      name: 'troupe_mailbox_depth',
      help: 'Messages queued in the mailboxes of actors on this node, by kind (the one being handled included)',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        const byKind = new Map<string, number>();
        for (const ref of system.actors()) {
          const kind = ref.address.split('/', 1)[0] as string;
          byKind.set(kind, (byKind.get(kind) ?? 0) + (system.mailboxDepth(ref) ?? 0));
        }
        for (const [kind, n] of byKind) this.set({ kind }, n);
      },
    });
    this.gauge('troupe_dead_letters_total', 'Dead letters recorded by this node', () => system.stats.deadLetters);
    this.gauge('troupe_escalations_total', 'Failures that reached the top of a supervision tree', () => system.stats.escalations);
    this.gauge(
      'troupe_alarms',
      'Active alarms on this node (subtrees restarting after repeated failures)',
      () => system.alarms.list().length,
    );
    this.gauge('troupe_alarms_raised_total', 'Alarms raised on this node since it started', () => system.alarms.raisedTotal);
    this.gauge('troupe_ready', '1 while the node is ready (its actor system runs, no alarm), else 0', () =>
      system.health().ready ? 1 : 0,
    );
    this.gauge('troupe_late_replies_total', 'Replies that came after their ask gave up', () => system.stats.lateReplies);
    this.gauge('troupe_process_resident_memory_bytes', 'Resident memory of this process', () => process.memoryUsage.rss());
    new Gauge({
      name: 'troupe_nats_connection_state',
      help: "1 for the node's NATS connection state (none: no NATS, connected, disconnected)",
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        this.set({ state: nats() }, 1);
      },
    });
  }

  /** A counter kept in the system's meter (`series`), read when scraped. */
  private meterCounter(name: string, help: string, series: string, labelNames: readonly string[]): void {
    const meter = this.system.meter;
    new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [labels, value] of meter.read(series)) this.inc(pick(labels, labelNames), value);
      },
    });
  }

  /** A gauge without labels, read when scraped. */
  private gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** Starts counting lifecycle transitions of this node's actors and taking the meter's observations. */
  attach(): void {
    if (this.detach !== undefined) return;
    const lifecycle = this.system.watchLifecycle((e) => {
      if (e.to === 'busy') this.actorMessages.inc();
      else if (e.to === 'restarting') this.actorRestarts.inc();
      else if (e.to === 'failed') this.actorFailures.inc();
    });
    const observations = this.system.meter.watch((name, labels, value) => this.observed.get(name)?.(labels, value));
    this.detach = () => {
      lifecycle();
      observations();
    };
  }

  /** Stops watching. */
  close(): void {
    this.detach?.();
    this.detach = undefined;
  }

  /** The value of one series of a counter or gauge of this gateway (0 when never counted). */
  async valueOf(metric: Counter<string> | Gauge<string>, labels: Readonly<Record<string, string>> = {}): Promise<number> {
    const keys = Object.keys(labels);
    const found = (await metric.get()).values.find(
      (v) => Object.keys(v.labels).length === keys.length && keys.every((k) => String(v.labels[k]) === labels[k]),
    );
    return found?.value ?? 0;
  }

  /** The exposition content type (Prometheus text 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text: this gateway's families and the process metrics. */
  render(): Promise<string> {
    return Registry.merge([processMetrics(), this.registry]).metrics();
  }
}
