/**
 * Classifies what NATS and JetStream throw by the classes and codes nats.js exports, never by
 * message text: a JetStream API refusal carries the server's `err_code` (`JetStreamApiError.code`);
 * connection trouble comes as nats-core's error classes, sometimes wrapped (`cause`).
 */
import { JetStreamApiCodes, JetStreamApiError, JetStreamError } from '@nats-io/jetstream';
import {
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  InvalidArgumentError,
  NoRespondersError,
  RequestError,
  TimeoutError,
} from '@nats-io/transport-node';
import { TooLargeError, TroupeError, UnavailableError, backoffDelay } from '../../protocols/index.js';

/**
 * JetStream API error codes (the server's `err_code`) Troupe reacts to. nats.js names a few in
 * `JetStreamApiCodes`; the others are the NATS server's published codes.
 */
export const JsErrCode = {
  ...JetStreamApiCodes,
  /** No suitable peers for placement (a cluster still forming or short of nodes). */
  ClusterNoPeers: 10005,
  /** JetStream system temporarily unavailable (meta leader election). */
  ClusterNotAvailable: 10008,
  /** The cluster cannot handle the request (not the leader). */
  ClusterNotLeader: 10009,
  /** Consumer name already in use (with another configuration). */
  ConsumerNameExists: 10013,
  /** Insufficient resources. */
  InsufficientResources: 10023,
  /** A message larger than the stream accepts. */
  MessageTooLarge: 10054,
  /** Stream name already in use with a different configuration. */
  StreamNameExists: 10058,
  /** Subjects overlap with an existing stream (also what a standalone server answers one of two concurrent creates of the same stream). */
  StreamSubjectOverlap: 10065,
  /** Maximum messages per subject exceeded (a full mailbox: discard-new per subject). */
  MaxMessagesPerSubject: 10077,
  /** Consumer already exists and is still active. */
  ConsumerExistsActive: 10105,
  /** Stream is offline (its peers are down). */
  StreamOffline: 10118,
  /** Consumer already exists. */
  ConsumerExists: 10148,
} as const;

const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  JsErrCode.ClusterNoPeers,
  JsErrCode.ClusterNotAvailable,
  JsErrCode.ClusterNotLeader,
  JsErrCode.InsufficientResources,
  JsErrCode.StreamOffline,
]);

/** `e` and the errors it wraps (`cause`), outermost first. */
function* chain(e: unknown): Generator<unknown> {
  for (let i = 0; i < 8 && e !== undefined && e !== null; i++) {
    yield e;
    e = (e as { cause?: unknown }).cause;
  }
}

/** The JetStream API `err_code` of `e` (or of an error it wraps), if it is an API refusal. */
export function jsApiCode(e: unknown): number | undefined {
  for (const x of chain(e)) if (x instanceof JetStreamApiError) return x.code;
  return undefined;
}

/** A compare-and-set refused because another write of the same revision was stored first. */
export class CasLostError extends Error {
  constructor(
    readonly key: string,
    readonly revision: number,
    /** The stream sequence of the write that took the revision. */
    readonly winner: number,
  ) {
    super(`compare-and-set of ${key} at revision ${revision} lost to the write stored at ${winner}`);
    this.name = 'CasLostError';
  }
}

/** A KV create/update whose expected revision is stale (JetStream's compare-and-set refusal). */
export function isWrongLastSequence(e: unknown): boolean {
  if (e instanceof CasLostError) return true;
  const code = jsApiCode(e);
  return code === JsErrCode.StreamWrongLastSequence || code === JsErrCode.StreamWrongLastSequenceUnknown;
}

/** A full mailbox: the stream refused the message (maximum messages per subject). */
export function isPerSubjectLimit(e: unknown): boolean {
  return jsApiCode(e) === JsErrCode.MaxMessagesPerSubject;
}

/** A stream (or KV bucket) that exists already with other settings. */
export function isStreamExists(e: unknown): boolean {
  return jsApiCode(e) === JsErrCode.StreamNameExists;
}

/** A durable consumer that exists already. */
export function isConsumerExists(e: unknown): boolean {
  const code = jsApiCode(e);
  return code === JsErrCode.ConsumerNameExists || code === JsErrCode.ConsumerExists || code === JsErrCode.ConsumerExistsActive;
}

/** A consumer (or its stream) that does not exist. */
export function isNotFound(e: unknown): boolean {
  const code = jsApiCode(e);
  return code === JsErrCode.ConsumerNotFound || code === JsErrCode.StreamNotFound;
}

/** A message larger than the server or the stream accepts (client-side max_payload check or server refusal). */
export function isTooLarge(e: unknown): boolean {
  for (const x of chain(e)) if (x instanceof InvalidArgumentError) return true;
  return jsApiCode(e) === JsErrCode.MessageTooLarge;
}

/** A request that was not answered in time (its server died, or its stream or bucket was electing a leader). */
export function isTimeout(e: unknown): boolean {
  for (const x of chain(e)) if (x instanceof TimeoutError) return true;
  return false;
}

/** Errors a retry with the same msg id can outlast: an outage, a reconnect, a leader election, a timeout. */
export function isTransient(e: unknown): boolean {
  for (const x of chain(e)) {
    if (x instanceof TimeoutError || x instanceof NoRespondersError || x instanceof RequestError) return true;
    if (x instanceof ConnectionError || x instanceof ClosedConnectionError || x instanceof DrainingConnectionError) return true;
    if (x instanceof JetStreamApiError) {
      return x.code !== JsErrCode.MaxMessagesPerSubject && (x.status === 503 || TRANSIENT_CODES.has(x.code));
    }
    // Pull status errors (408 request timeout, 409 leadership change, 503 no responders).
    if (x instanceof JetStreamError && [408, 409, 503].includes((x as { code?: number }).code ?? 0)) return true;
  }
  return false;
}

/**
 * `e` as the TroupeError a caller outside the transport gets: a TroupeError stays as it is, a message
 * too large for the server is `too_large`, anything else NATS throws (an outage, a timeout, a refusal)
 * is `unavailable`, with `e` as its cause.
 */
export function asTroupeError(e: unknown, what: string): TroupeError {
  if (e instanceof TroupeError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return isTooLarge(e) ? new TooLargeError(`${what}: ${message}`, { cause: e }) : new UnavailableError(`${what}: ${message}`, { cause: e });
}

/** Pauses between retries of {@link retryTransient}: 25 ms doubling to 400 ms. */
const RETRY = { initialMs: 25, maxMs: 400, jitter: 0.2 } as const;

/**
 * How long {@link retryTransient} retries a create refused for overlapping subjects. nats-server (2.9, standalone)
 * answers one of two concurrent creates of the same stream or KV bucket that way, and a retry then finds the stream
 * the other made; a real overlap (someone else's stream on the subjects) persists and fails after this.
 */
const OVERLAP_RETRY_MS = 2_000;

/** A stream create refused because its subjects overlap another stream's (see {@link OVERLAP_RETRY_MS}). */
export function isSubjectOverlap(e: unknown): boolean {
  return jsApiCode(e) === JsErrCode.StreamSubjectOverlap;
}

/**
 * Runs `op` again after transient failures ({@link isTransient}: an outage, a reconnect, a stream leader
 * election, a request lost with its server) until it succeeds, fails otherwise, `budgetMs` has passed or
 * `stop()` says so; then its last error is thrown. Only for operations that are safe to repeat.
 */
export async function retryTransient<T>(op: () => Promise<T>, budgetMs: number, stop: () => boolean = () => false): Promise<T> {
  const until = Date.now() + budgetMs;
  const overlapUntil = Date.now() + Math.min(budgetMs, OVERLAP_RETRY_MS);
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      const retry = isTransient(e) || (isSubjectOverlap(e) && Date.now() < overlapUntil);
      if (stop() || !retry || Date.now() >= until) throw e;
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, RETRY)));
    }
  }
}
