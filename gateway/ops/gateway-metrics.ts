/**
 * The gateway's metrics: runs, WS frames and connections, HTTP requests, rate limiting, and the
 * node's actors (messages handled, restarts, failures, dead letters) from lifecycle watchers
 * and `system.stats`.
 */
import { GUARD_DECISIONS_METER } from '../../protocols/index.js';
import { METER, type ActorSystem } from '../../runtime/index.js';
import { LLM_CACHE_METER } from '../../actors/index.js';
import { Registry, type Counter, type Histogram } from './metrics.js';

/** Every metric family `/metrics` shows. */
export class GatewayMetrics {
  readonly registry = new Registry();
  /** Runs started over /ws (`troupe_ws_runs_started_total`); every run: `troupe_runs_started_total`. */
  readonly runsStarted: Counter;
  /** Runs streamed over /ws that ended (`troupe_ws_runs_finished_total{status}`). */
  readonly runsEnded: Counter;
  readonly runDuration: Histogram;
  readonly firstEvent: Histogram;
  readonly wsConnections: Counter;
  readonly wsFrames: Counter;
  /** Hot-path handles of `wsFrames`. */
  readonly framesIn: { inc(by?: number): void };
  readonly framesOut: { inc(by?: number): void };
  readonly wsErrors: Counter;
  readonly wsCloses: Counter;
  readonly httpRequests: Counter;
  readonly httpDuration: Histogram;
  readonly rateLimited: Counter;
  readonly actorMessages: Counter;
  readonly actorRestarts: Counter;
  readonly actorFailures: Counter;
  private detach: (() => void) | undefined;

  constructor(private readonly system: ActorSystem) {
    const r = this.registry;
    // Every run counts where it runs — the agent actors of this node — whatever started it.
    r.callbackCounter(
      'troupe_runs_started_total',
      "Runs started on this node's agents (/ws, /acp, /a2a, topic messages, delegations)",
      () => {
        const all = system.meter.read(METER.runsStarted);
        return all.length === 0 ? 0 : all;
      },
    );
    r.callbackCounter('troupe_runs_finished_total', "Runs that ended on this node's agents, by status", () =>
      system.meter.read(METER.runsFinished),
    );
    r.callbackCounter('troupe_guardrail_decisions_total', "Guardrail decisions on this node's guards, by stage, detector and action", () =>
      system.meter.read(GUARD_DECISIONS_METER),
    );
    r.callbackCounter('troupe_llm_cache_lookups_total', "Response cache lookups on this node's agents, by kind and result", () =>
      system.meter.read(LLM_CACHE_METER),
    );
    this.runsStarted = r.counter('troupe_ws_runs_started_total', 'Runs started over /ws on this gateway');
    this.runsEnded = r.counter('troupe_ws_runs_finished_total', 'Runs streamed over /ws on this gateway that ended there, by status');
    this.runDuration = r.histogram('troupe_run_duration_seconds', 'Run start to its terminal event');
    this.firstEvent = r.histogram('troupe_run_first_token_seconds', 'Run start request to its first token event');
    this.wsConnections = r.gauge('troupe_ws_connections', 'Open WebSocket connections');
    this.wsFrames = r.counter('troupe_ws_frames_total', 'WebSocket frames, by direction');
    this.framesIn = this.wsFrames.child({ direction: 'in' });
    this.framesOut = this.wsFrames.child({ direction: 'out' });
    this.wsErrors = r.counter('troupe_ws_errors_total', 'Error frames sent, by code');
    this.wsCloses = r.counter('troupe_ws_closes_total', 'WebSocket connections closed by the server, by close code');
    this.httpRequests = r.counter('troupe_http_requests_total', 'HTTP requests, by route and status');
    this.httpDuration = r.histogram('troupe_http_request_duration_seconds', 'HTTP request handling time');
    this.rateLimited = r.counter('troupe_rate_limited_total', 'Requests and frames refused by the rate limit');
    this.actorMessages = r.counter('troupe_actor_messages_total', 'Messages handled by actors on this node');
    this.actorRestarts = r.counter('troupe_actor_restarts_total', 'Actor restarts on this node');
    this.actorFailures = r.counter('troupe_actor_failures_total', 'Actor failures on this node');
    r.callbackGauge('troupe_actors', 'Actors living on this node', () => system.actors().length);
    r.callbackGauge('troupe_dead_letters_total', 'Dead letters recorded by this node', () => system.stats.deadLetters);
    r.callbackGauge('troupe_escalations_total', 'Failures that reached the top of a supervision tree', () => system.stats.escalations);
    r.callbackGauge(
      'troupe_alarms',
      'Active alarms on this node (subtrees restarting after repeated failures)',
      () => system.alarms.list().length,
    );
    r.callbackGauge('troupe_alarms_raised_total', 'Alarms raised on this node since it started', () => system.alarms.raisedTotal);
    r.callbackGauge('troupe_ready', '1 while the node is ready (its actor system runs, no alarm), else 0', () =>
      system.health().ready ? 1 : 0,
    );
    r.callbackGauge('troupe_late_replies_total', 'Replies that came after their ask gave up', () => system.stats.lateReplies);
    r.callbackGauge('troupe_process_resident_memory_bytes', 'Resident memory of this process', () => process.memoryUsage.rss());
  }

  /** Starts counting lifecycle transitions of this node's actors. */
  attach(): void {
    if (this.detach !== undefined) return;
    this.detach = this.system.watchLifecycle((e) => {
      if (e.to === 'busy') this.actorMessages.inc();
      else if (e.to === 'restarting') this.actorRestarts.inc();
      else if (e.to === 'failed') this.actorFailures.inc();
    });
  }

  /** Stops watching. */
  close(): void {
    this.detach?.();
    this.detach = undefined;
  }

  /** The Prometheus text. */
  render(): string {
    return this.registry.render();
  }
}
