/**
 * The states of an actor cell and the ways it can end, named in one place. This is the runtime's
 * own view; the lifecycle machine (supervisors/) is the public one that watchers and `stateOf` see.
 */

/**
 * Where a cell is in its life:
 * - `new`: made (or revived after a normal exit) and not started: it queues messages, handles none.
 * - `starting`: `init` (or `restore`) is running; messages queue until it has finished.
 * - `running`: it handles its mailbox.
 * - `suspended`: it crashed or is restarting: it queues messages and waits for its supervisor.
 * - `stopping`: it is ending and takes nothing more; what is queued is handled, handed back or dead-lettered.
 * - `exited`: it ended by a normal exit and stays among its parent's children until the supervisor
 *   restarts it in place or forgets it.
 * - `ended`: it is gone; the node and its parent have forgotten it.
 */
export type CellMode = 'new' | 'starting' | 'running' | 'suspended' | 'stopping' | 'exited' | 'ended';

/** True once a cell has ended, whether forgotten (`ended`) or still known to its supervisor (`exited`). */
export function isOver(mode: CellMode): boolean {
  return mode === 'ended' || mode === 'exited';
}

/**
 * How an actor ends (see `ActorCell.end`):
 * - `stop`: take no more, handle what is queued (up to the stop timeout), snapshot, release;
 *   what is left is dead-lettered (`actor_stopped`).
 * - `terminate`: at once; the queue is dead-lettered.
 * - `handover` (node drain): like stop, but what is left goes back to the transport for the
 *   next owner instead of to dead letters.
 * - `lost` (lease taken, save fenced): at once, nothing acked or written; the new owner has it.
 * - `exit` (the actor ended itself): after the current message; the queue is dead-lettered.
 * - `passivate` (idle past its timeout, ADR 0036): like stop, but what arrives from now on waits for the next
 *   activation, which the transport starts when a message comes (on this node or another).
 */
export type EndMode = 'stop' | 'terminate' | 'handover' | 'lost' | 'exit' | 'passivate';
