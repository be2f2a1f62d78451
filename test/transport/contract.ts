/**
 * The transport contract suite. Every transport runs it through a harness that builds a
 * mesh of N nodes (ActorSystems sharing one transport fabric). Nothing here may assume
 * one process: actors, askers and subscribers sit on different nodes where it matters.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  DeadlineExceededError,
  MailboxFullError,
  NoRecipientError,
  PoisonMessageError,
  type Envelope,
} from '../../protocols/index.js';
import { inspectCell, replyLater, type ActorSystem, type Behavior } from '../../runtime/index.js';

/** A mesh of nodes built by a harness. */
export interface Mesh {
  readonly nodes: ActorSystem[];
  close(): Promise<void>;
}

/** What a transport provides to run the contract. */
export interface TransportHarness {
  readonly name: string;
  /** Builds a mesh of `n` nodes with the given actor defaults. */
  mesh(n: number, defaults?: { capacity?: number; maxDeliveries?: number; blockTimeoutMs?: number }): Promise<Mesh>;
}

/** Resolves when `cond` holds, polling; rejects after `ms`. */
export async function eventually(cond: () => boolean | Promise<boolean>, ms = 5_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A behavior that records every payload it handles and answers asks with the payload. */
export function recorder(seen: unknown[], opts: { delayMs?: number; failWhen?: (p: unknown) => boolean } = {}): Behavior<undefined> {
  return {
    async receive(msg) {
      if (opts.failWhen?.(msg.payload) === true) throw new Error(`refusing ${JSON.stringify(msg.payload)}`);
      if (opts.delayMs !== undefined) await new Promise((r) => setTimeout(r, opts.delayMs));
      seen.push(msg.payload);
      return msg.payload;
    },
  };
}

/** Registers the contract suite for one transport. */
export function transportContract(h: TransportHarness): void {
  describe(`transport contract: ${h.name}`, () => {
    let mesh: Mesh | undefined;
    const make = async (n: number, d?: Parameters<TransportHarness['mesh']>[1]): Promise<ActorSystem[]> => {
      mesh = await h.mesh(n, d);
      return mesh.nodes;
    };
    afterEach(async () => {
      await mesh?.close();
      mesh = undefined;
    });

    it('keeps per-actor order for each sender, across nodes', async () => {
      const [a, b, c] = await make(3);
      const seen: unknown[] = [];
      await a!.spawn('worker/ordered', recorder(seen));
      const n = 300;
      const send = async (node: ActorSystem, tag: string): Promise<void> => {
        const ref = node.ref('worker/ordered');
        for (let i = 0; i < n; i++) await ref.tell('item.add', { tag, i });
      };
      await Promise.all([send(b!, 'b'), send(c!, 'c'), send(a!, 'a')]);
      await eventually(() => seen.length === 3 * n, 10_000, 'all messages');
      for (const tag of ['a', 'b', 'c']) {
        const order = seen.filter((p) => (p as { tag: string }).tag === tag).map((p) => (p as { i: number }).i);
        expect(order).toEqual(Array.from({ length: n }, (_, i) => i));
      }
    });

    it('delivers at least once and handles a duplicate envelope id once', async () => {
      const [a, b] = await make(2);
      const seen: unknown[] = [];
      await a!.spawn('worker/dedup', recorder(seen));
      const ref = b!.ref('worker/dedup');
      await ref.tell('item.add', 1, { id: 'fixed-id-1' });
      await ref.tell('item.add', 1, { id: 'fixed-id-1' });
      await a!.ref('worker/dedup').tell('item.add', 1, { id: 'fixed-id-1' });
      await ref.tell('item.add', 2, { id: 'fixed-id-2' });
      await eventually(() => seen.length >= 2, 5_000, 'two distinct messages');
      await new Promise((r) => setTimeout(r, 100));
      expect(seen).toEqual([1, 2]);
    });

    it('answers ask across nodes with correlation, and relays handler failures as typed errors', async () => {
      const [a, b] = await make(2, { maxDeliveries: 1 });
      await a!.spawn('worker/echo', recorder([], { failWhen: (p) => p === 'bad' }));
      const ref = b!.ref('worker/echo');
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => ref.ask<number>('echo.request', i)));
      expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => i));
      const err = await ref.ask('echo.request', 'bad').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PoisonMessageError);
      expect((err as PoisonMessageError).message).toContain('refusing');
    });

    it('refuses a message to an unknown actor with no_recipient and a dead letter readable from any node', async () => {
      const [a, b] = await make(2);
      const err = await a!
        .ref('worker/nobody')
        .tell('item.add', 1)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NoRecipientError);
      await expect(a!.ref('worker/nobody').ask('item.add', 1)).rejects.toBeInstanceOf(NoRecipientError);
      await eventually(
        async () => (await b!.deadLetters.list({ reason: 'no_recipient', to: 'worker/nobody' })).length >= 2,
        5_000,
        'dead letters',
      );
      const [letter] = await b!.deadLetters.list({ reason: 'no_recipient', to: 'worker/nobody' });
      expect(letter?.error?.code).toBe('no_recipient');
      expect(letter?.envelope.type).toBe('item.add');
    });

    it('expires deadlines: the asker gets deadline_exceeded and a stale message is dead-lettered unhandled', async () => {
      const [a, b] = await make(2);
      const seen: unknown[] = [];
      await a!.spawn('worker/slow', recorder(seen, { delayMs: 150 }));
      const ref = b!.ref('worker/slow');
      const asked = ref.ask('item.add', 'first', { timeoutMs: 50 }).catch((e: unknown) => e);
      await ref.tell('item.add', 'stale', { timeoutMs: 60 });
      expect(await asked).toBeInstanceOf(DeadlineExceededError);
      await eventually(async () => (await a!.deadLetters.list({ reason: 'deadline_expired' })).length === 1, 5_000, 'expired letter');
      expect(seen).not.toContain('stale');
      const [letter] = await a!.deadLetters.list({ reason: 'deadline_expired' });
      expect(letter?.envelope.payload).toBe('stale');
    });

    it('fans a publish out to every matching subscriber on every node, in order, within the tenant only', async () => {
      const [a, b, c] = await make(3);
      const got = { exact: [] as unknown[], star: [] as unknown[], tail: [] as unknown[], other: [] as unknown[], actor: [] as unknown[] };
      b!.subscribe('news.sport', (e: Envelope) => got.exact.push(e.payload));
      c!.subscribe('news.*', (e: Envelope) => got.star.push(e.payload));
      a!.subscribe('news.>', (e: Envelope) => got.tail.push(e.payload));
      b!.subscribe('news.>', (e: Envelope) => got.other.push(e.payload), { tenant: 'other' });
      await c!.spawn('worker/listener', {
        init: (ctx) => {
          ctx.subscribe('news.sport');
        },
        receive: (msg) => {
          got.actor.push(msg.payload);
        },
      });
      await new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < 20; i++) await a!.publish('news.sport', i);
      await a!.publish('news.sport.local', 'deep');
      const expected = Array.from({ length: 20 }, (_, i) => i);
      await eventually(
        () => got.exact.length === 20 && got.star.length === 20 && got.tail.length === 21 && got.actor.length === 20,
        5_000,
        'fan-out',
      );
      expect(got.exact).toEqual(expected);
      expect(got.star).toEqual(expected);
      expect(got.actor).toEqual(expected);
      expect(got.tail).toEqual([...expected, 'deep']);
      expect(got.other).toEqual([]);
    });

    it('shares a pool address between nodes: each message handled once, by some member', async () => {
      const [a, b, c] = await make(3);
      const byNode = { a: [] as unknown[], b: [] as unknown[] };
      const member = (seen: unknown[]): Behavior<undefined> => ({
        async receive(msg) {
          await new Promise((r) => setTimeout(r, 1));
          seen.push(msg.payload);
        },
      });
      await a!.spawn('tool/pooled', member(byNode.a), { pool: true });
      await b!.spawn('tool/pooled', member(byNode.b), { pool: true });
      await expect(c!.spawn('tool/pooled', member([]))).rejects.toBeInstanceOf(ConflictError);
      const ref = c!.ref('tool/pooled');
      const n = 200;
      for (let i = 0; i < n; i++) await ref.tell('tool.run', i);
      await eventually(() => byNode.a.length + byNode.b.length === n, 15_000, 'pool work');
      await new Promise((r) => setTimeout(r, 100));
      const all = [...byNode.a, ...byNode.b].map(Number).sort((x, y) => x - y);
      expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(byNode.a.length).toBeGreaterThan(0);
      expect(byNode.b.length).toBeGreaterThan(0);
    });

    it('answers a deferred reply after later messages, and hands one still pending to the next activation (ADR 0042)', async () => {
      const [a, b] = await make(2);
      const handled: string[] = [];
      const gates = new Map<number, (v: number) => void>();
      /** Odd payloads are answered at once; even ones later — when their gate opens on the first node, at once after. */
      const deferring = (node: string): Behavior<undefined> => ({
        receive(msg) {
          const n = msg.payload as number;
          handled.push(`${node}:${n}`);
          if (n % 2 === 1) return n;
          if (node === 'b') return replyLater(Promise.resolve(n));
          return replyLater(new Promise<number>((r) => gates.set(n, r)));
        },
      });
      const ref = await a!.spawn('worker/later', deferring('a'));
      const asker = b!.ref('worker/later');
      const answered: number[] = [];
      const ask = (n: number): Promise<number> => asker.ask<number>('work.do', n, { timeoutMs: 30_000 }).then((v) => (answered.push(v), v));
      const zero = ask(0);
      const two = ask(2);
      expect(await ask(1)).toBe(1);
      await eventually(() => gates.has(0) && gates.has(2), 5_000, 'both deferred messages taken');
      expect(answered).toEqual([1]);
      gates.get(2)?.(2);
      expect(await two).toBe(2);
      expect(answered).toEqual([1, 2]);
      // 0 is still pending when the activation passivates: after its stop timeout it is handed back unanswered, and
      // the next activation (on the other node) handles it again and answers the asker that is still waiting.
      // In-process mailboxes hold no receipt to hand back: the asker hears actor_stopped instead.
      await inspectCell(a!, ref)?.end('passivate');
      if (h.name === 'memory') {
        await expect(zero).rejects.toMatchObject({ code: 'actor_stopped' });
        return;
      }
      // The lease is let go as the activation ends; a spawn that reads it a moment before that write lands is refused
      // (`conflict`, as for any live holder) and tried again, as placement would.
      await eventually(
        () =>
          b!.spawn('worker/later', deferring('b')).then(
            () => true,
            (e: unknown) => {
              if (!(e instanceof ConflictError)) throw e;
              return false;
            },
          ),
        5_000,
        'the next activation on the other node',
      );
      expect(await zero).toBe(0);
      expect(handled).toEqual(['a:0', 'a:2', 'a:1', 'b:0']);
    }, 30_000);

    it('keeps one activation per address per tenant across the mesh', async () => {
      const [a, b] = await make(2);
      await a!.spawn('worker/single', recorder([]));
      await expect(b!.spawn('worker/single', recorder([]))).rejects.toBeInstanceOf(ConflictError);
      const inOther: unknown[] = [];
      await b!.spawn('worker/single', recorder(inOther), { tenant: 'other' });
      await a!.ref('worker/single', 'other').tell('item.add', 'for-other');
      await eventually(() => inOther.length === 1, 5_000, 'tenant delivery');
    });

    it('applies the overflow policy: ask fails fast, tell waits for room, then gives up with a dead letter', async () => {
      // Capacity counts every accepted, unfinished message, including the one being handled.
      const [a, b] = await make(2, { capacity: 3, blockTimeoutMs: 300 });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const seen: unknown[] = [];
      await a!.spawn('worker/gated', {
        async receive(msg) {
          if (msg.payload === 0) await gate;
          seen.push(msg.payload);
        },
      });
      const ref = b!.ref('worker/gated');
      await ref.tell('item.add', 0);
      await new Promise((r) => setTimeout(r, 30));
      await ref.tell('item.add', 1);
      await ref.tell('item.add', 2);
      await expect(ref.ask('item.add', 'asked')).rejects.toBeInstanceOf(MailboxFullError);
      let blockedDone = false;
      const blocked = ref.tell('item.add', 3).then(() => (blockedDone = true));
      await new Promise((r) => setTimeout(r, 50));
      expect(blockedDone).toBe(false);
      release();
      await blocked;
      await eventually(() => seen.length === 4, 5_000, 'drain');
      expect(seen).toEqual([0, 1, 2, 3]);

      let release2!: () => void;
      const gate2 = new Promise<void>((r) => (release2 = r));
      await a!.spawn('worker/stuck', { receive: () => gate2 });
      const stuck = b!.ref('worker/stuck');
      for (const p of ['x', 'y', 'a']) await stuck.tell('item.add', p);
      await new Promise((r) => setTimeout(r, 30));
      const started = Date.now();
      const err = await stuck.tell('item.add', 'b').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MailboxFullError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      await eventually(
        async () => (await a!.deadLetters.list({ reason: 'mailbox_full', to: 'worker/stuck' })).some((l) => l.envelope.payload === 'b'),
        5_000,
        'mailbox_full letter',
      );
      release2();
    });
  });
}
