/**
 * The dead-letter store contract: every {@link DeadLetterStore} (the memory ring, the storage-backed store of the
 * embedded data directory, the JetStream stream) lists with the same filters and paging, finds a letter by id, and
 * marks a letter redriven exactly once however many callers race.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isTroupeError, type DeadLetter, type DeadLetterReason } from '../../protocols/index.js';
import type { DeadLetterStore } from '../../runtime/index.js';

/** What a store implementation provides to run the contract. */
export interface DeadLetterStoreHarness {
  readonly name: string;
  open(): Promise<{ store: DeadLetterStore; close(): Promise<void> }>;
}

let n = 0;
/** A dead letter for `to` in `tenant`, recorded at `at`. */
export function letter(to: string, tenant: string, reason: DeadLetterReason, at: number): DeadLetter {
  n++;
  return {
    envelope: { id: `env-${n}`, type: 'job.run', from: 'client/test', to, tenant, attempt: 1, payload: { n } },
    reason,
    deliveries: reason === 'poison' ? 3 : 0,
    node: 'node-a',
    at,
  };
}

/** Registers the contract for one store. */
export function deadLetterStoreContract(h: DeadLetterStoreHarness): void {
  describe(`dead-letter store contract: ${h.name}`, () => {
    let close: (() => Promise<void>) | undefined;
    const open = async (): Promise<DeadLetterStore> => {
      const o = await h.open();
      close = o.close;
      return o.store;
    };
    afterEach(async () => {
      await close?.();
      close = undefined;
    });

    const T0 = 1_700_000_000_000;
    const seed = async (store: DeadLetterStore): Promise<DeadLetter[]> => {
      const all = [
        letter('agent/a', 'acme', 'no_recipient', T0),
        letter('agent/b', 'acme', 'poison', T0 + 1_000),
        letter('agent/a', 'other', 'poison', T0 + 2_000),
        letter('tool/x', 'acme', 'mailbox_full', T0 + 3_000),
        letter('agent/a', 'acme', 'poison', T0 + 4_000),
      ];
      for (const l of all) await store.record(l);
      return all;
    };

    it('lists oldest first with ids, and filters by address, reason, tenant and time', async () => {
      const store = await open();
      const all = await seed(store);
      const listed = await store.list();
      expect(listed.map((l) => l.envelope.id)).toEqual(all.map((l) => l.envelope.id));
      expect(new Set(listed.map((l) => l.id)).size).toBe(all.length);
      expect(listed[1]).toMatchObject({ reason: 'poison', deliveries: 3, node: 'node-a', at: T0 + 1_000 });
      const ids = async (q: Parameters<DeadLetterStore['list']>[0]): Promise<string[]> => (await store.list(q)).map((l) => l.envelope.id);
      const e = (i: number): string => (all[i] as DeadLetter).envelope.id;
      expect(await ids({ to: 'agent/a' })).toEqual([e(0), e(2), e(4)]);
      expect(await ids({ reason: 'poison' })).toEqual([e(1), e(2), e(4)]);
      expect(await ids({ tenant: 'acme', reason: 'poison' })).toEqual([e(1), e(4)]);
      expect(await ids({ since: T0 + 1_000, until: T0 + 4_000 })).toEqual([e(1), e(2), e(3)]);
      expect(await ids({ to: 'agent/a', tenant: 'acme', since: T0 + 1 })).toEqual([e(4)]);
      expect(await ids({ reason: 'deadline_expired' })).toEqual([]);
      expect(await store.count()).toBeGreaterThanOrEqual(all.length);
    });

    it('pages with limit and after: every letter once, in order', async () => {
      const store = await open();
      const all = await seed(store);
      const seen: string[] = [];
      let after: string | undefined;
      for (let page = 0; page < 10; page++) {
        const got = await store.list({ limit: 2, ...(after === undefined ? {} : { after }) });
        if (got.length === 0) break;
        expect(got.length).toBeLessThanOrEqual(2);
        seen.push(...got.map((l) => l.envelope.id));
        after = got.at(-1)?.id;
      }
      expect(seen).toEqual(all.map((l) => l.envelope.id));
      const acme = await store.list({ tenant: 'acme', limit: 1 });
      expect((await store.list({ tenant: 'acme', after: acme[0]?.id })).map((l) => l.envelope.to)).toEqual([
        'agent/b',
        'tool/x',
        'agent/a',
      ]);
    });

    it('finds one letter by id, and nothing for an unknown id', async () => {
      const store = await open();
      await seed(store);
      const third = (await store.list())[2];
      expect(third).toBeDefined();
      expect(await store.get(third!.id)).toEqual(third);
      expect(await store.get('999999')).toBeUndefined();
      expect(await store.get('not-an-id')).toBeUndefined();
    });

    it('marks a letter redriven exactly once, even when callers race', async () => {
      const store = await open();
      await seed(store);
      const [first, second] = await store.list({ limit: 2 });
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => store.markRedriven(first!.id, { at: T0 + i, node: `n${i}` })));
      expect(results.filter((r) => r)).toHaveLength(1);
      const marked = await store.get(first!.id);
      expect(marked?.redriven).toEqual({ at: T0 + results.indexOf(true), node: `n${results.indexOf(true)}` });
      expect(await store.markRedriven(first!.id, { at: T0 + 99, node: 'late' })).toBe(false);
      expect((await store.list({ limit: 1 }))[0]?.redriven?.node).toBe(`n${results.indexOf(true)}`);
      expect((await store.get(second!.id))?.redriven).toBeUndefined();
      const unknown = await store.markRedriven('999999', { at: T0, node: 'x' }).then(
        () => 'marked',
        (e: unknown) => (isTroupeError(e, 'not_found') ? 'not_found' : String(e)),
      );
      expect(unknown).toBe('not_found');
    });
  });
}
