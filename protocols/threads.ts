/**
 * The thread owner's messages (docs/adr/0018-one-writer-per-thread.md): everything that changes a thread — create, patch
 * metadata, delete, copy, claim it for a run, checkpoint it, set its status — is a message to the one actor that
 * owns it, `thread/<shard>` in the thread's tenant ({@link threadOwnerAddress}). Readers read storage directly.
 */
import { z } from 'zod';
import { chatMessageSchema } from './chat.js';
import { pendingInterruptSchema, THREAD_STATUSES } from './records.js';

export const THREAD_CREATE = 'acp.thread.create';
export const THREAD_PATCH = 'acp.thread.patch';
export const THREAD_DELETE = 'acp.thread.delete';
export const THREAD_COPY = 'acp.thread.copy';
export const THREAD_CLAIM = 'acp.thread.claim';
export const THREAD_CHECKPOINT = 'acp.thread.checkpoint';
export const THREAD_STATUS = 'acp.thread.status';

/** The address kind of thread owners. */
export const THREAD_KIND = 'thread';

/** How many owner actors the threads of one tenant are spread over. */
export const THREAD_SHARDS = 16;

/** The owner of `threadId`: `thread/s<00…15>`, by an FNV-1a hash of the id (stable across nodes and versions). */
export function threadOwnerAddress(threadId: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < threadId.length; i++) {
    h ^= threadId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return `${THREAD_KIND}/${threadShardId((h >>> 0) % THREAD_SHARDS)}`;
}

/** The id (after `thread/`) of owner number `shard`: `s00` … `s15`. */
export function threadShardId(shard: number): string {
  return `s${shard < 10 ? '0' : ''}${shard}`;
}

const threadId = z.string().min(1).max(128);
const metadata = z.record(z.string(), z.unknown());

export const threadCreateSchema = z.object({
  thread_id: threadId.optional(),
  metadata: metadata.optional(),
  if_exists: z.enum(['raise', 'do_nothing']).optional(),
});
export type ThreadCreate = z.infer<typeof threadCreateSchema>;

export const threadPatchSchema = z.object({ thread_id: threadId, metadata });
export type ThreadPatch = z.infer<typeof threadPatchSchema>;

export const threadDeleteSchema = z.object({ thread_id: threadId });
export type ThreadDelete = z.infer<typeof threadDeleteSchema>;

/** Sent to the owner of the new thread `thread_id`: a copy of `from` (metadata and whole history), idle. */
export const threadCopySchema = z.object({ thread_id: threadId, from: threadId });
export type ThreadCopy = z.infer<typeof threadCopySchema>;

/**
 * Claims the thread for a new run: the thread is made when absent, a thread held by a run that has not ended
 * refuses (conflict), and the run's first record is written with the claim — so two creates racing on one
 * thread cannot both start. The same run claimed again (a redelivery) answers `existing`.
 */
export const threadClaimSchema = z.object({
  thread_id: threadId,
  /** The new run's record (its `run_id`, `thread_id`, agent, status `running`, …). */
  run: z.object({ run_id: z.string().min(1), thread_id: threadId }).passthrough(),
  /** A fork: the run starts from this checkpoint of the thread's history (not_found when it has none such). */
  checkpoint_id: z.string().min(1).max(128).optional(),
  /**
   * An agent's run: its first resume checkpoint, written with the record (and marked active on the agent), so a
   * create that stops after the claim leaves a run its agent resumes. `checkpoint` without `messages`: they are the
   * thread's history (at the fork point, if any) followed by `input`.
   */
  first: z
    .object({
      input: z.array(z.unknown()),
      checkpoint: z.object({ run_id: z.string().min(1), agent: z.string().min(1) }).passthrough(),
    })
    .optional(),
});
export type ThreadClaim = z.infer<typeof threadClaimSchema>;

/**
 * The activation driving a run that writes its thread (ADR 0007, one driver per run): its agent and lease epoch. The
 * owner refuses the write (`taken_over`) once a newer activation of that agent claimed the run.
 */
export const runDriverSchema = z.object({ agent: z.string().min(1), epoch: z.number().nonnegative() });

/** A run's step ended: its messages become the thread's newest checkpoint. Only the run holding the thread may write. */
export const threadCheckpointWriteSchema = z.object({
  thread_id: threadId,
  run_id: z.string().min(1),
  messages: z.array(chatMessageSchema),
  status: z.enum(THREAD_STATUSES),
  interrupts: z.array(pendingInterruptSchema).optional(),
  next: z.array(z.string()).optional(),
  driver: runDriverSchema.optional(),
});
export type ThreadCheckpointWrite = z.infer<typeof threadCheckpointWriteSchema>;

/** The run holding the thread changed its status (interrupted, running again). Only that run may write. */
export const threadStatusWriteSchema = z.object({
  thread_id: threadId,
  run_id: z.string().min(1),
  status: z.enum(THREAD_STATUSES),
  interrupts: z.array(pendingInterruptSchema).optional(),
  driver: runDriverSchema.optional(),
});
export type ThreadStatusWrite = z.infer<typeof threadStatusWriteSchema>;

/** What a run's write to its thread is answered with: `applied: false` when the run no longer holds the thread. */
export interface ThreadWriteReply {
  readonly applied: boolean;
  /**
   * Why not: `missing` (the thread was deleted), `held` (another run holds it now) or `taken_over` (a newer
   * activation drives the run: the writer's `driver` epoch is below the one that claimed it).
   */
  readonly reason?: 'missing' | 'held' | 'taken_over';
}
