/**
 * The envelope every message travels in. The zod schema is the single source of the
 * type; transports validate it on decode, in-process delivery trusts the kernel that built it.
 */
import { z } from 'zod';
import { addressSchema, tenantSchema } from './address.js';

/** W3C trace context `traceparent` (version 00). */
export const traceparentSchema = z
  .string()
  .regex(/^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/, 'a W3C traceparent: 00-<32 hex>-<16 hex>-<2 hex>');

/** A message type such as `acp.run.create` or `sys.lifecycle`. */
export const messageTypeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_.-]{0,127}$/, 'a message type: lowercase dotted name, e.g. acp.run.create');

/** The envelope. `payload` is any wire value; its shape is checked per `type` by the receiver. */
export const envelopeSchema = z.object({
  id: z.string().min(1).max(128),
  type: messageTypeSchema,
  from: addressSchema,
  to: addressSchema,
  tenant: tenantSchema,
  correlationId: z.string().min(1).max(128).optional(),
  causationId: z.string().min(1).max(128).optional(),
  traceparent: traceparentSchema.optional(),
  /** Epoch milliseconds after which the message is worthless. */
  deadline: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  /** 1 on first delivery; redeliveries and retries count up. */
  attempt: z.number().int().min(1).max(1_000_000),
  /** Where an `ask`'s reply goes (a node inbox); absent for `tell` and `publish`. */
  replyTo: addressSchema.optional(),
  /** Absent when the message carries nothing (undefined payloads are not encoded). */
  payload: z.unknown().optional(),
});

/** A message envelope. */
export type Envelope = z.infer<typeof envelopeSchema>;

/** Type of the reply envelope sent for an `ask`. */
export const REPLY_TYPE = 'sys.reply';
