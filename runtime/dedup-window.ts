/**
 * The dedup window of a cell: the ids of the last messages it handled, so that a redelivered one
 * (a JetStream redelivery, a caller's retry with the same id) is dropped instead of handled twice.
 * A ring of `size` ids and a set over it: O(1) to check and to remember, bounded memory.
 */
export class DedupWindow {
  private readonly ids = new Set<string>();
  /** Grows to `size` as ids come, then wraps: an actor that handled few messages holds few slots (not `size` of them). */
  private readonly ring: string[] = [];
  /** The oldest slot once the ring is full (the next one overwritten); 0 while it grows. */
  private at = 0;

  constructor(private readonly size: number) {}

  /** True when `id` is among the remembered ids. */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Remembers `id`, forgetting the oldest id once the window is full (a window of 0 remembers nothing). */
  remember(id: string): void {
    if (this.size === 0) return;
    if (this.ring.length < this.size) {
      this.ring.push(id);
      this.ids.add(id);
      return;
    }
    this.ids.delete(this.ring[this.at] as string);
    this.ids.add(id);
    this.ring[this.at] = id;
    this.at = (this.at + 1) % this.size;
  }

  /** Forgets every id (a persistent actor that restarts from its snapshot takes the snapshot's ids instead). */
  clear(): void {
    this.ids.clear();
    this.ring.length = 0;
    this.at = 0;
  }

  /** The `max` most recent ids, newest last (what a snapshot carries to the next activation). */
  newest(max: number): string[] {
    const n = this.ring.length;
    const out: string[] = [];
    for (let i = Math.min(max, n); i >= 1; i--) out.push(this.ring[(this.at - i + n) % n] as string);
    return out;
  }
}
