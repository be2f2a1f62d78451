/** A reference to an actor by tenant and address; it works whether the actor is local or not. */
import type { LifecycleState } from '../protocols/index.js';
import type { MessageOptions } from './behavior.js';
import type { ActorSystem } from './actor-system.js';

/** Send messages to one actor. Obtain with `system.ref()` or from `spawn`. */
export class ActorRef {
  /** @internal use `system.ref()` */
  constructor(
    readonly system: ActorSystem,
    readonly address: string,
    readonly tenant: string,
  ) {}

  /**
   * Fire-and-forget, at least once. Resolves when the mailbox accepted the message; while the
   * mailbox is full the promise waits (the sender is slowed) and rejects with `mailbox_full`
   * after the block timeout. Rejects with `no_recipient` when no actor has the address.
   */
  tell(type: string, payload?: unknown, options?: MessageOptions): Promise<void> {
    return this.system.tell(this, type, payload, options);
  }

  /**
   * Request/response with a deadline. Rejects with `mailbox_full` at once when the mailbox is
   * full, `deadline_exceeded` when no answer came in time, or the handler's error.
   */
  ask<R = unknown>(type: string, payload?: unknown, options?: MessageOptions): Promise<R> {
    return this.system.ask<R>(this, type, payload, options);
  }

  /** Stops the actor gracefully (its supervisor does not restart it). */
  stop(): Promise<void> {
    return this.system.stop(this);
  }

  /** The lifecycle state when the actor lives on this node, else undefined. */
  get state(): LifecycleState | undefined {
    return this.system.stateOf(this);
  }

  toString(): string {
    return `${this.tenant}:${this.address}`;
  }
}
