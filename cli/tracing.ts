/**
 * Traces of `troupe start` and `troupe node` (docs/gateway-operations.md, “Traces”): on when the standard `OTEL_*`
 * variables ask for an exporter, off (and nothing of OpenTelemetry loaded) otherwise. Captured content — only with
 * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true` or `tracing.captureContent` — has secrets scrubbed and
 * personal data redacted by the guardrail's PII detector, as the logs do. That detector (the actors layer) is loaded
 * only once tracing is on (ADR 0037).
 */
import type { TroupeConfig } from '../config/index.js';
import { startTracing, stopTracing, tracesExporters } from '../runtime/index.js';

/** Starts tracing for a node process run with `config`; resolves true when spans are exported. */
export async function processTracing(config: TroupeConfig, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (tracesExporters(env).length === 0) return false;
  const { redactPersonalData } = await import('../actors/index.js');
  const on = await startTracing({
    env,
    captureContent: config.tracing.captureContent,
    redactText: redactPersonalData,
    ...(config.node.id === '' ? {} : { instance: config.node.id }),
    warn: (m) => console.error(`troupe: tracing: ${m}`),
  });
  if (on) console.log('troupe: tracing on (OpenTelemetry, OTLP/HTTP)');
  return on;
}

/** Sends the spans still buffered and stops tracing (process stop); an exporter failure is reported, not thrown. */
export async function endTracing(): Promise<void> {
  await stopTracing().catch((e: unknown) => console.error(`troupe: tracing: flush failed: ${(e as Error).message}`));
}
