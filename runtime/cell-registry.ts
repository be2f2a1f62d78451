/** The cells living on this node, by tenant and address. */
import type { ChildInfo } from './behavior.js';
import type { ActorCell } from './cell.js';
import type { ActorRef } from './ref.js';

/** Every local cell, found by its ref; one per address and tenant. */
export class CellRegistry {
  private readonly cells = new Map<string, Map<string, ActorCell>>();

  /** The cell of a local actor, if it lives here. */
  get(ref: ActorRef): ActorCell | undefined {
    return this.cells.get(ref.tenant)?.get(ref.address);
  }

  add(cell: ActorCell): void {
    let m = this.cells.get(cell.tenant);
    if (m === undefined) this.cells.set(cell.tenant, (m = new Map()));
    m.set(cell.address, cell);
  }

  /** Removes `cell` (and not a newer cell that took its address meanwhile). */
  remove(cell: ActorCell): void {
    const m = this.cells.get(cell.tenant);
    if (m?.get(cell.address) === cell) m.delete(cell.address);
  }

  /** Refs of the local actors, optionally of one tenant. */
  refs(tenant?: string): ActorRef[] {
    const out: ActorRef[] = [];
    for (const [t, byAddress] of this.cells) if (tenant === undefined || t === tenant) for (const c of byAddress.values()) out.push(c.ref);
    return out;
  }

  /** Local actors without a parent (root supervisors, node control, unsupervised actors). */
  roots(): ActorCell[] {
    const roots: ActorCell[] = [];
    for (const m of this.cells.values()) for (const c of m.values()) if (c.parent === undefined) roots.push(c);
    return roots;
  }

  /** Children of a local supervisor, in start order. */
  childrenOf(ref: ActorRef): ChildInfo[] {
    const cell = this.get(ref);
    if (cell === undefined) return [];
    return cell.children.map((c) => ({
      ref: c.ref,
      options: c.spawnOptions,
      restart: c.restart,
      state: c.lifecycleState,
      incarnation: c.incarnation,
    }));
  }
}
