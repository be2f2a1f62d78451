/**
 * An {@link Embedder} decorator that makes one OpenTelemetry GenAI `embeddings {model}` span per call (issue 17,
 * docs/gateway-operations.md “Traces”), a child of whatever the caller is doing now (`parent()`: a retrieval span, or
 * the message being handled). While tracing is off a call costs one check.
 */
import { startSpan, tracingEnabled } from '../../../runtime/index.js';
import type { Embedder } from '../semantic/types.js';

/** Wraps `inner`; `parent` gives the traceparent of the span each call belongs to. */
export function tracedEmbedder(inner: Embedder, parent: () => string | undefined): Embedder {
  return {
    get id() {
      return inner.id;
    },
    get dims() {
      return inner.dims;
    },
    async embed(texts, signal) {
      if (!tracingEnabled()) return inner.embed(texts, signal);
      const span = startSpan(`embeddings ${inner.id}`, {
        parent: parent(),
        kind: 'client',
        attributes: {
          'gen_ai.operation.name': 'embeddings',
          'gen_ai.request.model': inner.id,
          'gen_ai.embeddings.dimension.count': inner.dims,
          'troupe.embeddings.inputs': texts.length,
        },
      });
      try {
        return await inner.embed(texts, signal);
      } catch (e) {
        span.fail(e);
        throw e;
      } finally {
        span.end();
      }
    },
    close: () => inner.close(),
  };
}
