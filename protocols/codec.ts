/**
 * The msgpackr codec for envelopes and wire values.
 *
 * The wire-value domain: null, booleans, numbers (including -0, NaN, ±Infinity), strings,
 * bigints (any size), Dates, Uint8Arrays, arrays and plain objects of those. Object keys
 * whose value is `undefined` are dropped and `undefined` array slots become `null` (JSON's
 * rules). msgpackr alone would turn -0 into 0, small bigints into numbers and binary into
 * Buffers; two extensions and a decode pass make encode → decode the identity on the domain.
 * Anything else (functions, symbols, Maps, class instances, cycles) is an EncodeError, and
 * garbage, truncated or mis-shaped bytes are a DecodeError — never a half-built object.
 */
import { Packr, addExtension } from 'msgpackr';
import { envelopeSchema, isEnvelope, type Envelope } from './envelope.js';
import { NOT_SMALL, Reader, Writer } from './envelope-wire.js';
import { DecodeError, EncodeError, TooLargeError } from './errors.js';

class NegZero {}
class BigIntBox {
  constructor(readonly value: bigint) {}
}
const NEG_ZERO = new NegZero();
const BIGINT_TEXT = /^-?[0-9]+$/;
/** The one key that reaches a prototype on assignment; refused both ways (client values refuse more: limits.ts). */
const PROTO_KEY = '__proto__';

addExtension({ Class: NegZero, type: 0x20, pack: () => Buffer.alloc(0), unpack: () => -0 });
addExtension({
  Class: BigIntBox,
  type: 0x21,
  pack: (b: BigIntBox) => Buffer.from(b.value.toString(10), 'latin1'),
  // msgpackr hands extension payloads as slices of the input: a Buffer, or a plain Uint8Array
  // when the caller decoded one (NATS APIs return those), whose toString is not latin1.
  unpack: (buf: Uint8Array) => {
    const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1');
    if (!BIGINT_TEXT.test(text)) throw new DecodeError('malformed bigint extension');
    return BigInt(text);
  },
});

/** Limits applied by a codec. */
export interface CodecOptions {
  /** Largest encoded message in bytes (default 8 MiB). */
  readonly maxBytes?: number;
  /** Deepest nesting of arrays/objects (default 64). */
  readonly maxDepth?: number;
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A decoded map that is an envelope as the schema accepts it, with no value `restore` would refuse outside its payload:
 * no undefined value (msgpack can carry one), no string with an unpaired surrogate (the free-form ids; the other fields'
 * patterns are ASCII). The payload is left to `restore`.
 */
function isWireEnvelope(v: Record<string, unknown>): v is Envelope {
  for (const k in v) if (v[k] === undefined) return false;
  return isEnvelope(v) && idsWellFormed(v);
}

/** The envelope's free-form ids hold no unpaired surrogate (its other string fields' patterns are ASCII). */
function idsWellFormed({ id, correlationId, causationId }: Envelope): boolean {
  return id.isWellFormed() && (correlationId?.isWellFormed() ?? true) && (causationId?.isWellFormed() ?? true);
}

function describe(v: unknown): string {
  if (typeof v !== 'object' || v === null) return typeof v;
  return (v.constructor as { name?: string } | undefined)?.name ?? 'object';
}

/** Encodes and decodes envelopes and wire values with msgpackr. */
export class Codec {
  private readonly packr = new Packr({
    useRecords: false,
    moreTypes: false,
    mapsAsObjects: true,
    bundleStrings: false,
    variableMapSize: true,
  });
  /** The envelope's fields by hand, msgpackr's bytes (envelope-wire.ts); what they leave takes the general path. */
  private readonly writer = new Writer();
  private readonly reader = new Reader();
  private readonly packPayload = (payload: unknown): Uint8Array => this.pack(this.prepare(payload, 1, '$.payload'));
  readonly maxBytes: number;
  readonly maxDepth: number;

  constructor(options: CodecOptions = {}) {
    this.maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
    this.maxDepth = options.maxDepth ?? 64;
  }

  /** Encodes any wire value; throws EncodeError outside the domain, TooLargeError past maxBytes. */
  encodeValue(value: unknown): Uint8Array {
    return this.pack(this.prepare(value, 0, '$'));
  }

  private pack(prepared: unknown): Uint8Array {
    let bytes: Uint8Array;
    try {
      bytes = this.packr.pack(prepared);
    } catch (e) {
      throw new EncodeError(`cannot encode value: ${(e as Error).message}`, { cause: e });
    }
    if (bytes.length > this.maxBytes) throw new TooLargeError(`encoded message is ${bytes.length} bytes, limit ${this.maxBytes}`);
    return bytes;
  }

  /** Decodes one wire value; throws DecodeError on garbage, truncation, trailing bytes or foreign types. */
  decodeValue(bytes: Uint8Array): unknown {
    return this.restore(this.unpack(bytes), 0, '$');
  }

  private unpack(bytes: Uint8Array): unknown {
    if (!(bytes instanceof Uint8Array)) throw new DecodeError(`expected bytes, received ${describe(bytes)}`);
    if (bytes.length > this.maxBytes) throw new TooLargeError(`message is ${bytes.length} bytes, limit ${this.maxBytes}`);
    if (bytes.length === 0) throw new DecodeError('empty message');
    let raw: unknown;
    try {
      raw = this.packr.unpack(bytes);
    } catch (e) {
      if (e instanceof DecodeError) throw e;
      throw new DecodeError(`malformed message: ${(e as Error).message}`, { cause: e });
    }
    return raw;
  }

  /** Encodes an envelope after checking it against the schema. */
  encode(envelope: Envelope): Uint8Array {
    if (!isEnvelope(envelope)) {
      const checked = envelopeSchema.safeParse(envelope);
      if (!checked.success) throw new EncodeError(`invalid envelope: ${formatIssues(checked.error.issues)}`);
      return this.encodeValue(envelope);
    }
    if (!isPlainObject(envelope)) return this.encodeValue(envelope); // throws the EncodeError naming its class
    // One pass (ADR 0040): the check above proved every field but the payload a wire value (strings of the patterns'
    // ASCII, safe integers), so only the payload goes through `prepare`, and the copy made here leaves out absent
    // optional fields (which `prepare` would otherwise copy the envelope for). Same bytes as `encodeValue(envelope)`.
    if (!idsWellFormed(envelope)) return this.encodeValue(envelope); // throws the EncodeError naming the field
    const bytes = this.writer.write(envelope, this.packPayload);
    if (bytes !== undefined) {
      if (bytes.length > this.maxBytes) throw new TooLargeError(`encoded message is ${bytes.length} bytes, limit ${this.maxBytes}`);
      return bytes;
    }
    const wire: Record<string, unknown> = {};
    const fields = envelope as Record<string, unknown>;
    for (const k in fields) {
      const v = fields[k];
      if (v !== undefined) wire[k] = k === 'payload' ? this.prepare(v, 1, '$.payload') : v;
    }
    return this.pack(wire);
  }

  /** Decodes and validates an envelope; the result is whole or a DecodeError is thrown. */
  decode(bytes: Uint8Array): Envelope {
    // The envelope's fields read by hand when they are what msgpackr would have decoded and the schema accepts; the
    // payload, after them, too when it is small, else msgpackr's (a DecodeError as below when it is malformed).
    const fields = bytes instanceof Uint8Array && bytes.length <= this.maxBytes ? this.reader.read(bytes) : undefined;
    if (fields !== undefined && isEnvelope(fields)) {
      const at = this.reader.payloadAt;
      if (at >= 0) {
        const small = this.reader.payload(bytes);
        fields.payload = small !== NOT_SMALL ? small : this.restore(this.unpack(bytes.subarray(at)), 1, '$.payload');
      }
      return fields;
    }
    const raw = this.unpack(bytes);
    // One pass (ADR 0040): an envelope as the schema accepts it needs `restore` on its payload only (its other fields are
    // strings and safe integers, checked here); anything else takes the whole walk, which rejects as before.
    if (typeof raw === 'object' && raw !== null && isPlainObject(raw) && isWireEnvelope(raw)) {
      if (raw['payload'] !== undefined) raw['payload'] = this.restore(raw['payload'], 1, '$.payload');
      return raw;
    }
    const value = this.restore(raw, 0, '$');
    // The hand-written check accepts what the schema accepts (ADR 0040); the schema judges the rest and strips extra keys.
    if (isEnvelope(value)) return value;
    const checked = envelopeSchema.safeParse(value);
    if (!checked.success) throw new DecodeError(`not an envelope: ${formatIssues(checked.error.issues)}`);
    return checked.data;
  }

  /** Maps a value onto what msgpackr encodes faithfully; copies only where something changes. */
  private prepare(v: unknown, depth: number, path: string): unknown {
    switch (typeof v) {
      case 'string':
        if (!v.isWellFormed()) throw new EncodeError(`string with an unpaired surrogate at ${path} cannot be encoded as UTF-8`);
        return v;
      case 'boolean':
        return v;
      case 'number':
        return Object.is(v, -0) ? NEG_ZERO : v;
      case 'bigint':
        return new BigIntBox(v);
      case 'undefined':
        return null;
      case 'object':
        break;
      default:
        throw new EncodeError(`cannot encode a ${typeof v} at ${path}`);
    }
    if (v === null || v instanceof Uint8Array) return v;
    if (v instanceof Date) return v;
    if (depth >= this.maxDepth) throw new EncodeError(`value nested deeper than ${this.maxDepth} at ${path} (or cyclic)`);
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        const p = this.prepare(item, depth + 1, `${path}[${i}]`);
        if (p !== item && out === undefined) out = v.slice(0, i);
        if (out !== undefined) out.push(p);
      }
      return out ?? v;
    }
    if (!isPlainObject(v)) throw new EncodeError(`cannot encode a ${describe(v)} at ${path}`);
    let out: Record<string, unknown> | undefined;
    const keys = Object.keys(v);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      if (k === PROTO_KEY)
        throw new EncodeError(`key "__proto__" at ${path} cannot be encoded (it would replace a prototype when decoded)`);
      const item = v[k];
      const p = item === undefined ? undefined : this.prepare(item, depth + 1, `${path}.${k}`);
      if ((item === undefined || p !== item) && out === undefined) {
        out = {};
        for (let j = 0; j < i; j++) out[keys[j] as string] = v[keys[j] as string];
      }
      if (out !== undefined && p !== undefined) out[k] = p;
    }
    const result = out ?? v;
    // msgpackr treats an object whose `constructor` is not Object as a class instance (and calls
    // its `toJSON`); a Map of the same entries encodes as the same msgpack map without that.
    return (result as { constructor?: unknown }).constructor === Object ? result : new Map(Object.entries(result));
  }

  /** Checks a decoded value is inside the domain; turns Buffers into plain Uint8Arrays. */
  private restore(v: unknown, depth: number, path: string): unknown {
    if (typeof v !== 'object' || v === null) {
      if (v === undefined) throw new DecodeError(`undefined at ${path} is not a wire value`);
      if (typeof v === 'string' && !v.isWellFormed()) throw new DecodeError(`string with an unpaired surrogate at ${path}`);
      return v;
    }
    if (v instanceof Uint8Array) return Buffer.isBuffer(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : v;
    if (v instanceof Date) return v;
    if (depth >= this.maxDepth) throw new DecodeError(`message nested deeper than ${this.maxDepth} at ${path}`);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = this.restore(v[i], depth + 1, `${path}[${i}]`);
      return v;
    }
    if (!isPlainObject(v)) throw new DecodeError(`unexpected ${describe(v)} at ${path}`);
    for (const k of Object.keys(v)) {
      if (k === PROTO_KEY || !k.isWellFormed()) throw new DecodeError(`key ${JSON.stringify(k.slice(0, 40))} at ${path} is not allowed`);
      v[k] = this.restore(v[k], depth + 1, `${path}.${k}`);
    }
    return v;
  }
}

/** Formats zod issues as `path: message; …`. */
export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 8)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** The shared default codec. */
export const codec = new Codec();
