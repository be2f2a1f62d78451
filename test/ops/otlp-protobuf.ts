/**
 * Decodes an OTLP/HTTP protobuf trace export (`ExportTraceServiceRequest`, opentelemetry-proto trace/v1) into the shape
 * of its JSON encoding, for the test receiver (test/ops/otlp-receiver.ts). Written from the .proto field numbers,
 * independently of the exporter that encodes it; only the fields the tests read are kept.
 */

/** One field: its number and its value (a varint as bigint, a fixed64/32 as bytes, or length-delimited bytes). */
interface Field {
  readonly n: number;
  readonly v: bigint | Uint8Array;
}

function* fields(b: Uint8Array): Generator<Field> {
  let i = 0;
  const varint = (): bigint => {
    let x = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = b[i++];
      if (byte === undefined) throw new Error('truncated varint');
      x |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return x;
    }
  };
  while (i < b.length) {
    const tag = Number(varint());
    const n = tag >>> 3;
    switch (tag & 7) {
      case 0:
        yield { n, v: varint() };
        break;
      case 1:
        yield { n, v: b.subarray(i, (i += 8)) };
        break;
      case 2: {
        const len = Number(varint());
        if (i + len > b.length) throw new Error('truncated field');
        yield { n, v: b.subarray(i, (i += len)) };
        break;
      }
      case 5:
        yield { n, v: b.subarray(i, (i += 4)) };
        break;
      default:
        throw new Error(`wire type ${tag & 7} of field ${n}`);
    }
  }
}

const bytes = (v: bigint | Uint8Array): Uint8Array => (v instanceof Uint8Array ? v : new Uint8Array());
const text = (v: bigint | Uint8Array): string => Buffer.from(bytes(v)).toString('utf8');
const hex = (v: bigint | Uint8Array): string => Buffer.from(bytes(v)).toString('hex');
const num = (v: bigint | Uint8Array): number => (typeof v === 'bigint' ? Number(BigInt.asIntN(64, v)) : 0);

type Json = Record<string, unknown>;

function anyValue(b: Uint8Array): Json {
  for (const f of fields(b)) {
    if (f.n === 1) return { stringValue: text(f.v) };
    if (f.n === 2) return { boolValue: f.v !== 0n };
    if (f.n === 3) return { intValue: num(f.v) };
    if (f.n === 4) return { doubleValue: Buffer.from(bytes(f.v)).readDoubleLE(0) };
    if (f.n === 5) return { arrayValue: { values: [...fields(bytes(f.v))].filter((x) => x.n === 1).map((x) => anyValue(bytes(x.v))) } };
  }
  return {};
}

function keyValue(b: Uint8Array): Json {
  const out: Json = { key: '', value: {} };
  for (const f of fields(b)) {
    if (f.n === 1) out['key'] = text(f.v);
    else if (f.n === 2) out['value'] = anyValue(bytes(f.v));
  }
  return out;
}

function span(b: Uint8Array): Json {
  const out: Json = { attributes: [] };
  for (const f of fields(b)) {
    if (f.n === 1) out['traceId'] = hex(f.v);
    else if (f.n === 2) out['spanId'] = hex(f.v);
    else if (f.n === 4) out['parentSpanId'] = hex(f.v);
    else if (f.n === 5) out['name'] = text(f.v);
    else if (f.n === 6) out['kind'] = num(f.v);
    else if (f.n === 9) (out['attributes'] as Json[]).push(keyValue(bytes(f.v)));
    else if (f.n === 15) {
      const status: Json = {};
      for (const s of fields(bytes(f.v))) {
        if (s.n === 2) status['message'] = text(s.v);
        else if (s.n === 3) status['code'] = num(s.v);
      }
      out['status'] = status;
    }
  }
  return out;
}

/** The request in its JSON shape: `{resourceSpans: [{resource: {attributes}, scopeSpans: [{spans}]}]}`. */
export function decodeTraceExport(body: Uint8Array): Json {
  const resourceSpans: Json[] = [];
  for (const rs of fields(body)) {
    if (rs.n !== 1) continue;
    const entry: Json = { resource: { attributes: [] }, scopeSpans: [] };
    for (const f of fields(bytes(rs.v))) {
      if (f.n === 1) entry['resource'] = { attributes: [...fields(bytes(f.v))].filter((x) => x.n === 1).map((x) => keyValue(bytes(x.v))) };
      else if (f.n === 2)
        (entry['scopeSpans'] as Json[]).push({ spans: [...fields(bytes(f.v))].filter((x) => x.n === 2).map((x) => span(bytes(x.v))) });
    }
    resourceSpans.push(entry);
  }
  return { resourceSpans };
}
