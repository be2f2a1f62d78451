/**
 * Following a run live: its events from topic `run.<id>`, whole and in order. An event too big
 * to publish arrives as a stub (event-log.ts); it is read back from the run's log before it is
 * handed on, and the events after it wait behind it, so a reader never sees a stub or a reorder.
 */
import { TroupeError, runTopic, type RunEvent } from '../../protocols/index.js';
import type { ActorSystem, Subscription } from '../../runtime/index.js';
import { isStoredStub, type WireEvent } from './event-log.js';
import type { RunReads } from './store.js';

/** Called when a stub's body cannot be read: event `seq` cannot be delivered. */
export type LostEvent = (seq: number, error: Error) => void;

/**
 * Subscribes to run `runId` of `tenant`; `onEvent` gets each event whole. `onLost` hears of an
 * event that came as a stub and could not be read back (no store, or its chunks are missing).
 */
export function subscribeRun(
  system: ActorSystem,
  store: RunReads | undefined,
  tenant: string,
  runId: string,
  onEvent: (e: RunEvent) => void,
  onLost?: LostEvent,
): Subscription {
  let queue: Promise<void> = Promise.resolve();
  let waiting = 0;
  let closed = false;
  const sub = system.subscribe(
    runTopic(runId),
    (env) => {
      const e = env.payload as WireEvent;
      if (waiting === 0 && !isStoredStub(e)) {
        onEvent(e);
        return;
      }
      waiting++;
      queue = queue.then(async () => {
        try {
          if (closed) return;
          let whole: RunEvent = e;
          if (isStoredStub(e)) {
            if (store === undefined)
              throw new TroupeError(
                'internal',
                `event ${e.seq} of run ${runId} is stored out of line and there is no run log to read it from`,
              );
            whole = await store.storedEvent(tenant, e);
          }
          if (!closed) onEvent(whole);
        } catch (err) {
          if (!closed) onLost?.(e.seq, err as Error);
        } finally {
          waiting--;
        }
      });
    },
    { tenant },
  );
  return {
    unsubscribe() {
      closed = true;
      sub.unsubscribe();
    },
  };
}
