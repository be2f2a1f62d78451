/**
 * A KV mirror that survives outages: a watch that ends or fails (server restart, leader
 * election, reconnect) is started again; each new watch replays the bucket, and `onReset`
 * lets the mirror drop what it knew so deletions missed meanwhile do not linger.
 */
import type { KV, KvEntry } from '@nats-io/kv';

/** Handle of a running watch. */
export interface WatchHandle {
  stop(): void;
}

/** Watches every key of `kv` until stopped, restarting after failures. */
export async function watchAll(
  kv: KV,
  onEntry: (e: KvEntry) => void,
  onReset: () => void,
  warn: (m: string) => void,
  retryMs = 250,
): Promise<WatchHandle> {
  let stopped = false;
  let current: { stop(): void } | undefined;
  const open = async (): Promise<AsyncIterable<KvEntry>> => {
    const it = await kv.watch({ key: '>' });
    current = it;
    return it;
  };
  let first: AsyncIterable<KvEntry> | undefined = await open();
  void (async () => {
    while (!stopped) {
      try {
        const it = first ?? (await open());
        if (first === undefined) onReset();
        first = undefined;
        for await (const e of it) onEntry(e);
      } catch (e) {
        if (!stopped) warn(`watch of ${kv.constructor.name} interrupted: ${(e as Error).message}; re-watching`);
      }
      first = undefined;
      if (!stopped) await new Promise((r) => setTimeout(r, retryMs));
    }
  })();
  return {
    stop: () => {
      stopped = true;
      current?.stop();
    },
  };
}
