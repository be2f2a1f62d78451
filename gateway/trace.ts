/**
 * The trace context of a gateway request (docs/gateway-operations.md, “Traces”): a valid W3C `traceparent` header
 * is honoured — the request's span (and so every run it starts) becomes its child — and the runs a request starts
 * carry the request's traceparent on their `acp.run.create` envelope.
 */
import type { IncomingMessage } from 'node:http';
import { traceparentSchema } from '../protocols/index.js';

const TRACE = Symbol('troupe.traceparent');

/** The request's `traceparent` header when it is a valid one (version 00), else undefined. */
export function headerTraceparent(req: { readonly headers: Record<string, string | string[] | undefined> }): string | undefined {
  const h = req.headers['traceparent'];
  const value = Array.isArray(h) ? h[0] : h;
  return value !== undefined && traceparentSchema.safeParse(value).success ? value : undefined;
}

/** Records the traceparent runs started by `req` continue (the request's span, or its header). */
export function setRequestTraceparent(req: IncomingMessage, traceparent: string | undefined): void {
  (req as IncomingMessage & { [TRACE]?: string })[TRACE] = traceparent;
}

/** The traceparent runs started by `req` continue: its span's (tracing on), else its valid header, else undefined. */
export function requestTraceparent(req: IncomingMessage): string | undefined {
  const r = req as IncomingMessage & { [TRACE]?: string };
  return TRACE in r ? r[TRACE] : headerTraceparent(req);
}

/** Message options carrying `traceparent` (none when undefined). */
export function traced<T extends object>(options: T, traceparent: string | undefined): T & { traceparent?: string } {
  return traceparent === undefined ? options : { ...options, traceparent };
}
