/**
 * A small OTLP/HTTP trace receiver for tests: an HTTP server that accepts `POST /v1/traces` in the JSON encoding
 * (what @opentelemetry/exporter-trace-otlp-http sends) or the protobuf one (exporter-trace-otlp-proto; decoded by
 * test/ops/otlp-protobuf.ts) and keeps every span with its resource, decoded.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeTraceExport } from './otlp-protobuf.js';

/** An attribute value as decoded from OTLP/JSON. */
export type AttrValue = string | number | boolean | AttrValue[] | undefined;

/** One received span. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Readonly<Record<string, AttrValue>>;
  /** 0 unset, 1 ok, 2 error. */
  readonly status: { readonly code: number; readonly message?: string };
  /** The exporting process's resource attributes (`service.name`, `service.instance.id`, …). */
  readonly resource: Readonly<Record<string, AttrValue>>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpAttr {
  key: string;
  value: OtlpValue;
}

function value(v: OtlpValue | undefined): AttrValue {
  if (v === undefined) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}

function attrs(list: OtlpAttr[] | undefined): Record<string, AttrValue> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, value(a.value)]));
}

/** A running receiver. */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Requests that were not a decodable POST /v1/traces. */
  readonly refused: string[] = [];
  /** The encodings exports arrived in. */
  readonly encodings = new Set<'json' | 'protobuf'>();

  private constructor(private readonly server: Server) {}

  /** Starts listening on a free loopback port. */
  static async start(): Promise<OtlpReceiver> {
    const holder: { receiver?: OtlpReceiver } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r = holder.receiver as OtlpReceiver;
        const type = String(req.headers['content-type']);
        const encoding = type.includes('json') ? 'json' : type.includes('application/x-protobuf') ? 'protobuf' : undefined;
        if (req.method !== 'POST' || req.url !== '/v1/traces' || encoding === undefined) {
          r.refused.push(`${req.method ?? ''} ${req.url ?? ''} ${type}`);
          res.writeHead(415).end();
          return;
        }
        try {
          const body = Buffer.concat(chunks);
          r.encodings.add(encoding);
          if (encoding === 'json') {
            r.take(JSON.parse(body.toString('utf8')) as Export);
            res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
          } else {
            r.take(decodeTraceExport(body) as Export);
            res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(); // an empty ExportTraceServiceResponse
          }
        } catch (e) {
          r.refused.push(`undecodable: ${(e as Error).message}`);
          res.writeHead(400).end();
        }
      });
    });
    const receiver = new OtlpReceiver(server);
    holder.receiver = receiver;
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    return receiver;
  }

  /** The base URL to put in `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private take(body: Export): void {
    for (const rs of body.resourceSpans ?? []) {
      const resource = attrs(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? [])
          this.spans.push({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            name: s.name,
            kind: s.kind ?? 0,
            attributes: attrs(s.attributes),
            status: { code: s.status?.code ?? 0, ...(s.status?.message === undefined ? {} : { message: s.status.message }) },
            resource,
          });
    }
  }

  /** Waits until `find` returns something (polling), or fails naming `what` and the span names seen. */
  async until<T>(find: (spans: readonly ReceivedSpan[]) => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = find(this.spans);
      if (v !== undefined && v !== false) return v;
      if (Date.now() > end)
        throw new Error(
          `no ${what} within ${timeoutMs} ms; spans: ${this.spans.map((s) => s.name).join(', ')}; refused: ${this.refused.join('; ')}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }
}

interface Export {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttr[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        attributes?: OtlpAttr[];
        status?: { code?: number; message?: string };
      }[];
    }[];
  }[];
}
