/**
 * The OpenTelemetry side of runtime/tracing.ts, loaded only once tracing is turned on (ADR 0028): a
 * `BasicTracerProvider` (sampler from `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`), a batch processor
 * (`OTEL_BSP_*`) per exporter — OTLP/HTTP (`OTEL_EXPORTER_OTLP_*`: endpoint, headers, timeout, compression; JSON, or
 * protobuf when `OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL=http/protobuf`) and/or
 * the console — and a resource from `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` (default service name `troupe`).
 * Span parents come from W3C traceparents (envelopes, request headers), never from an ambient context.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { scrubSecrets, traceparentSchema } from '../protocols/index.js';
import { scrubLogValue } from './log.js';
import type { SpanAttributes, SpanFactory, SpanKindName, SpanOptions, TraceSpan } from './tracing.js';

/** What {@link otelSpanFactory} needs. */
export interface OtelOptions {
  readonly exporters: readonly ('otlp' | 'console')[];
  readonly env: NodeJS.ProcessEnv;
  readonly capture: boolean;
  readonly redactText: ((text: string) => string) | undefined;
  readonly instance: string | undefined;
  readonly warn: (message: string) => void;
}

const KINDS: Record<SpanKindName, SpanKind> = { internal: SpanKind.INTERNAL, client: SpanKind.CLIENT, server: SpanKind.SERVER };

/** Longest captured content attribute (characters); longer content is cut. */
const MAX_CONTENT = 16_384;

/** The parent context a traceparent names (a remote span context); the root context for none or a malformed one. */
function parentContext(traceparent: string | undefined): Context {
  if (traceparent === undefined || !traceparentSchema.safeParse(traceparent).success) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: traceparent.slice(3, 35),
    spanId: traceparent.slice(36, 52),
    traceFlags: Number.parseInt(traceparent.slice(53, 55), 16) & 1,
    isRemote: true,
  });
}

/** A span of the SDK behind the {@link TraceSpan} surface. */
class OtelSpan implements TraceSpan {
  readonly recording = true;
  private ended = false;
  private context: string | undefined;

  constructor(
    private readonly span: Span,
    private readonly clean: ((value: unknown) => string) | undefined,
  ) {}

  get traceparent(): string {
    if (this.context === undefined) {
      const c = this.span.spanContext();
      this.context = `00-${c.traceId}-${c.spanId}-${(c.traceFlags & 1) === 1 ? '01' : '00'}`;
    }
    return this.context;
  }

  set(attributes: SpanAttributes): void {
    for (const k in attributes) {
      const v = attributes[k];
      if (v !== undefined) this.span.setAttribute(k, v as string);
    }
  }

  rename(name: string): void {
    this.span.updateName(name);
  }

  capture(key: string, value: () => unknown): void {
    if (this.clean !== undefined && this.span.isRecording()) this.span.setAttribute(key, this.clean(value()));
  }

  fail(error: unknown, type?: string): void {
    const code = (error as { code?: unknown } | undefined)?.code;
    const errorType = type ?? (typeof code === 'string' ? code : error instanceof Error ? error.name : '_OTHER');
    const message = error instanceof Error ? error.message : typeof error === 'string' ? error : undefined;
    this.span.setAttribute('error.type', errorType);
    this.span.setStatus({
      code: SpanStatusCode.ERROR,
      ...(message === undefined ? {} : { message: scrubSecrets(message).slice(0, 1024) }),
    });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.span.end();
  }
}

/** The span factory of an SDK tracer provider exporting as `options` say. */
export function otelSpanFactory(options: OtelOptions): SpanFactory {
  const env = options.env;
  const processors: SpanProcessor[] = [];
  if (options.exporters.includes('otlp')) {
    const protocol = (env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ?? env['OTEL_EXPORTER_OTLP_PROTOCOL'])?.trim();
    if (protocol !== undefined && protocol !== '' && protocol !== 'http/json' && protocol !== 'http/protobuf')
      options.warn(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: traces go over OTLP/HTTP (JSON)`);
    processors.push(new BatchSpanProcessor(protocol === 'http/protobuf' ? new OTLPTraceExporterProto() : new OTLPTraceExporter()));
  }
  if (options.exporters.includes('console')) processors.push(new BatchSpanProcessor(new ConsoleSpanExporter()));
  const base = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: 'troupe',
    ...(options.instance === undefined || options.instance === '' ? {} : { 'service.instance.id': options.instance }),
  });
  const provider = new BasicTracerProvider({
    resource: base.merge(detectResources({ detectors: [envDetector] })),
    spanProcessors: processors,
  });
  const tracer = provider.getTracer('troupe');
  const redact = options.redactText;
  // Content is what users and models wrote: secrets scrubbed always, personal data redacted (or only its length kept).
  const clean = options.capture
    ? (value: unknown): string => {
        const scrubbed = (scrubLogValue({ content: value }, redact) as { content: unknown }).content;
        const text = typeof scrubbed === 'string' ? scrubbed : JSON.stringify(scrubbed);
        return text.length > MAX_CONTENT ? `${text.slice(0, MAX_CONTENT)}…` : text;
      }
    : undefined;
  return {
    start(name: string, o: SpanOptions): TraceSpan {
      const span = tracer.startSpan(name, { kind: KINDS[o.kind ?? 'internal'] }, parentContext(o.parent));
      const s = new OtelSpan(span, clean);
      if (o.attributes !== undefined) s.set(o.attributes);
      return s;
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
