/**
 * The lifecycle port. Every actor cell drives one lifecycle through these inputs; the
 * XState machine behind it lives in supervisors/ and is injected when a system starts,
 * so runtime/ never imports upward. The per-message path does not touch it: a cell sends
 * BUSY when a burst of work starts and IDLE once its mailbox stayed empty for a short quiet
 * period (`IDLE_AFTER_MS`, message-loop.ts).
 */
import type { LifecycleState, WireError } from '../protocols/index.js';

/** Inputs a cell sends to its lifecycle. */
export type LifecycleInput = 'START' | 'STARTED' | 'BUSY' | 'IDLE' | 'FAIL' | 'RESTART' | 'STOP' | 'STOPPED' | 'TERMINATE';

/** One actor incarnation's lifecycle. */
export interface Lifecycle {
  /** The current state. */
  readonly state: LifecycleState;
  /** Feeds an input; an input the current state does not accept is ignored. */
  send(input: LifecycleInput, error?: WireError): void;
}

/** What a lifecycle factory learns about the actor. */
export interface LifecycleInfo {
  readonly address: string;
  readonly tenant: string;
  readonly node: string;
}

/** Called on every transition the lifecycle takes. */
export type TransitionListener = (from: LifecycleState, to: LifecycleState, input: LifecycleInput, error?: WireError) => void;

/** Makes the lifecycle of a new actor. */
export type LifecycleFactory = (info: LifecycleInfo, onTransition: TransitionListener) => Lifecycle;
