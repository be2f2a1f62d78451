/**
 * Mesh events: lifecycle transitions, dead letters and ask replies. Topics and types
 * are constants here so that watchers and emitters never spell them twice.
 */
import { z } from 'zod';
import { addressSchema, tenantSchema } from './address.js';
import { envelopeSchema } from './envelope.js';
import { wireErrorSchema } from './errors.js';

/** The states of the lifecycle machine every actor runs. */
export const LIFECYCLE_STATES = [
  'created',
  'starting',
  'ready',
  'busy',
  'stopping',
  'stopped',
  'failed',
  'restarting',
  'terminated',
] as const;
/** One lifecycle state. */
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

/** Message type of lifecycle events. */
export const LIFECYCLE_TYPE = 'sys.lifecycle';
/** Topic prefix of lifecycle events; the full topic is `sys.lifecycle.<kind>`. */
export const LIFECYCLE_TOPIC = 'sys.lifecycle';

/** One lifecycle transition of one actor incarnation. */
export const lifecycleEventSchema = z.object({
  address: addressSchema,
  tenant: tenantSchema,
  node: z.string(),
  /** Counts activations of the address on this node; a restart makes a new incarnation. */
  incarnation: z.number().int().nonnegative(),
  from: z.enum(LIFECYCLE_STATES),
  to: z.enum(LIFECYCLE_STATES),
  /** The event that caused the transition (`START`, `FAIL`, …). */
  event: z.string(),
  at: z.number(),
  error: wireErrorSchema.optional(),
});
/** A lifecycle transition. */
export type LifecycleEvent = z.infer<typeof lifecycleEventSchema>;

/** Why a message became a dead letter. */
export const DEAD_LETTER_REASONS = [
  'no_recipient',
  'deadline_expired',
  'poison',
  'mailbox_full',
  'actor_stopped',
  'handler_timeout',
  'invalid',
  'rejected',
] as const;
/** A dead-letter reason. */
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** A message that could not be delivered or handled, kept with its reason. */
export const deadLetterSchema = z.object({
  envelope: envelopeSchema,
  reason: z.enum(DEAD_LETTER_REASONS),
  error: wireErrorSchema.optional(),
  /** How many times the message was delivered before it was given up. */
  deliveries: z.number().int().nonnegative(),
  node: z.string(),
  at: z.number(),
});
/** A dead letter. */
export type DeadLetter = z.infer<typeof deadLetterSchema>;

/** Topic on which dead letters are announced as they are recorded. */
export const DEAD_LETTER_TOPIC = 'sys.deadletter';

/** Payload of a `sys.reply` envelope: a value or a wire error. */
export const replyPayloadSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: wireErrorSchema }),
]);
/** An ask's reply. */
export type ReplyPayload = z.infer<typeof replyPayloadSchema>;
