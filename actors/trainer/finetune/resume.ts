/**
 * Jobs go on without being asked: when a node hosting the trainer kind starts, and whenever a node of its mesh leaves
 * or is declared dead, the index of unfinished jobs (`[~active, tenant, id]`, job.ts) is read and each job actor is
 * ensured — on a mesh it lands on its placed node, and its `init` schedules the next poll. Ensuring an active job is
 * cheap (it is found where it runs), so every node may do it.
 */
import { scrubbedMessage } from '../../../protocols/index.js';
import type { ActorRef, ActorSystem, TimerHandle } from '../../../runtime/index.js';
import { ACTIVE_JOBS, FINETUNE_BUCKET } from './job.js';
import { jobAddress } from './schemas.js';

/** Pause after a node left before the pass (the placement sweep goes first). */
const AFTER_NODE_GONE_MS = 1_000;

/** Resumes unfinished jobs now and after each node loss; `close` stops it. */
export function resumeJobs(system: ActorSystem, resolve: (address: string, tenant: string) => Promise<ActorRef>): { close(): void } {
  let timer: TimerHandle | undefined;
  let closed = false;
  const pass = async (): Promise<void> => {
    for (const e of await system.storage.bucket(FINETUNE_BUCKET).list([ACTIVE_JOBS])) {
      if (closed) return;
      const [, tenant, id] = e.key as [string, string, string];
      await resolve(jobAddress(id), tenant).catch((err: unknown) =>
        system.warn(`fine-tune job ${id} of ${tenant}: ${scrubbedMessage(err)}`),
      );
    }
  };
  const schedule = (ms: number): void => {
    if (closed || timer !== undefined) return;
    timer = system.clock.setTimer(ms, () => {
      timer = undefined;
      pass().catch((err: unknown) => system.warn(`fine-tune jobs not resumed: ${scrubbedMessage(err)}`));
    });
  };
  schedule(0);
  const unwatch = system.transport.cluster?.membership.onChange((e) => {
    if (e.type === 'dead' || e.type === 'leave') schedule(AFTER_NODE_GONE_MS);
  });
  return {
    close() {
      closed = true;
      unwatch?.();
      if (timer !== undefined) system.clock.clearTimer(timer);
    },
  };
}
