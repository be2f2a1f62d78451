/**
 * The long-term store actor (`memory/store`, one activation per tenant): answers the
 * `acp.store.*` asks of protocols/store.ts with a {@link StoreEngine} over `system.storage`, and
 * runs the TTL sweeper on a timer of the system clock (a `memory.store.sweep` message to itself,
 * so sweeping is serialised with every other operation). All state is in storage: a
 * re-activation on any node that shares the storage picks up where the last one stopped.
 */
import { z } from 'zod';
import {
  STORE_DELETE,
  STORE_GET,
  STORE_NAMESPACES,
  STORE_PUT,
  STORE_SEARCH,
  STORE_CHANGED_TOPIC,
  storeDeleteSchema,
  storeGetSchema,
  storeNamespacesSchema,
  storePutSchema,
  storeSearchSchema,
  type StoreDelete,
  type StoreGet,
  type StoreNamespaces,
  type StorePut,
  type StoreSearch,
  type StoreChange,
} from '../../../protocols/index.js';
import type { ActorContext, Behavior, TimerHandle } from '../../../runtime/index.js';
import { StoreEngine, type StoreEngineOptions } from './engine.js';
import { STORE_BUCKET } from './records.js';

/** Message the store sends itself to sweep expired items; answers `{removed}` when asked. */
export const STORE_SWEEP = 'memory.store.sweep';
/** Message the store sends itself to re-embed a batch of items after an embedder change; answers `{waiting}`. */
export const STORE_REEMBED = 'memory.store.reembed';

/** Options of {@link storeBehavior}: the engine's, minus what the actor supplies. */
export interface StoreActorOptions extends Omit<StoreEngineOptions, 'bucket' | 'tenant' | 'clock'> {
  /** Sweeper period (default 60 s; config `memory.store.sweepMs`). */
  readonly sweepMs?: number;
  /** Storage bucket (default `store`). */
  readonly bucket?: string;
}

/** A store actor's private state. */
export interface StoreState {
  readonly engine: StoreEngine;
  timer: TimerHandle | undefined;
  /** Pending re-embedding step, while items wait for the current embedder. */
  reembed: TimerHandle | undefined;
}

function selfTell(ctx: ActorContext<StoreState>, type: string): void {
  const { system, self } = ctx;
  system.tell(self, type).catch((e: unknown) => system.warn(`${self.address} (${self.tenant}): ${type} not sent: ${(e as Error).message}`));
}

function schedule(ctx: ActorContext<StoreState>, state: StoreState, ms: number): void {
  state.timer = ctx.system.clock.setTimer(ms, () => {
    state.timer = undefined;
    selfTell(ctx, STORE_SWEEP);
  });
}

/** Re-embedding runs in batches, one message each, so the store keeps answering meanwhile. */
function scheduleReembed(ctx: ActorContext<StoreState>, state: StoreState): void {
  if (state.reembed !== undefined || state.engine.staleVectors === 0) return;
  state.reembed = ctx.system.clock.setTimer(0, () => {
    state.reembed = undefined;
    selfTell(ctx, STORE_REEMBED);
  });
}

/** Tells watchers (MCP resource subscriptions, on any node) that an item changed; a lost announcement only warns. */
function announce(ctx: ActorContext<StoreState>, change: StoreChange): void {
  const { system, self } = ctx;
  system
    .publish(STORE_CHANGED_TOPIC, change, { tenant: self.tenant })
    .catch((e: unknown) => system.warn(`${self.address} (${self.tenant}): change not announced: ${(e as Error).message}`));
}

/** Makes the behavior of a tenant's long-term store actor. */
export function storeBehavior(options: StoreActorOptions = {}): Behavior<StoreState> {
  const sweepMs = options.sweepMs ?? 60_000;
  return {
    schemas: {
      [STORE_PUT]: storePutSchema,
      [STORE_GET]: storeGetSchema,
      [STORE_DELETE]: storeDeleteSchema,
      [STORE_SEARCH]: storeSearchSchema,
      [STORE_NAMESPACES]: storeNamespacesSchema,
      [STORE_SWEEP]: z.unknown(),
      [STORE_REEMBED]: z.unknown(),
    },

    async init(ctx) {
      const engine = new StoreEngine({
        ...options,
        bucket: ctx.system.storage.bucket(options.bucket ?? STORE_BUCKET),
        tenant: ctx.self.tenant,
        clock: ctx.system.clock,
      });
      await engine.open();
      const state: StoreState = { engine, timer: undefined, reembed: undefined };
      schedule(ctx, state, sweepMs);
      scheduleReembed(ctx, state);
      return state;
    },

    async receive(message, ctx) {
      const { engine } = ctx.state;
      switch (message.type) {
        case STORE_PUT: {
          const p = message.payload as StorePut;
          const item = await engine.put(p, ctx.signal);
          announce(ctx, { namespace: p.namespace, key: p.key, op: 'put' });
          return item;
        }
        case STORE_GET:
          return engine.get(message.payload as StoreGet);
        case STORE_DELETE: {
          const p = message.payload as StoreDelete;
          const reply = await engine.delete(p);
          if (reply.deleted) announce(ctx, { namespace: p.namespace, key: p.key, op: 'delete' });
          return reply;
        }
        case STORE_SEARCH:
          return engine.search(message.payload as StoreSearch, ctx.signal);
        case STORE_NAMESPACES:
          return engine.namespacesList(message.payload as StoreNamespaces);
        case STORE_SWEEP: {
          if (ctx.state.timer !== undefined) ctx.system.clock.clearTimer(ctx.state.timer);
          let removed: number;
          try {
            removed = await engine.sweep();
          } catch (e) {
            schedule(ctx, ctx.state, sweepMs); // storage trouble: try again a period later, not in a tight loop
            throw e;
          }
          schedule(ctx, ctx.state, engine.sweepDue() ? 0 : sweepMs); // a backlog is worked off in bounded steps
          return { removed };
        }
        case STORE_REEMBED: {
          const waiting = await engine.reembed();
          scheduleReembed(ctx, ctx.state);
          return { waiting };
        }
        default:
          return undefined;
      }
    },

    stop(ctx) {
      const state = ctx.state as StoreState | undefined;
      if (state?.timer !== undefined) ctx.system.clock.clearTimer(state.timer);
      if (state?.reembed !== undefined) ctx.system.clock.clearTimer(state.reembed);
    },
  };
}
