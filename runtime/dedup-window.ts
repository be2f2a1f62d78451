/**
 * The dedup window of a cell: the ids of the last messages it handled, so that a redelivered one
 * (a JetStream redelivery, a caller's retry with the same id) is dropped instead of handled twice.
 * A ring of `size` ids and a set over it: O(1) to check and to remember, bounded memory.
 */
export class DedupWindow {
  private readonly ids = new Set<string>();
  private readonly ring: (string | undefined)[];
  private at = 0;

  constructor(size: number) {
    this.ring = new Array<string | undefined>(size);
  }

  /** True when `id` is among the remembered ids. */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Remembers `id`, forgetting the oldest id once the window is full (a window of 0 remembers nothing). */
  remember(id: string): void {
    const n = this.ring.length;
    if (n === 0) return;
    const old = this.ring[this.at];
    if (old !== undefined) this.ids.delete(old);
    this.ring[this.at] = id;
    this.ids.add(id);
    this.at = (this.at + 1) % n;
  }

  /** Forgets every id (a persistent actor that restarts from its snapshot takes the snapshot's ids instead). */
  clear(): void {
    this.ids.clear();
    this.ring.fill(undefined);
    this.at = 0;
  }

  /** The `max` most recent ids, newest last (what a snapshot carries to the next activation). */
  newest(max: number): string[] {
    const n = this.ring.length;
    const out: string[] = [];
    for (let i = Math.min(max, n); i >= 1; i--) {
      const id = this.ring[(this.at - i + n) % n];
      if (id !== undefined) out.push(id);
    }
    return out;
  }
}
