/** The in-memory dead-letter store: a bounded ring that counts what it had to evict. */
import type { DeadLetter } from '../protocols/index.js';
import { Deque } from './deque.js';
import type { DeadLetterQuery, DeadLetterStore } from './transport.js';

/** Keeps the newest `capacity` dead letters in memory; `count()` includes evicted ones. */
export class MemoryDeadLetterStore implements DeadLetterStore {
  private readonly letters = new Deque<DeadLetter>();
  private total = 0;

  constructor(private readonly capacity = 10_000) {}

  record(letter: DeadLetter): Promise<void> {
    this.total++;
    this.letters.push(letter);
    if (this.letters.length > this.capacity) this.letters.shift();
    return Promise.resolve();
  }

  list(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    const out: DeadLetter[] = [];
    const all = this.snapshot();
    for (const l of all) {
      if (query.reason !== undefined && l.reason !== query.reason) continue;
      if (query.tenant !== undefined && l.envelope.tenant !== query.tenant) continue;
      if (query.to !== undefined && l.envelope.to !== query.to) continue;
      out.push(l);
      if (query.limit !== undefined && out.length >= query.limit) break;
    }
    return Promise.resolve(out);
  }

  count(): Promise<number> {
    return Promise.resolve(this.total);
  }

  /** Dead letters dropped from memory because the ring was full. */
  get evicted(): number {
    return this.total - this.letters.length;
  }

  private snapshot(): DeadLetter[] {
    const all = this.letters.drainAll();
    for (const l of all) this.letters.push(l);
    return all;
  }
}
