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

/** Largest page of a dead-letter listing. */
export const MAX_DEAD_LETTER_PAGE = 1000;

/** A point in time in a query string: ISO 8601 with an offset, or epoch milliseconds. */
const instantSchema = z.union([
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
  z
    .string()
    .regex(/^[0-9]{1,15}$/, 'expected an ISO 8601 date-time or epoch milliseconds')
    .transform(Number),
]);

/** The query of `GET /deadletters` (and `troupe deadletters list`): filters, then a page after `after`. */
export const deadLetterQuerySchema = z.object({
  /** The address the message was for. */
  address: addressSchema.optional(),
  reason: z.enum(DEAD_LETTER_REASONS).optional(),
  tenant: tenantSchema.optional(),
  since: instantSchema.optional(),
  until: instantSchema.optional(),
  /** The last id of the previous page. */
  after: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_DEAD_LETTER_PAGE).default(100),
});
/** A dead-letter query as parsed. */
export type DeadLetterListQuery = z.infer<typeof deadLetterQuerySchema>;

/** Topic on which dead letters are announced as they are recorded. */
export const DEAD_LETTER_TOPIC = 'sys.deadletter';

/**
 * System events: topics (in the `sys.` namespace, like lifecycle and dead-letter notices) on which a node
 * announces membership changes, actor activations, passivations, restarts and terminations, and flips of its
 * readiness. Node and health events are published in the default tenant, actor events in the actor's tenant.
 */
export const SYSTEM_EVENTS = {
  nodeJoined: 'sys.node.joined',
  nodeLeft: 'sys.node.left',
  nodeDead: 'sys.node.dead',
  nodeDraining: 'sys.node.draining',
  actorActivated: 'sys.actor.activated',
  actorPassivated: 'sys.actor.passivated',
  actorRestarted: 'sys.actor.restarted',
  actorTerminated: 'sys.actor.terminated',
  healthChanged: 'sys.health.changed',
} as const;

/** The topics of the `sys.actor.*` events, in the order of {@link SYSTEM_EVENTS}. */
export const ACTOR_EVENT_TOPICS = [
  SYSTEM_EVENTS.actorActivated,
  SYSTEM_EVENTS.actorPassivated,
  SYSTEM_EVENTS.actorRestarted,
  SYSTEM_EVENTS.actorTerminated,
] as const;

/** Payload of the `sys.node.*` events: which node, what happened, who saw it. */
export const nodeEventSchema = z.object({
  node: z.string(),
  host: z.string(),
  kinds: z.array(z.string()),
  event: z.enum(['joined', 'left', 'dead', 'draining']),
  /** The node that reported it (one reporter per event: the first live node by id other than the one concerned). */
  reporter: z.string(),
  at: z.number(),
});
/** A membership change. */
export type NodeEvent = z.infer<typeof nodeEventSchema>;

/** Payload of the `sys.actor.*` events. */
export const actorEventSchema = z.object({
  address: addressSchema,
  tenant: tenantSchema,
  node: z.string(),
  incarnation: z.number().int().nonnegative(),
  event: z.enum(['activated', 'passivated', 'restarted', 'terminated']),
  at: z.number(),
  /** The failure behind a restart or termination. */
  error: wireErrorSchema.optional(),
});
/** An actor lifecycle milestone. */
export type ActorEvent = z.infer<typeof actorEventSchema>;

/** Payload of `sys.health.changed`: a node's readiness verdict flipped. */
export const healthEventSchema = z.object({
  node: z.string(),
  ready: z.boolean(),
  /** The checks that failed (names), empty when ready. */
  failing: z.array(z.string()),
  at: z.number(),
});
/** A readiness flip. */
export type HealthEvent = z.infer<typeof healthEventSchema>;

/** Payload of a `sys.reply` envelope: a value or a wire error. */
export const replyPayloadSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: wireErrorSchema }),
]);
/** An ask's reply. */
export type ReplyPayload = z.infer<typeof replyPayloadSchema>;
