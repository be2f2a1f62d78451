/**
 * Compare-and-set on one KV key that holds on every NATS server version, clustered or not.
 *
 * A KV update names the revision it replaces (`Nats-Expected-Last-Subject-Sequence`). On a clustered stream, servers
 * before 2.9.21 (nats-server#4320; Debian ships 2.9.10) check that header only on the leader before proposing the write,
 * against what is stored, not against writes still in flight: two writers that read the same revision and write at
 * once can both be accepted. Two nodes then took one lease with the same epoch, and both served the actor for up to a
 * renewal period (found by the mesh chaos run). A create (`revision 0`) is checked again when the write is applied, so
 * it was never affected.
 *
 * Every write here that replaces revision `r > 0` also carries the message id `<slot of the key>@r`. The server drops
 * a message whose id it saw within the stream's duplicate window when it applies it, in log order, on every replica:
 * of all writes that name revision `r` of a key, at most one is stored. The losers get a duplicate acknowledgement and
 * see {@link CasLostError}, which {@link isWrongLastSequence} counts as the refused compare-and-set it is. A write of
 * our own that landed although its answer was lost, then sent again, is also refused this way: callers that retry
 * after a timeout read the key back and recognise their own bytes, as they do for a refused compare-and-set.
 */
import { createHash } from 'node:crypto';
import type { JetStreamClient } from '@nats-io/jetstream';
import { Bucket, type KV } from '@nats-io/kv';
import { headers } from '@nats-io/transport-node';
import { CasLostError, isWrongLastSequence } from './errors.js';

/** The dedup id of "the write that replaces revision `revision` of `subject`". */
function slot(subject: string, revision: number): string {
  return `cas.${createHash('sha1').update(subject).digest('base64url').slice(0, 20)}@${revision}`;
}

/** Options of {@link casPut}. */
export interface CasOptions {
  /** Request timeout (ms); default the bucket's. */
  readonly timeout?: number;
  /** Write a delete marker instead of a value. */
  readonly delete?: boolean;
}

/**
 * Publishes `data` to the KV subject `subject` of a stream if the subject's last sequence is still `previousSeq`
 * (0: never written), returning the new sequence. Refused with `wrong last sequence` (a JetStream API error) or
 * {@link CasLostError}.
 */
export async function casPublish(
  js: JetStreamClient,
  subject: string,
  data: string | Uint8Array,
  previousSeq: number,
  options: CasOptions = {},
): Promise<number> {
  const h = headers();
  if (options.delete === true) h.set('KV-Operation', 'DEL');
  const ack = await js.publish(subject, options.delete === true ? new Uint8Array(0) : data, {
    headers: h,
    expect: { lastSubjectSequence: previousSeq },
    ...(previousSeq > 0 ? { msgID: slot(subject, previousSeq) } : {}),
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
  });
  if (ack.duplicate) throw new CasLostError(subject, previousSeq, ack.seq);
  return ack.seq;
}

/** {@link casPublish} on one key of a nats.js KV bucket. */
export function casPut(kv: KV, key: string, data: string | Uint8Array, previousSeq: number, options: CasOptions = {}): Promise<number> {
  if (!(kv instanceof Bucket)) throw new TypeError('casPut needs a nats.js KV bucket');
  return casPublish(kv.js, kv.subjectForKey(kv.encodeKey(key), true), data, previousSeq, options);
}

/**
 * Creates `key`: a compare-and-set on "never written", or on the delete marker left where it was deleted (what
 * `kv.create` does, with the second write made safe too).
 */
export async function casCreate(kv: KV, key: string, data: string | Uint8Array, options: CasOptions = {}): Promise<number> {
  try {
    return await casPut(kv, key, data, 0, options);
  } catch (first) {
    if (!isWrongLastSequence(first)) throw first;
    const e = await kv.get(key);
    if (e === null || (e.operation !== 'DEL' && e.operation !== 'PURGE')) throw first;
    return casPut(kv, key, data, e.revision, options);
  }
}
