/**
 * Records read back from storage (threads, checkpoints, runs) are checked against their protocols
 * schemas (protocols/records.ts) before the gateway hands them to a client: storage is shared with
 * other nodes and versions, and a record that does not have its shape is a server fault (500 with
 * the failing fields), never a half-rendered answer.
 */
import type { z } from 'zod';
import { formatIssues, runRecordSchema, threadCheckpointSchema, threadRecordSchema, TroupeError } from '../../protocols/index.js';
import type { RunRecord, ThreadCheckpoint, ThreadRecord } from '../../protocols/index.js';

function check<T>(schema: z.ZodType, value: T, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new TroupeError('internal', `stored ${what} does not have its shape: ${formatIssues(r.error.issues)}`);
  return value;
}

/** `t`, once it has the shape of a thread record; else an `internal` error. */
export function storedThread(t: ThreadRecord): ThreadRecord {
  return check(threadRecordSchema, t, `thread ${String(t.thread_id)}`);
}

/** `cp`, once it has the shape of a thread checkpoint; else an `internal` error. */
export function storedCheckpoint(cp: ThreadCheckpoint): ThreadCheckpoint {
  return check(threadCheckpointSchema, cp, `checkpoint ${String(cp.checkpoint_id)} of thread ${String(cp.thread_id)}`);
}

/** `r`, once it has the shape of a run record; else an `internal` error. */
export function storedRun(r: RunRecord): RunRecord {
  return check(runRecordSchema, r, `run ${String(r.run_id)}`);
}
