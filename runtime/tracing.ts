/**
 * Traces (issue 17, ADR 0028): the spans Troupe makes — OpenTelemetry GenAI spans (`invoke_agent`, `chat`,
 * `execute_tool`, `retrieval`, `embeddings`) and the gateway's HTTP server spans — go through this one surface.
 * Off by default and free when off: nothing of OpenTelemetry is loaded until {@link startTracing} finds tracing
 * asked for (the standard `OTEL_*` variables), and until then every {@link startSpan} is one check that returns the
 * shared no-op span. When on, the SDK and the OTLP/HTTP exporter are loaded once (tracing-otel.ts).
 *
 * A span's context travels on envelopes as their W3C `traceparent`: code that opens a span passes
 * `span.traceparent` on the messages it sends, and a span opened for a message takes the message's `traceparent` as
 * its parent — so a run that delegates to an agent on another node continues the same trace there.
 */

/** A value a span attribute takes. */
export type SpanValue = string | number | boolean | readonly string[] | readonly number[];

/** Span attributes; undefined values are left out. */
export type SpanAttributes = Readonly<Record<string, SpanValue | undefined>>;

/** How a span relates to its peer (OpenTelemetry span kinds). */
export type SpanKindName = 'internal' | 'client' | 'server';

/** One span, or the no-op span while tracing is off (then every method does nothing). */
export interface TraceSpan {
  /** This span's context as a W3C `traceparent` for the envelopes sent under it; undefined for the no-op span. */
  readonly traceparent: string | undefined;
  /** True when the span is recorded (tracing on). */
  readonly recording: boolean;
  /** Sets attributes (undefined values skipped). */
  set(attributes: SpanAttributes): void;
  /** Renames the span (e.g. an HTTP span once its route is known). */
  rename(name: string): void;
  /**
   * Records message content under `key` only when content capture is opted in; `value` is computed then, its
   * secrets scrubbed and personal data redacted (runtime/log.ts `scrubLogValue`), and stored as JSON.
   */
  capture(key: string, value: () => unknown): void;
  /** Marks the span failed: error status, `error.type` (`type`, else the error's code or class), a scrubbed message. */
  fail(error: unknown, type?: string): void;
  /** Ends the span (once; later calls are ignored). */
  end(): void;
}

/** Options of {@link startSpan}. */
export interface SpanOptions {
  /** The parent's W3C traceparent (an envelope's or a request header's); absent or malformed: a new trace. */
  readonly parent?: string | undefined;
  readonly kind?: SpanKindName;
  readonly attributes?: SpanAttributes;
}

/** What makes spans while tracing is on (tracing-otel.ts). */
export interface SpanFactory {
  start(name: string, options: SpanOptions): TraceSpan;
  /** Sends what is buffered and stops exporting. */
  shutdown(): Promise<void>;
  /** Sends what is buffered. */
  flush(): Promise<void>;
}

/** The span every call returns while tracing is off. */
export const NOOP_SPAN: TraceSpan = Object.freeze({
  traceparent: undefined,
  recording: false,
  set() {},
  rename() {},
  capture() {},
  fail() {},
  end() {},
});

let factory: SpanFactory | undefined;
let starting: Promise<boolean> | undefined;

/** True while spans are made (the hot path's one check). */
export function tracingEnabled(): boolean {
  return factory !== undefined;
}

/** Opens a span; the no-op span while tracing is off. */
export function startSpan(name: string, options: SpanOptions = {}): TraceSpan {
  return factory === undefined ? NOOP_SPAN : factory.start(name, options);
}

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /** Where the `OTEL_*` variables are read (default `process.env`; the SDK itself reads `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Record message content (config `tracing.captureContent`); `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`
   * also turns it on.
   */
  readonly captureContent?: boolean;
  /**
   * Removes personal data from captured content (the CLI passes the guardrail's PII redaction); without it content is
   * captured as its length only.
   */
  readonly redactText?: (text: string) => string;
  /** `service.instance.id` of the resource (the node id), unless `OTEL_RESOURCE_ATTRIBUTES` names one. */
  readonly instance?: string;
  /** Reports an exporter problem (default: a process warning). */
  readonly warn?: (message: string) => void;
}

/**
 * The exporters the environment asks for: `OTEL_TRACES_EXPORTER` (`otlp`, `console`, `none`; a comma list), else
 * `otlp` when an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); none
 * otherwise, or when `OTEL_SDK_DISABLED=true`. Unlike the SDK's own default, nothing is exported unless asked for.
 */
export function tracesExporters(env: NodeJS.ProcessEnv = process.env): ('otlp' | 'console')[] {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return [];
  const listed = env['OTEL_TRACES_EXPORTER']
    ?.split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (listed !== undefined && listed.length > 0) {
    if (listed.includes('none')) return [];
    return (['otlp', 'console'] as const).filter((e) => listed.includes(e));
  }
  const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  return endpoint !== undefined && endpoint.trim() !== '' ? ['otlp'] : [];
}

/**
 * Turns tracing on when the environment asks for it (see {@link tracesExporters}): loads the OpenTelemetry SDK and
 * exporter, and from then on {@link startSpan} makes real spans. Resolves true when tracing is on. Calling it again
 * while on does nothing.
 */
export function startTracing(options: TracingOptions = {}): Promise<boolean> {
  if (factory !== undefined) return Promise.resolve(true);
  if (starting !== undefined) return starting;
  const env = options.env ?? process.env;
  const exporters = tracesExporters(env);
  if (exporters.length === 0) return Promise.resolve(false);
  const capture =
    options.captureContent === true || env['OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT']?.trim().toLowerCase() === 'true';
  starting = import('./tracing-otel.js')
    .then(({ otelSpanFactory }) => {
      factory = otelSpanFactory({
        exporters,
        env,
        capture,
        redactText: options.redactText,
        instance: options.instance,
        warn: options.warn ?? ((m) => process.emitWarning(m, 'TroupeTracing')),
      });
      return true;
    })
    .finally(() => {
      starting = undefined;
    });
  return starting;
}

/** Sends the spans still buffered (a no-op while tracing is off). */
export async function flushTracing(): Promise<void> {
  await factory?.flush();
}

/** Exports what is buffered and turns tracing off (process stop; tests). */
export async function stopTracing(): Promise<void> {
  const f = factory;
  factory = undefined;
  await f?.shutdown();
}
