// Following one workflow run's events in order (docs/workflows.md, "Clients"): every event after a seq, each once,
// with no gap. The actor logs each event in the run's journal before it publishes it (behavior.ts), so an event heard
// on the bus with seq n means the journal holds every event up to n: a live event that arrives out of order (or the
// events before the subscription) are read from the journal. Used by the gateway's A2A tasks and `/ws` resume.
import { scrubbedMessage } from '../../protocols/index.js';
import type { ActorSystem, Subscription } from '../../runtime/index.js';
import { WorkflowJournal, type WorkflowLogEvent } from './journal.js';

/** Events after which a run never moves again. */
export const WORKFLOW_END_EVENTS: ReadonlySet<string> = new Set(['workflow.completed', 'workflow.failed', 'workflow.cancelled']);

/** What a follower is told: each event in seq order, and a journal it could not read (it stops then). */
export interface WorkflowRunFollower {
  event(e: WorkflowLogEvent): void;
  /** The journal could not be read after three tries: the follow ends here (no later event is delivered as if none were missing). */
  failed?(error: string): void;
}

const RETRIES = 3;

/**
 * Subscribes to run `runId` of `workflow` in `tenant` and delivers every event after `afterSeq`, in order, once:
 * those logged already first, then the live ones. Unsubscribe to stop.
 */
export function subscribeWorkflowRun(
  system: ActorSystem,
  tenant: string,
  workflow: string,
  runId: string,
  afterSeq: number,
  follower: WorkflowRunFollower,
): Subscription {
  const journal = new WorkflowJournal(system.storage);
  let next = afterSeq + 1;
  let closed = false;
  let reading = false;
  let again = false;
  const pending = new Map<number, WorkflowLogEvent>();

  const offer = (e: WorkflowLogEvent): void => {
    if (closed || e.seq < next) return;
    pending.set(e.seq, e);
    for (let p = pending.get(next); p !== undefined && !closed; p = pending.get(next)) {
      pending.delete(next);
      next++;
      follower.event(p);
    }
  };

  /** Reads the journal after what was delivered (one read at a time; a call meanwhile reads again after it). */
  const read = async (): Promise<void> => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      for (let tries = 1; !closed;) {
        again = false;
        try {
          for (const e of await journal.events(tenant, runId, next - 1)) offer(e);
          tries = 1;
          if (!again) return;
        } catch (err) {
          if (tries++ >= RETRIES) {
            if (!closed) follower.failed?.(`cannot read the events of workflow run ${runId}: ${scrubbedMessage(err)}`);
            closed = true;
            sub.unsubscribe();
            return;
          }
        }
      }
    } finally {
      reading = false;
    }
  };

  const sub = system.subscribe(
    `workflow.${workflow}.>`,
    (env) => {
      const e = env.payload as WorkflowLogEvent | undefined;
      if (closed || typeof e !== 'object' || e === null || e['run_id'] !== runId || typeof e.seq !== 'number') return;
      if (e.seq === next) offer(e);
      else if (e.seq > next) void read();
    },
    { tenant },
  );
  void read();
  return {
    unsubscribe() {
      closed = true;
      pending.clear();
      sub.unsubscribe();
    },
  };
}
