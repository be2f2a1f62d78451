/** What a cell needs from the system that hosts it (kept narrow so cells stay testable). */
import type { DeadLetterReason, Envelope, ReplyPayload, TroupeError, WireError } from '../protocols/index.js';
import type { ActorContext } from './behavior.js';
import type { ActorCell } from './cell.js';
import type { EndMode } from './cell-states.js';
import type { Clock } from './clock.js';

/** Actor options with every default filled in. */
export interface ResolvedOptions {
  readonly capacity: number;
  readonly maxDeliveries: number;
  readonly handlerTimeoutMs: number;
  readonly initTimeoutMs: number;
  readonly dedupWindow: number;
  readonly stopTimeoutMs: number;
  /** Passivate after this long without a message (behaviors with `canPassivate` only); 0: never (ADR 0036). */
  readonly idleTimeoutMs: number;
}

/** The system side of a cell. */
export interface CellHost {
  readonly clock: Clock;
  /** Prefix of every envelope id this node generates (such ids never need dedup in-process). */
  readonly idPrefix: string;
  makeContext(cell: ActorCell): ActorContext;
  /** Sends an ask's reply to the asker's inbox. */
  reply(request: Envelope, payload: ReplyPayload): void;
  /** Records a dead letter (and announces it). */
  deadLetter(env: Envelope, reason: DeadLetterReason, error: TroupeError, deliveries: number): void;
  /** Tells the parent (or the system, for a root) that the cell crashed. */
  childFailed(cell: ActorCell, error: WireError): void;
  /** Tells the parent that the cell exited normally. */
  childExited(cell: ActorCell): void;
  /** Ends a cell's children, last started first, the same way the cell ends. */
  endChildren(cell: ActorCell, how: EndMode): Promise<void>;
  /** Gives an exited cell a fresh lifecycle and binds its address again. */
  reactivate(cell: ActorCell): Promise<void>;
  /** Drops a cell that ended from the registry and its parent. */
  forget(cell: ActorCell): void;
  warn(message: string): void;
}
