/** A window into a local actor for the kernel's own tests; not for production code (ADR 0014). */
import type { ActorSystem } from './actor-system.js';
import type { ActorCell } from './cell.js';
import type { ActorRef } from './ref.js';
import { LocalActorSystem } from './system.js';

/** @internal The cell of a local actor (its incarnation, state, `end()`), for tests that must look inside. */
export function inspectCell(system: ActorSystem, ref: ActorRef): ActorCell | undefined {
  return system instanceof LocalActorSystem ? system.cellOf(ref) : undefined;
}
