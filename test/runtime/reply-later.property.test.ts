/**
 * Reply later (ADR 0042) under random schedules, on the in-process transport with a simulated clock: a handler that
 * returns `replyLater(work)` lets the actor take its next message at once; the answer goes to the asker that sent the
 * message when the work settles; a deferred work that crashes restarts the actor after the work in flight settled,
 * and the crashed message is handled again; an ask whose deadline passes first times out and never gets another
 * message's answer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ValidationError, isTroupeError } from '../../protocols/index.js';
import { inspectCell, replyLater, type Behavior } from '../../runtime/index.js';
import { shutdownHarness, startHarness, type Harness } from '../supervisors/helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await shutdownHarness(h);
  h = undefined;
});

type Kind = 'now' | 'later' | 'reject' | 'crash';
interface Msg {
  readonly kind: Kind;
  /** How long the deferred work takes (simulated ms). */
  readonly delay: number;
  /** The asker gives up before the work ends. */
  readonly short: boolean;
}

const msg: fc.Arbitrary<Msg> = fc.record({
  kind: fc.constantFrom<Kind>('now', 'later', 'later', 'reject', 'crash'),
  delay: fc.integer({ min: 2, max: 400 }),
  short: fc.boolean(),
});

/** What the test saw, in one order: each message's handlings and each ask's outcome. */
interface Trace {
  readonly events: string[];
  readonly attempts: Map<string, number[]>;
}

function deferrer(trace: Trace, h: Harness): Behavior<undefined> {
  return {
    receive(env) {
      const { id, kind, delay } = env.payload as { id: string; kind: Kind; delay: number };
      const seen = trace.attempts.get(id) ?? [];
      seen.push(env.attempt);
      trace.attempts.set(id, seen);
      trace.events.push(`handled ${id}`);
      if (kind === 'now') return { id };
      const first = seen.length === 1;
      return replyLater(
        new Promise((resolve, reject) =>
          h.clock.setTimer(delay, () => {
            if (kind === 'reject') reject(new ValidationError(`refused ${id}`));
            else if (kind === 'crash' && first) reject(new Error(`crash ${id}`));
            else resolve({ id });
          }),
        ),
      );
    },
  };
}

describe('reply later', () => {
  it('answers each asker with its own message, takes later messages first, and survives crashes of deferred work', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(msg, { minLength: 1, maxLength: 12 }), async (msgs) => {
        h = await startHarness({ maxDeliveries: 5 });
        const trace: Trace = { events: [], attempts: new Map() };
        const ref = await h.system.spawn('worker/deferrer', deferrer(trace, h));
        const outcomes = msgs.map((m, i) => {
          const id = `m${i}`;
          // Long asks outlive the work by far, even after a crash and its restart; short ones end halfway through it.
          const timeoutMs = m.kind !== 'now' && m.short && m.kind !== 'crash' ? Math.floor(m.delay / 2) : 3 * m.delay + 5_000;
          return ref.ask<{ id: string }>('work.do', { id, kind: m.kind, delay: m.delay }, { id, timeoutMs }).then(
            (v) => {
              trace.events.push(`answered ${id}`);
              return { value: v } as const;
            },
            (e: unknown) => {
              trace.events.push(`answered ${id}`);
              return { error: e } as const;
            },
          );
        });
        for (let t = 0; t < 30 && trace.events.filter((e) => e.startsWith('answered')).length < msgs.length; t++)
          await h.clock.advance(500);
        const results = await Promise.all(outcomes);

        const firsts = trace.events.filter((e) => e.startsWith('handled')).map((e) => e.slice(8));
        const firstOrder = firsts.filter((id, i) => firsts.indexOf(id) === i);
        // Taken one at a time in mailbox order.
        expect(firstOrder).toEqual(msgs.map((_m, i) => `m${i}`));
        msgs.forEach((m, i) => {
          const id = `m${i}`;
          const r = results[i] as { value?: unknown; error?: unknown } | undefined;
          const shortAsk = m.kind !== 'now' && m.short && m.kind !== 'crash';
          if (shortAsk) expect(isTroupeError(r?.error, 'deadline_exceeded'), `${id} timed out`).toBe(true);
          else if (m.kind === 'reject') expect(isTroupeError(r?.error, 'bad_request'), `${id} refused`).toBe(true);
          // The right asker: each answer carries the id of the message its asker sent.
          else expect(r, id).toEqual({ value: { id } });
          // A crashed deferred work is handled again by the next incarnation, as the next delivery of its message.
          expect(trace.attempts.get(id), id).toEqual(m.kind === 'crash' ? [1, 2] : [1]);
          // Every message sent after a deferred one was taken before the deferred one was answered.
          if (m.kind !== 'now') {
            const answered = trace.events.indexOf(`answered ${id}`);
            for (let j = i + 1; j < msgs.length; j++) expect(trace.events.indexOf(`handled m${j}`)).toBeLessThan(answered);
          }
        });
        await shutdownHarness(h);
        h = undefined;
      }),
      { numRuns: 40 },
    );
  });

  it('a terminate while work is deferred answers the asker actor_stopped at once, and the late work answers nobody', async () => {
    h = await startHarness();
    let release!: (v: unknown) => void;
    const ref = await h.system.spawn('worker/held', {
      receive: () => replyLater(new Promise((r) => (release = r))),
    });
    const asked = ref.ask('work.hold', 1, { timeoutMs: 60_000 }).then(
      (v) => ({ v }),
      (e: unknown) => ({ e }),
    );
    await h.clock.advance(10);
    await inspectCell(h.system, ref)?.end('terminate');
    const got = await asked;
    expect(isTroupeError((got as { e?: unknown }).e, 'actor_stopped')).toBe(true);
    release('late');
    await h.clock.advance(10);
    const dead = await h.system.deadLetters.list();
    expect(dead.map((d) => d.reason)).toEqual(['actor_stopped']);
  });

  it('a graceful stop waits for deferred work and answers it', async () => {
    h = await startHarness();
    const ref = await h.system.spawn('worker/slow', {
      receive: () => replyLater(new Promise((r) => h?.clock.setTimer(200, () => r('done')))),
    });
    const asked = ref.ask('work.slow', 1, { timeoutMs: 60_000 });
    await h.clock.advance(1);
    const stopped = inspectCell(h.system, ref)?.end('stop');
    for (let i = 0; i < 10; i++) await h.clock.advance(50);
    await stopped;
    expect(await asked).toBe('done');
  });

  it('deferred work that keeps crashing becomes a poison dead letter after maxDeliveries', async () => {
    h = await startHarness({ maxDeliveries: 3 });
    let calls = 0;
    const ref = await h.system.spawn('worker/poisoned', {
      receive: (env) => {
        if (env.type === 'work.ok') return 'ok';
        calls++;
        return replyLater(Promise.reject(new Error('boom')));
      },
    });
    const asked = ref.ask('work.boom', 1, { timeoutMs: 60_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    for (let i = 0; i < 20; i++) await h.clock.advance(100);
    expect(isTroupeError(await asked, 'poison_message')).toBe(true);
    expect(calls).toBe(3);
    expect((await h.system.deadLetters.list()).map((d) => d.reason)).toEqual(['poison']);
    expect(await ref.ask('work.ok', 1)).toBe('ok');
  });
});
