/**
 * The envelope every message travels in. The zod schema is the single source of the
 * type; transports validate it on decode, in-process delivery trusts the kernel that built it.
 * {@link isEnvelope} is the same check written out by hand for the codec's hot path (ADR 0040).
 */
import { z } from 'zod';
import { MAX_ADDRESS, TENANT, addressSchema, isAddress, tenantSchema } from './address.js';

const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
const MESSAGE_TYPE = /^[a-z][a-z0-9_.-]{0,127}$/;
/** Longest id, correlation id and causation id. */
const MAX_ID = 128;
/** Most deliveries an envelope counts. */
const MAX_ATTEMPT = 1_000_000;

/** W3C trace context `traceparent` (version 00). */
export const traceparentSchema = z.string().regex(TRACEPARENT, 'a W3C traceparent: 00-<32 hex>-<16 hex>-<2 hex>');

/** A message type such as `acp.run.create` or `sys.lifecycle`. */
export const messageTypeSchema = z.string().regex(MESSAGE_TYPE, 'a message type: lowercase dotted name, e.g. acp.run.create');

/** The envelope. `payload` is any wire value; its shape is checked per `type` by the receiver. */
export const envelopeSchema = z.object({
  id: z.string().min(1).max(MAX_ID),
  type: messageTypeSchema,
  from: addressSchema,
  to: addressSchema,
  tenant: tenantSchema,
  correlationId: z.string().min(1).max(MAX_ID).optional(),
  causationId: z.string().min(1).max(MAX_ID).optional(),
  traceparent: traceparentSchema.optional(),
  /** Epoch milliseconds after which the message is worthless. */
  deadline: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  /** 1 on first delivery; redeliveries and retries count up. */
  attempt: z.number().int().min(1).max(MAX_ATTEMPT),
  /** Where an `ask`'s reply goes (a node inbox); absent for `tell` and `publish`. */
  replyTo: addressSchema.optional(),
  /** Absent when the message carries nothing (undefined payloads are not encoded). */
  payload: z.unknown().optional(),
});

/** A message envelope. */
export type Envelope = z.infer<typeof envelopeSchema>;

/** Type of the reply envelope sent for an `ask`. */
export const REPLY_TYPE = 'sys.reply';

/** Code points of `s`, a lone surrogate counting as one (how zod 4 measures a string's length). */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    if ((s.charCodeAt(i) & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n--;
      i++;
    }
  }
  return n;
}
const idOk = (v: unknown): boolean => typeof v === 'string' && v.length >= 1 && (v.length <= MAX_ID || codePoints(v) <= MAX_ID);
/**
 * Strings a pattern accepted lately. An envelope's addresses, tenant and type repeat from message to message, and every
 * envelope is checked where it is sent and where it is taken: a set lookup answers for the regex then. Bounded (cleared
 * when full), so strings that never repeat cost their regex and one insertion.
 */
class Accepted {
  private readonly seen = new Set<string>();
  constructor(private readonly pattern: RegExp) {}
  test(s: string): boolean {
    if (this.seen.has(s)) return true;
    if (!this.pattern.test(s)) return false;
    if (this.seen.size >= ACCEPTED_MAX) this.seen.clear();
    this.seen.add(s);
    return true;
  }
}
const ACCEPTED_MAX = 1_024;
const acceptedAddresses = new Accepted({ test: isAddress } as RegExp);
const acceptedTypes = new Accepted(MESSAGE_TYPE);
const acceptedTenants = new Accepted(TENANT);
const addressOk = (v: unknown): boolean => typeof v === 'string' && v.length <= MAX_ADDRESS && acceptedAddresses.test(v);
const safeIntIn = (v: unknown, min: number, max: number): boolean =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
/** A key {@link envelopeSchema} names (a switch: comparisons of interned strings, no hashing; a test checks it against the schema). */
export function isEnvelopeKey(k: string): boolean {
  switch (k) {
    case 'id':
    case 'type':
    case 'from':
    case 'to':
    case 'tenant':
    case 'correlationId':
    case 'causationId':
    case 'traceparent':
    case 'deadline':
    case 'attempt':
    case 'replyTo':
    case 'payload':
      return true;
    default:
      return false;
  }
}

/**
 * True when `v` is an envelope {@link envelopeSchema} accepts and has no key the schema does not name (zod would
 * strip those); false otherwise, and then the caller asks the schema (for its verdict, its copy and its messages).
 * Written out by hand because zod's parse was about 5 % of a mesh hop's CPU at both ends (ADR 0040);
 * test/protocols/envelope-check.property.test.ts checks that both accept and refuse the same values.
 */
export function isEnvelope(v: unknown): v is Envelope {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const e = v as Record<string, unknown>;
  for (const k in e) if (!isEnvelopeKey(k)) return false;
  const { id, type, from, to, tenant, attempt, correlationId, causationId, traceparent, deadline, replyTo } = e;
  return (
    idOk(id) &&
    typeof type === 'string' &&
    acceptedTypes.test(type) &&
    addressOk(from) &&
    addressOk(to) &&
    typeof tenant === 'string' &&
    acceptedTenants.test(tenant) &&
    safeIntIn(attempt, 1, MAX_ATTEMPT) &&
    (correlationId === undefined || idOk(correlationId)) &&
    (causationId === undefined || idOk(causationId)) &&
    (traceparent === undefined || (typeof traceparent === 'string' && TRACEPARENT.test(traceparent))) &&
    (deadline === undefined || safeIntIn(deadline, 1, Number.MAX_SAFE_INTEGER)) &&
    (replyTo === undefined || addressOk(replyTo))
  );
}
