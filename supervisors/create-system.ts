/**
 * The composition root of a node's kernel: an ActorSystem running the XState lifecycle
 * with a root supervisor (`supervisor/root`) as the guardian of every spawned actor.
 */
import { configSchema, type TroupeConfig } from '../config/index.js';
import { UnavailableError, isTroupeError } from '../protocols/index.js';
import {
  MemoryTransport,
  StorageDeadLetterStore,
  openStorage,
  startSystem,
  type ActorRef,
  type ActorSystem,
  type Behavior,
  type Clock,
  type Escalation,
  type Logger,
  type Storage,
  type Transport,
} from '../runtime/index.js';
import type { JetStreamTransportOptions } from '../runtime/jetstream/index.js';
import { xstateLifecycle } from './lifecycle-machine.js';
import { supervisor, type Strategy, type SupervisorState } from './supervisor.js';

/** Options of {@link createSystem}; config supplies every default. */
export interface CreateSystemOptions {
  readonly config?: TroupeConfig;
  /** Overrides the transport chosen by config (e.g. a shared MemoryTransport hub in tests). */
  readonly transport?: Transport;
  /**
   * Overrides the storage config chooses (`openStorage(config)`, ADR 0006), e.g. one MemoryStorage
   * shared by a test's "restarts"; closed on shutdown.
   */
  readonly storage?: Storage;
  readonly node?: string;
  readonly clock?: Clock;
  /** Strategy of the root supervisor (default one-for-one). */
  readonly rootStrategy?: Strategy;
  /** Jitter source for every supervisor made from config. */
  readonly random?: () => number;
  readonly onEscalation?: (e: Escalation) => void;
  /** Called once when the node cannot recover (the CLI exits non-zero); default a warning. */
  readonly onFatal?: (reason: string) => void;
  readonly warn?: (message: string) => void;
  /** The structured log (runtime/log.ts; default silent). */
  readonly log?: Logger;
  /**
   * Put every tenant's actors under a supervisor of that tenant (default true): a tenant's
   * failures escalate at most to it, and the root restarts it alone (ADR 0015).
   */
  readonly tenantSupervisors?: boolean;
}

/** Address of a tenant's supervisor on `node` (one per tenant per node; node-local, not addressable). */
export function tenantSupervisorAddress(node: string): string {
  return `supervisor/tenant.${node}`;
}

/** The address of a node's root supervisor (one per node, so it is unique in the mesh). */
export function rootSupervisorAddress(node: string): string {
  return `supervisor/root.${node}`;
}

/** Starts a node: transport, lifecycle machine, root supervisor. */
export async function createSystem(options: CreateSystemOptions = {}): Promise<ActorSystem> {
  const config = options.config ?? configSchema.parse({});
  const storage = options.storage ?? (await openStorage(config));
  // The embedded default keeps its dead letters in the data directory with the rest of its state.
  const transport =
    options.transport ??
    (config.transport.kind === 'memory' && storage.kind === 'lmdb'
      ? new MemoryTransport({ deadLetters: new StorageDeadLetterStore(storage, config.deadLetters.capacity) })
      : await transportFor(config));
  const s = config.supervision;
  const tenantAddress = (node: string): string => tenantSupervisorAddress(node);
  const system = await startSystem(
    {
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
        idleTimeoutMs: config.mailbox.idleTimeoutMs,
        askTimeoutMs: config.ask.defaultTimeoutMs,
      },
      onEscalation: options.onEscalation,
      onFatal: options.onFatal,
      warn: options.warn,
      ...(options.log === undefined ? {} : { log: options.log }),
    },
    (node) => ({
      address: rootSupervisorAddress(node),
      behavior: supervisor({
        strategy: options.rootStrategy ?? 'one-for-one',
        maxRestarts: s.maxRestarts,
        withinMs: s.withinMs,
        backoff: s.backoff,
        random: options.random,
        // The root never fails: a child past its intensity is restarted alone under an alarm (ADR 0015).
        root: {
          backoff: s.root.backoff,
          quietMs: s.root.quietMs,
          fatalAfter: s.root.fatalAfter,
          isTenantSupervisor: (address) => address === tenantAddress(node),
        },
      }),
      // Node-local infrastructure: its address is unique to this node, so it needs no lease (a lease
      // it could not renew during a NATS outage would take the whole node down with it).
      options: { pool: true },
    }),
  ).catch(async (e: unknown) => {
    // A storage opened here would otherwise outlive the failed start (a NATS connection keeps the process alive).
    if (options.storage === undefined) await storage.close().catch(() => undefined);
    throw e;
  });
  if (options.tenantSupervisors !== false) {
    const spec = { maxRestarts: s.maxRestarts, withinMs: s.withinMs, backoff: s.backoff, random: options.random };
    system.guardianFor = tenantGuardians(system, tenantAddress(system.node), () => supervisor(spec));
  }
  return system;
}

/**
 * Resolves a tenant's supervisor, starting it under the root the first time the tenant needs
 * one. While it is restarting after an escalation the tenant's new activations are refused
 * (`unavailable`): the backoff holds for that tenant alone.
 */
function tenantGuardians(
  system: ActorSystem,
  address: string,
  make: () => Behavior<SupervisorState>,
): (tenant: string) => Promise<ActorRef | undefined> | ActorRef {
  const starting = new Map<string, Promise<ActorRef>>();
  return (tenant) => {
    const ref = system.ref(address, tenant);
    const state = ref.state;
    if (state === 'ready' || state === 'busy') return ref;
    let p = starting.get(tenant);
    if (p !== undefined) return p; // first start still running: wait for it
    if (state !== undefined)
      return Promise.reject(
        new UnavailableError(`tenant ${tenant} is restarting after repeated failures (its supervisor is ${state}); retry shortly`),
      );
    {
      p = system
        .spawn(address, make(), { tenant, parent: system.guardian, pool: true, local: true, restart: 'permanent' })
        .catch((e: unknown) => {
          if (isTroupeError(e, 'conflict')) return ref;
          throw e;
        })
        .finally(() => starting.delete(tenant));
      starting.set(tenant, p);
    }
    return p;
  };
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
    connection: {
      ...(t.name === undefined ? {} : { name: t.name }),
      ...(t.token === undefined ? {} : { token: t.token }),
      ...(t.user === undefined ? {} : { user: t.user, pass: t.pass }),
    },
    ...extra,
  });
}
