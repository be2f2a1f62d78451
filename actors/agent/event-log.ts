/**
 * How a run's events are laid out in storage so that every stored value fits every backend
 * (the codec's 8 MiB, a NATS server's `max_payload` — 1 MiB by default — for JetStream KV):
 * a burst of events is cut into segments under a byte budget, and one event larger than the
 * budget is stored out of line — its encoded bytes in chunks under `[tenant, 'evbody', run, seq, i]`
 * — with a small stub (`stored`: its size in bytes) in its segment. The stub is also what is
 * published for it; readers get the whole event back with {@link readStoredEvent}.
 */
import { Codec, TroupeError, type RunEvent } from '../../protocols/index.js';
import { seqKey, type KvBucket, type StorageEntry } from '../../runtime/index.js';

/** Largest stored value of a run's log (a segment or a chunk): well under 1 MiB (NATS's default max_payload). */
export const SEGMENT_BYTES = 512 * 1024;
/** Largest single event a run may log (bigger ones fail to log: readers then report the seq as lost). */
export const MAX_EVENT_BYTES = 256 * 1024 * 1024;
/** Room for the msgpack headers of an array or a binary value. */
const HEADER_BYTES = 16;

const measure = new Codec({ maxBytes: MAX_EVENT_BYTES });

/** Strings up to this length are bounded at 3 bytes a character; longer ones are measured (`Buffer.byteLength`). */
const SHORT_STRING = 64;

/**
 * An upper bound of the bytes msgpackr encodes `v` into, without encoding it: every event of a run would otherwise be
 * encoded twice, once here to cut segments and once by the storage. Infinity for anything unusual (past 64 levels, not
 * a plain object…): the caller then measures exactly, and the codec's own errors apply.
 */
export function sizeBound(v: unknown, depth = 0): number {
  switch (typeof v) {
    case 'string':
      return 5 + (v.length <= SHORT_STRING ? 3 * v.length : Buffer.byteLength(v, 'utf8'));
    case 'number':
      return 9;
    case 'boolean':
    case 'undefined':
      return 1;
    case 'object':
      break;
    default:
      return Number.POSITIVE_INFINITY;
  }
  if (v === null) return 1;
  if (depth >= 64) return Number.POSITIVE_INFINITY;
  if (Array.isArray(v)) {
    let n = 5;
    for (const item of v) n += sizeBound(item, depth + 1);
    return n;
  }
  if (v instanceof Uint8Array) return 5 + v.byteLength;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return Number.POSITIVE_INFINITY;
  let n = 5;
  for (const k in v) {
    const item = (v as Record<string, unknown>)[k];
    if (item !== undefined) n += sizeBound(k, depth) + sizeBound(item, depth + 1);
  }
  return n;
}

/** A run event as stored and published: whole, or a stub whose body is stored out of line. */
export type WireEvent = RunEvent & { readonly stored?: number };

/** True when `e` is a stub of an event stored out of line. */
export function isStoredStub(e: unknown): e is WireEvent & { stored: number } {
  return typeof e === 'object' && e !== null && typeof (e as { stored?: unknown }).stored === 'number';
}

/** What one burst becomes: entries to write (chunks first, then segments in seq order) and the events to publish. */
export interface LaidOut {
  readonly entries: StorageEntry[];
  /** The events themselves when none is stored out of line. */
  readonly wire: readonly WireEvent[];
}

/**
 * The entry of one segment, keyed by its first seq. Written once, segments and out-of-line chunks alike: a late write of
 * an older driver and the newer driver's event at the same seq cannot replace each other, nor mix their chunks (the
 * later of the two is refused at its first key, chunks coming first and in order, and its driver stops: store.ts
 * appendEvents).
 */
function segmentOf(tenant: string, items: readonly WireEvent[]): StorageEntry {
  const first = items[0] as WireEvent;
  return { key: [tenant, 'ev', first.run_id, seqKey(first.seq)], value: items, once: true };
}

/** Cuts consecutive events of one run into segments and out-of-line chunks, each under `budget` bytes. */
export function layOut(tenant: string, events: readonly RunEvent[], budget = SEGMENT_BYTES): LaidOut {
  // The common burst (a token, a message and the tool call it makes): one segment, the events as they are.
  let total = HEADER_BYTES;
  for (let i = 0; i < events.length && total <= budget; i++) total += sizeBound(events[i]);
  if (total <= budget && events.length > 0) return { entries: [segmentOf(tenant, events)], wire: events };
  const chunks: StorageEntry[] = [];
  const segments: StorageEntry[] = [];
  let wire: readonly WireEvent[] | WireEvent[] = events;
  let segment: WireEvent[] = [];
  let size = HEADER_BYTES;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as RunEvent;
    // Sizes are bounds (exact only near the budget): a segment may close early, never past the budget.
    let n = sizeBound(e);
    let item: WireEvent = e;
    if (n + HEADER_BYTES > budget) {
      const bytes = measure.encodeValue(e);
      n = bytes.length;
      if (n + HEADER_BYTES > budget) {
        const piece = budget - HEADER_BYTES;
        for (let c = 0, at = 0; at < n; c++, at += piece) {
          chunks.push({
            key: [tenant, 'evbody', e.run_id, seqKey(e.seq), seqKey(c)],
            value: bytes.subarray(at, Math.min(n, at + piece)),
            once: true,
          });
        }
        item = { run_id: e.run_id, thread_id: e.thread_id, seq: e.seq, event: e.event, agent: e.agent, data: null, stored: n };
        n = measure.encodeValue(item).length;
        // What is published differs from what was made: a list of its own (the events passed in are left as they are).
        if (wire === events) wire = events.slice(0, i);
      }
    }
    if (wire !== events) (wire as WireEvent[]).push(item);
    if (size + n > budget && segment.length > 0) {
      segments.push(segmentOf(tenant, segment));
      segment = [];
      size = HEADER_BYTES;
    }
    segment.push(item);
    size += n;
  }
  if (segment.length > 0) segments.push(segmentOf(tenant, segment));
  if (chunks.length === 0) return { entries: segments, wire };
  for (const e of segments) chunks.push(e);
  return { entries: chunks, wire };
}

/** The whole event a stub stands for, read from its chunks; throws when they are missing or torn. */
export async function readStoredEvent(bucket: KvBucket, tenant: string, stub: WireEvent & { stored: number }): Promise<RunEvent> {
  const parts = await bucket.list<Uint8Array>([tenant, 'evbody', stub.run_id, seqKey(stub.seq)]);
  const total = parts.reduce((n, p) => n + p.value.length, 0);
  if (total !== stub.stored)
    throw new TroupeError(
      'internal',
      `run ${stub.run_id}: event ${stub.seq} is stored out of line but ${total} of its ${stub.stored} bytes were found`,
    );
  const bytes = Buffer.concat(parts.map((p) => p.value));
  const e = measure.decodeValue(bytes) as RunEvent;
  if (e.seq !== stub.seq || e.run_id !== stub.run_id)
    throw new TroupeError('internal', `run ${stub.run_id}: the stored body of event ${stub.seq} is another event's`);
  return e;
}
