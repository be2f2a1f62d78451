/**
 * The composition root of a node's kernel: an ActorSystem running the XState lifecycle
 * with a root supervisor (`supervisor/root`) as the guardian of every spawned actor.
 */
import { configSchema, type TroupeConfig } from '../config/index.js';
import { MemoryTransport, openStorage, startSystem, type ActorSystem, type Clock, type Escalation, type Storage, type Transport } from '../runtime/index.js';
import type { JetStreamTransportOptions } from '../runtime/jetstream/index.js';
import { xstateLifecycle } from './lifecycle-machine.js';
import { supervisor, type Strategy } from './supervisor.js';

/** Options of {@link createSystem}; config supplies every default. */
export interface CreateSystemOptions {
  readonly config?: TroupeConfig;
  /** Overrides the transport chosen by config (e.g. a shared MemoryTransport hub in tests). */
  readonly transport?: Transport;
  /** Overrides the storage config chooses (`openStorage(config)`, ADR 0006), e.g. one MemoryStorage shared by a test's "restarts"; closed on shutdown. */
  readonly storage?: Storage;
  readonly node?: string;
  readonly clock?: Clock;
  /** Strategy of the root supervisor (default one-for-one). */
  readonly rootStrategy?: Strategy;
  /** Jitter source for every supervisor made from config. */
  readonly random?: () => number;
  readonly onEscalation?: (e: Escalation) => void;
  readonly warn?: (message: string) => void;
}

/** The address of a node's root supervisor (one per node, so it is unique in the mesh). */
export function rootSupervisorAddress(node: string): string {
  return `supervisor/root.${node}`;
}

/** Starts a node: transport, lifecycle machine, root supervisor. */
export async function createSystem(options: CreateSystemOptions = {}): Promise<ActorSystem> {
  const config = options.config ?? configSchema.parse({});
  const transport = options.transport ?? (await transportFor(config));
  const storage = options.storage ?? (await openStorage(config));
  const s = config.supervision;
  return startSystem({
    lifecycle: xstateLifecycle,
    node: options.node ?? (config.node.id === '' ? undefined : config.node.id),
    transport,
    storage,
    clock: options.clock,
    defaults: {
      capacity: config.mailbox.capacity,
      blockTimeoutMs: config.mailbox.blockTimeoutMs,
      maxDeliveries: config.mailbox.maxDeliveries,
      handlerTimeoutMs: config.mailbox.handlerTimeoutMs,
      dedupWindow: config.mailbox.dedupWindow,
      askTimeoutMs: config.ask.defaultTimeoutMs,
    },
    onEscalation: options.onEscalation,
    warn: options.warn,
  }, (node) => ({
    address: rootSupervisorAddress(node),
    behavior: supervisor({ strategy: options.rootStrategy ?? 'one-for-one', maxRestarts: s.maxRestarts, withinMs: s.withinMs, backoff: s.backoff, random: options.random }),
    // Node-local infrastructure: its address is unique to this node, so it needs no lease (a lease
    // it could not renew during a NATS outage would take the whole node down with it).
    options: { pool: true },
  })).catch(async (e: unknown) => {
    // A storage opened here would otherwise outlive the failed start (a NATS connection keeps the process alive).
    if (options.storage === undefined) await storage.close().catch(() => undefined);
    throw e;
  });
}

/**
 * The transport config asks for: in-process (embedded) or NATS JetStream. The JetStream transport
 * is loaded on demand, so an embedded node never loads `@nats-io/*` (ADR 0014).
 */
export async function transportFor(config: TroupeConfig, extra: Partial<JetStreamTransportOptions> = {}): Promise<Transport> {
  const t = config.transport;
  if (t.kind === 'memory') return new MemoryTransport({ deadLetterCapacity: config.deadLetters.capacity });
  const { JetStreamTransport } = await import('../runtime/jetstream/index.js');
  return new JetStreamTransport({
    servers: t.servers,
    prefix: t.prefix,
    replicas: t.streamReplicas,
    capacity: config.mailbox.capacity,
    leaseTtlMs: t.leaseTtlMs,
    heartbeatMs: t.heartbeatMs,
    deadAfterMs: t.deadAfterMs,
    ackWaitMs: t.ackWaitMs,
    connection: { ...(t.name === undefined ? {} : { name: t.name }), ...(t.token === undefined ? {} : { token: t.token }), ...(t.user === undefined ? {} : { user: t.user, pass: t.pass }) },
    ...extra,
  });
}
