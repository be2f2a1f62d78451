/**
 * Admitting new runs beside each other (ADR 0042). An agent's create waits on storage and on a thread owner (the
 * claim, ADR 0018); admitted one at a time, a create held up by an election holds every create behind it. The agent
 * now answers creates later (`replyLater`) and admits up to `limit` at once per activation — an agent actor is one
 * tenant's, so the bound is per tenant and one tenant's backlog never takes another's slots. What stays serial:
 * creates naming the same run (a redelivery, a client's retry: the second finds the first's record) and creates on
 * the same thread (the second is refused `busy` exactly as before, never admitted ahead of the first). Past the
 * bound the handler waits for a slot, so the mailbox waits as it did before.
 */

/** Creates an agent activation admits at once, when its definition sets none. */
export const DEFAULT_CREATE_CONCURRENCY = 16;

/** Slots and per-key order of the creates under way in one agent activation. */
export class Admission {
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];
  /** The last admission under way per key (`run:<id>`, `thread:<id>`); settles (never rejects) when it ended. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(readonly limit: number) {}

  /** Creates under way now. */
  get running(): number {
    return this.inFlight;
  }

  /** Resolves once a slot is free, and takes it: awaited by the handler, so the mailbox waits while all are taken. */
  async slot(): Promise<void> {
    while (this.inFlight >= this.limit) await new Promise<void>((r) => this.waiters.push(r));
    this.inFlight++;
  }

  /**
   * Runs `fn` (holding a slot taken by {@link slot}) once every earlier admission sharing one of `keys` ended, and
   * frees the slot when it settles.
   */
  run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const before: Promise<void>[] = [];
    for (const k of keys) {
      const t = this.tails.get(k);
      if (t !== undefined) before.push(t);
    }
    const p = before.length === 0 ? fn() : Promise.all(before).then(fn);
    const tail = p.then(
      () => undefined,
      () => undefined,
    );
    for (const k of keys) this.tails.set(k, tail);
    void tail.then(() => {
      for (const k of keys) if (this.tails.get(k) === tail) this.tails.delete(k);
      this.inFlight--;
      this.waiters.shift()?.();
    });
    return p;
  }

  /** Settles once the admissions of `key` under way now ended (a resume or cancel of a run waits for its create). */
  settled(key: string): Promise<void> {
    return this.tails.get(key) ?? Promise.resolve();
  }
}
