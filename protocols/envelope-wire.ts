/**
 * The envelope's own fields written and read by hand as the msgpack map msgpackr writes with the codec's options (a
 * plain map, no records); the payload is left to msgpackr. Written in the schema's field order, which is the order the
 * runtime builds envelopes in: for those the bytes are msgpackr's, and any order decodes to the same envelope, so nodes
 * of either version read each other's messages and the ones stored in a stream. What the reader does not recognise — a
 * non-ASCII string, the payload not last, a number msgpackr would not write, any damage — it leaves to the codec's
 * general path, which judges it as before (codec.ts). msgpackr decoded a map's strings with a native call per message
 * and made its keys new strings that every property store looked up again (issue 19).
 */
import type { Envelope } from './envelope.js';

const FIELDS = [
  'id',
  'type',
  'from',
  'to',
  'tenant',
  'correlationId',
  'causationId',
  'traceparent',
  'deadline',
  'attempt',
  'replyTo',
  'payload',
];
const PAYLOAD = FIELDS.length - 1;
/** Fields whose value repeats from message to message (type, from, to, tenant, replyTo): see {@link Reader}. */
const REPEATING = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 10);
/** Free-form fields (id, correlationId, causationId): the others' patterns accept ASCII only (isEnvelope checks them). */
const FREE = (1 << 0) | (1 << 5) | (1 << 6);
/** Field by key length and first letter (no two field names share both); -1 for none. */
const BY_KEY = new Int8Array(32 * 128).fill(-1);
FIELDS.forEach((k, f) => (BY_KEY[(k.length << 7) | k.charCodeAt(0)] = f));
/** Each field's key as msgpack writes it (a fixstr), in Latin-1 (a character per byte). */
const KEYS = FIELDS.map((k) => String.fromCharCode(0xa0 | k.length) + k);
/** Longer than any valid envelope's fields but the payload (11 strings of at most 321 ASCII bytes, two numbers). */
const HEAD_MAX = 4_096;
/** Most bytes a small payload takes (see {@link small}): 15 keys and values of at most 32 bytes each, and a header. */
const SMALL_MAX = 1 + 15 * 64;
/** Buffer written into and handed out in slices, as Node's Buffer pool does. */
const CHUNK = 0x10000;
/** What {@link Reader.payload} answers for a payload it leaves to msgpackr. */
export const NOT_SMALL: unique symbol = Symbol('not small');
/** Node's Buffer method behind `toString('latin1')`, without its argument checks. */
const { latin1Slice } = Buffer.prototype as unknown as { latin1Slice: (this: Buffer, start: number, end: number) => string };

/** Writes envelopes; one per codec. */
export class Writer {
  private chunk = Buffer.allocUnsafeSlow(CHUNK);
  private at = 0;
  private p = 0;
  private readonly view = new DataView(new ArrayBuffer(8));

  /**
   * `env`, an envelope `isEnvelope` accepted, as msgpack with `pack` writing its payload; undefined when a string field is
   * not ASCII (left to msgpackr).
   */
  write(env: Envelope, pack: (payload: unknown) => Uint8Array): Uint8Array | undefined {
    const { id, type, from, to, tenant, correlationId, causationId, traceparent, deadline, attempt, replyTo, payload } = env;
    if (this.at + HEAD_MAX + SMALL_MAX > CHUNK) {
      this.chunk = Buffer.allocUnsafeSlow(CHUNK);
      this.at = 0;
    }
    const b = this.chunk;
    const n =
      7 +
      +(correlationId !== undefined) +
      +(causationId !== undefined) +
      +(traceparent !== undefined) +
      +(deadline !== undefined) +
      +(replyTo !== undefined) -
      +(payload === undefined);
    b[this.at] = 0x80 | n;
    this.p = this.at + 1;
    if (!this.str(0, id) || !this.str(1, type) || !this.str(2, from) || !this.str(3, to) || !this.str(4, tenant)) return undefined;
    if (correlationId !== undefined && !this.str(5, correlationId)) return undefined;
    if (causationId !== undefined && !this.str(6, causationId)) return undefined;
    if (traceparent !== undefined && !this.str(7, traceparent)) return undefined;
    if (deadline !== undefined) this.number(8, deadline);
    this.number(9, attempt);
    if (replyTo !== undefined && !this.str(10, replyTo)) return undefined;
    let p = this.p;
    if (payload !== undefined) {
      p = this.key(PAYLOAD);
      const q = small(b, p, payload, 0);
      if (q >= 0) p = q;
      else {
        const body = pack(payload);
        if (p + body.length > b.length) {
          // Too large for the chunk: the message gets its own buffer (the header's bytes are copied out of the chunk).
          const out = Buffer.allocUnsafeSlow(p - this.at + body.length);
          out.set(b.subarray(this.at, p));
          out.set(body, p - this.at);
          return out;
        }
        if (body.length > 32) b.set(body, p);
        else for (let i = 0; i < body.length; i++) b[p + i] = body[i] as number;
        p += body.length;
      }
    }
    const out = b.subarray(this.at, p);
    this.at = p;
    return out;
  }

  /** Writes field `f`'s key; returns where its value goes. */
  private key(f: number): number {
    const b = this.chunk;
    const k = KEYS[f] as string;
    let p = this.p;
    for (let i = 0; i < k.length; i++) b[p++] = k.charCodeAt(i);
    return p;
  }

  /** Field `f`, an ASCII string, as fixstr, str 8 or str 16 (valid fields are shorter than 64 KiB); false if not ASCII. */
  private str(f: number, s: string): boolean {
    const b = this.chunk;
    let p = this.key(f);
    const n = s.length;
    if (n >= 0x100) {
      b[p++] = 0xda;
      b[p++] = n >> 8;
    } else if (n >= 0x20) b[p++] = 0xd9;
    b[p++] = n < 0x20 ? 0xa0 | n : n & 0xff;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      b[p++] = c;
    }
    this.p = p;
    return true;
  }

  /** Field `f`, a safe integer ≥ 1, as msgpackr writes it: fixint, uint 8/16/32, else float 64. */
  private number(f: number, v: number): void {
    const b = this.chunk;
    let p = this.key(f);
    if (v < 0x80) b[p++] = v;
    else if (v < 0x10000) {
      b[p++] = v < 0x100 ? 0xcc : 0xcd;
      if (v >= 0x100) b[p++] = v >> 8;
      b[p++] = v & 0xff;
    } else {
      const wide = v > 0xffffffff;
      b[p++] = wide ? 0xcb : 0xce;
      if (wide) this.view.setFloat64(0, v);
      else this.view.setUint32(0, v);
      for (let i = 0; i < (wide ? 8 : 4); i++) b[p++] = this.view.getUint8(i);
    }
    this.p = p;
  }
}

const NON_ASCII = /[\u0080-\uffff]/;

/**
 * A small payload — null, a boolean, a 32-bit integer (not -0), an ASCII string shorter than 32, or a plain object of up to
 * 15 such values under such keys (`__proto__` aside) — written at `p` as msgpackr writes it; -1 for any other value,
 * which msgpackr then writes. An ask's payload and its reply (`{ ok, value }`) are often this small, and msgpackr's
 * call costs more than writing them.
 */
function small(b: Uint8Array, p: number, v: unknown, depth: number): number {
  if (typeof v === 'string') return shortString(b, p, v);
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v > 0xffffffff || v < -0x80000000 || Object.is(v, -0)) return -1;
    if (v >= 0x80 || v < -0x20) {
      const wide = v > 0xffff || v < -0x8000;
      b[p++] = v >= 0 ? (v < 0x100 ? 0xcc : wide ? 0xce : 0xcd) : v >= -0x80 ? 0xd0 : wide ? 0xd2 : 0xd1;
      const bytes = (v >= 0 ? v < 0x100 : v >= -0x80) ? 1 : wide ? 4 : 2;
      for (let i = bytes - 1; i >= 0; i--) b[p++] = (v >> (8 * i)) & 0xff;
      return p;
    }
    b[p] = v & 0xff;
    return p + 1;
  }
  if (typeof v === 'boolean' || v === null) {
    b[p] = v === null ? 0xc0 : v ? 0xc3 : 0xc2;
    return p + 1;
  }
  if (depth > 0 || typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return -1;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length > 15) return -1;
  b[p++] = 0x80 | keys.length;
  for (const k of keys) {
    if (k === '__proto__' || (p = shortString(b, p, k)) < 0 || (p = small(b, p, o[k], 1)) < 0) return -1;
  }
  return p;
}

/** An ASCII string shorter than 32 as a fixstr at `p`; -1 for any other string. */
function shortString(b: Uint8Array, p: number, s: string): number {
  const n = s.length;
  if (n >= 0x20) return -1;
  b[p++] = 0xa0 | n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return -1;
    b[p++] = c;
  }
  return p;
}

/**
 * Reads envelopes; one per codec. The bytes before the payload are read as one Latin-1 string (one native call). A field
 * that repeats (type, addresses, tenant) keeps its last value: the same characters again give the same string, made and
 * hashed once.
 */
export class Reader {
  private readonly last: (string | undefined)[] = FIELDS.map(() => undefined);
  private readonly scratch = new DataView(new ArrayBuffer(8));
  private readonly vals: (string | number | undefined)[] = FIELDS.map(() => undefined);
  /** Where the payload starts in the bytes last read, or -1 when it had none. */
  payloadAt = -1;
  /** Where the value {@link small} read last ends. */
  private q = 0;

  /** The payload at `payloadAt` when it is small (see the writer's `small`) and all that is left of `b`; else NOT_SMALL. */
  payload(b: Uint8Array): unknown {
    const v = this.small(b, this.payloadAt, 0);
    return v !== NOT_SMALL && this.q === b.length ? v : NOT_SMALL;
  }

  private small(b: Uint8Array, p: number, depth: number): unknown {
    const t = b[p];
    if (t === undefined) return NOT_SMALL;
    this.q = p + 1;
    if (t < 0x80 || t >= 0xe0) return t < 0x80 ? t : t - 0x100;
    if (t === 0xc0 || t === 0xc2 || t === 0xc3) return t === 0xc0 ? null : t === 0xc3;
    if (t >= 0xa0 && t <= 0xbf) return this.ascii(b, p);
    const bytes = t === 0xcc || t === 0xd0 ? 1 : t === 0xcd || t === 0xd1 ? 2 : t === 0xce || t === 0xd2 ? 4 : 0;
    if (bytes > 0) {
      if (p + bytes >= b.length) return NOT_SMALL;
      let v = 0;
      for (let i = 1; i <= bytes; i++) v = v * 256 + (b[p + i] as number);
      this.q = p + 1 + bytes;
      // Signed: the top bit of the first byte counts negative.
      return t >= 0xd0 && v >= 2 ** (8 * bytes - 1) ? v - 2 ** (8 * bytes) : v;
    }
    if (depth > 0 || t < 0x80 || t > 0x8f) return NOT_SMALL;
    const o: Record<string, unknown> = {};
    for (let i = 0, q = p + 1; i < (t & 0x0f); i++, q = this.q) {
      const k = (b[q] as number) >= 0xa0 && (b[q] as number) <= 0xbf ? this.ascii(b, q) : NOT_SMALL;
      if (k === NOT_SMALL || k === '__proto__') return NOT_SMALL;
      const v = this.small(b, this.q, 1);
      if (v === NOT_SMALL) return NOT_SMALL;
      o[k as string] = v;
    }
    return o;
  }

  /** The fixstr at `p` when it is ASCII; else NOT_SMALL. */
  private ascii(b: Uint8Array, p: number): unknown {
    const n = (b[p] as number) & 0x1f;
    if (p + n >= b.length) return NOT_SMALL;
    let s = '';
    for (let i = 1; i <= n; i++) {
      const c = b[p + i] as number;
      if (c >= 0x80) return NOT_SMALL;
      s += String.fromCharCode(c);
    }
    this.q = p + 1 + n;
    return s;
  }

  /**
   * The fields of the map in `b` as msgpackr would decode them, the payload left out (see {@link payloadAt}); undefined
   * when the reader leaves the bytes to msgpackr (see the module comment). Nothing is checked against the schema here.
   */
  read(b: Uint8Array): Record<string, unknown> | undefined {
    const head = b[0] as number;
    if ((head & 0xf0) !== 0x80) return undefined;
    const s = latin1Slice.call(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length), 0, Math.min(b.length, HEAD_MAX));
    const end = s.length;
    const n = head & 0x0f;
    const vals = this.vals;
    for (let f = 0; f < PAYLOAD; f++) vals[f] = undefined;
    let seen = 0;
    let p = 1;
    this.payloadAt = -1;
    for (let i = 0; i < n; i++) {
      const k = s.charCodeAt(p);
      const f = (k & 0xe0) === 0xa0 ? (BY_KEY[((k & 0x1f) << 7) | (s.charCodeAt(p + 1) & 0x7f)] as number) : -1;
      if (f < 0 || (seen & (1 << f)) !== 0 || !s.startsWith(KEYS[f] as string, p)) return undefined;
      seen |= 1 << f;
      p += (KEYS[f] as string).length;
      if (f === PAYLOAD) {
        if (i !== n - 1 || p >= b.length) return undefined;
        this.payloadAt = p;
        return this.envelope();
      }
      const t = s.charCodeAt(p);
      if (f === 8 || f === 9) {
        // deadline, attempt
        const len = t < 0x80 ? 1 : t === 0xcc ? 2 : t === 0xcd ? 3 : t === 0xce ? 5 : t === 0xcb ? 9 : 0;
        if (len === 0 || p + len > end) return undefined;
        const v = this.scratch;
        for (let j = 1; j < len; j++) v.setUint8(j - 1, s.charCodeAt(p + j));
        vals[f] = len === 1 ? t : len === 2 ? v.getUint8(0) : len === 3 ? v.getUint16(0) : len === 5 ? v.getUint32(0) : v.getFloat64(0);
        p += len;
        continue;
      }
      let len: number;
      if (t >= 0xa0 && t <= 0xbf) len = t & 0x1f;
      else if (t === 0xd9) len = s.charCodeAt(p + 1);
      else if (t === 0xda) len = (s.charCodeAt(p + 1) << 8) | s.charCodeAt(p + 2);
      else return undefined;
      p += t === 0xd9 ? 2 : t === 0xda ? 3 : 1;
      if (!(p + len <= end)) return undefined;
      const last = this.last[f];
      let v: string;
      if (last !== undefined && last.length === len && s.startsWith(last, p)) v = last;
      else {
        v = s.slice(p, p + len);
        if ((FREE & (1 << f)) !== 0 && NON_ASCII.test(v)) return undefined;
        if ((REPEATING & (1 << f)) !== 0) this.last[f] = v;
      }
      vals[f] = v;
      p += len;
    }
    return p === b.length ? this.envelope() : undefined;
  }

  /** The fields read, in the schema's order (one object shape for every envelope with the same fields). */
  private envelope(): Record<string, unknown> {
    const v = this.vals;
    const env: Record<string, unknown> = { id: v[0], type: v[1], from: v[2], to: v[3], tenant: v[4] };
    if (v[5] !== undefined) env['correlationId'] = v[5];
    if (v[6] !== undefined) env['causationId'] = v[6];
    if (v[7] !== undefined) env['traceparent'] = v[7];
    if (v[8] !== undefined) env['deadline'] = v[8];
    env['attempt'] = v[9];
    if (v[10] !== undefined) env['replyTo'] = v[10];
    return env;
  }
}
