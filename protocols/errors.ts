/**
 * Errors with stable codes. Local failures are TroupeError subclasses; an error that
 * crosses the wire travels as a {@link WireError} and is rebuilt into the same class,
 * so `instanceof` and {@link isTroupeError} work for local and remote failures alike.
 */
import { z } from 'zod';
import { scrubSecrets } from './secrets.js';

/** Every code a Troupe error can carry; stable across versions (tests pin them). */
export const ERROR_CODES = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'rate_limited',
  'too_large',
  'conflict',
  'unavailable',
  'internal',
  'decode_error',
  'encode_error',
  'no_recipient',
  'mailbox_full',
  'deadline_exceeded',
  'handler_failed',
  'poison_message',
  'actor_stopped',
  'system_stopped',
  'cancelled',
  /** A tenant past its token or cost budget (gateway `usage.budgets`): no new run starts. */
  'budget_exceeded',
  // Refinements of bad_request that HTTP answers with their own status (gateway/http.ts maps them).
  'unprocessable',
  'method_not_allowed',
  'unsupported_media_type',
  'upgrade_required',
] as const;

/** A stable error code. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The shape an error has on the wire (inside a reply envelope or a dead letter). */
export const wireErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  name: z.string().max(128),
  message: z.string().max(8192),
  details: z.record(z.string(), z.unknown()).optional(),
});
/** An error as it crosses the wire. */
export type WireError = z.infer<typeof wireErrorSchema>;

/** Base class of every error Troupe raises; `code` is the stable machine-readable part. */
export class TroupeError extends Error {
  override name = 'TroupeError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  /** True when this error was rebuilt from a wire error sent by another actor or node. */
  remote = false;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    // Messages reach clients and logs: no secret the process knows goes into one (protocols/secrets.ts).
    super(scrubSecrets(message), options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }
}

function defineError<C extends ErrorCode>(name: string, code: C) {
  const Klass = class extends TroupeError {
    declare readonly code: C;
    constructor(message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
      super(code, message, options);
      this.name = name;
    }
  };
  Object.defineProperty(Klass, 'name', { value: name });
  return Klass;
}

/** Bytes that are not a valid encoded message, or a value of the wrong shape. */
export class DecodeError extends defineError('DecodeError', 'decode_error') {}
/** A value that cannot be encoded (functions, symbols, class instances, cycles, too deep). */
export class EncodeError extends defineError('EncodeError', 'encode_error') {}
/** Input that fails validation (a payload of the wrong type, a bad address). */
export class ValidationError extends defineError('ValidationError', 'bad_request') {}
/** No actor is bound to the address the message was sent to. */
export class NoRecipientError extends defineError('NoRecipientError', 'no_recipient') {}
/** The recipient's mailbox is full (at once for `ask`, after the block timeout for `tell`). */
export class MailboxFullError extends defineError('MailboxFullError', 'mailbox_full') {}
/** The message's deadline passed before it was handled or answered. */
export class DeadlineExceededError extends defineError('DeadlineExceededError', 'deadline_exceeded') {}
/** The handler threw (or timed out) while handling the message. */
export class HandlerError extends defineError('HandlerError', 'handler_failed') {}
/** The message crashed its actor on every allowed delivery and went to dead letters. */
export class PoisonMessageError extends defineError('PoisonMessageError', 'poison_message') {}
/** The actor stopped before the message was handled. */
export class ActorStoppedError extends defineError('ActorStoppedError', 'actor_stopped') {}
/** The actor system (or transport) is shut down. */
export class SystemStoppedError extends defineError('SystemStoppedError', 'system_stopped') {}
/** A caller cancelled the work (a run, a wait). */
export class CancelledError extends defineError('CancelledError', 'cancelled') {}
/** A resource exists already or a write lost a race (lease, fencing epoch). */
export class ConflictError extends defineError('ConflictError', 'conflict') {}
/** A payload or frame is larger than the configured limit. */
export class TooLargeError extends defineError('TooLargeError', 'too_large') {}
/** Something named by the caller (thread, run, agent, item) does not exist, or is not theirs to see. */
export class NotFoundError extends defineError('NotFoundError', 'not_found') {}
/** No valid credentials. */
export class UnauthorizedError extends defineError('UnauthorizedError', 'unauthorized') {}
/** Valid credentials that do not allow this. */
export class ForbiddenError extends defineError('ForbiddenError', 'forbidden') {}
/** Too many requests; `details.retryAfterMs` says when to come back. */
export class RateLimitedError extends defineError('RateLimitedError', 'rate_limited') {}
/** A tenant is at or past its token or cost budget: no new run starts (gateway/usage/budget.ts). */
export class BudgetExceededError extends defineError('BudgetExceededError', 'budget_exceeded') {}
/** A dependency (NATS, storage, a model) cannot be reached now. */
export class UnavailableError extends defineError('UnavailableError', 'unavailable') {}

const byCode: Partial<Record<ErrorCode, new (message: string, options?: { details?: Record<string, unknown> }) => TroupeError>> = {
  decode_error: DecodeError,
  encode_error: EncodeError,
  bad_request: ValidationError,
  no_recipient: NoRecipientError,
  mailbox_full: MailboxFullError,
  deadline_exceeded: DeadlineExceededError,
  handler_failed: HandlerError,
  poison_message: PoisonMessageError,
  actor_stopped: ActorStoppedError,
  system_stopped: SystemStoppedError,
  cancelled: CancelledError,
  conflict: ConflictError,
  too_large: TooLargeError,
  not_found: NotFoundError,
  unauthorized: UnauthorizedError,
  forbidden: ForbiddenError,
  rate_limited: RateLimitedError,
  budget_exceeded: BudgetExceededError,
  unavailable: UnavailableError,
};

/** How an actor answers the messages still queued when it stops (see {@link stoppedBeforeHandling}). */
export const STOPPED_BEFORE_HANDLING = 'stopped before handling the message';

/** True when `e` says the actor stopped before it handled the message: the message did nothing, so asking again is safe. */
export function stoppedBeforeHandling(e: unknown): boolean {
  return isTroupeError(e, 'actor_stopped') && e.message.endsWith(STOPPED_BEFORE_HANDLING);
}

/** True when `e` is a TroupeError, optionally with the given code. */
export function isTroupeError(e: unknown, code?: ErrorCode): e is TroupeError {
  return e instanceof TroupeError && (code === undefined || e.code === code);
}

/** Converts any thrown value to its wire form; unknown errors become `internal`/`handler_failed`. */
export function toWireError(e: unknown, fallback: ErrorCode = 'internal'): WireError {
  const text = (v: unknown, max: number, otherwise: string): string => {
    try {
      // Scrubbed before the cut, so a secret is never left half-shown at the end.
      return scrubSecrets((typeof v === 'string' ? v : String(v)).slice(0, max + 1024)).slice(0, max);
    } catch {
      return otherwise;
    }
  };
  if (e instanceof TroupeError) {
    const w: WireError = { code: e.code, name: text(e.name, 128, 'TroupeError'), message: text(e.message, 8192, '') };
    if (e.details !== undefined) w.details = e.details;
    return w;
  }
  if (e instanceof Error) return { code: fallback, name: text(e.name, 128, 'Error'), message: text(e.message, 8192, '') };
  return { code: fallback, name: 'Error', message: text(e, 8192, 'unprintable thrown value') };
}

/** Rebuilds a wire error into its TroupeError class, marked `remote`. */
export function fromWireError(w: WireError): TroupeError {
  const Klass = byCode[w.code];
  const err = Klass
    ? new Klass(w.message, w.details ? { details: w.details } : undefined)
    : new TroupeError(w.code, w.message, w.details ? { details: w.details } : undefined);
  if (!Klass) err.name = w.name;
  err.remote = true;
  return err;
}
