/**
 * What happens to messages around a crash: redelivery of the crashing message and poison
 * dead letters, the mailbox across a restart, handler timeouts, and init failing on restart.
 * (Split from strategies.test.ts to keep files short.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PoisonMessageError } from '../../protocols/index.js';
import type { ActorRef } from '../../runtime/index.js';
import { restartGaps, shutdownHarness, spawnTree, startHarness, type Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await shutdownHarness(h);
  h = undefined;
});

const noJitter = { initialMs: 10, maxMs: 1_000, multiplier: 2, jitter: 0 };

/** Asks and captures the outcome, so a rejection is never unhandled while time is moved. */
function capture(ref: ActorRef | undefined, type: string, id: string): Promise<unknown> {
  if (ref === undefined) throw new Error('no ref');
  return ref.ask(type, id, { id, timeoutMs: 60_000 }).then(
    (value) => ({ value }),
    (error: unknown) => error,
  );
}

describe('poison messages', () => {
  it.each([1, 2, 3, 5])(
    'a message crashing maxDeliveries=%i times is redelivered with the same id, then dead-lettered as poison',
    async (maxDeliveries) => {
      h = await startHarness();
      const { refs, logs } = await spawnTree(
        h,
        'supervisor/app',
        { maxRestarts: 10, withinMs: 10_000, backoff: noJitter },
        { a: { options: { maxDeliveries } } },
      );
      const asked = capture(refs.a, 'work.boom', 'poison-1');
      await refs.a?.tell('work.ok', 'next', { id: 'next' });
      await h.clock.advance(2_000);

      const attempts = logs.a?.deliveries.filter((d) => d.id === 'poison-1') ?? [];
      expect(attempts.map((d) => d.incarnation)).toEqual(Array.from({ length: maxDeliveries }, (_v, i) => i + 1));
      expect(attempts.map((d) => d.attempt)).toEqual(Array.from({ length: maxDeliveries }, (_v, i) => i + 1));
      expect(h.of('worker/a', 'FAIL')).toHaveLength(maxDeliveries);

      const dead = await h.system.deadLetters.list();
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({
        reason: 'poison',
        deliveries: maxDeliveries,
        envelope: { id: 'poison-1', type: 'work.boom', to: 'worker/a' },
      });
      expect(dead[0]?.error).toMatchObject({ code: 'poison_message', details: { lastError: { message: 'boom poison-1' } } });

      const err = await asked;
      expect(err).toBeInstanceOf(PoisonMessageError);
      expect(err).toMatchObject({ code: 'poison_message' });
      // The actor is restarted after the last crash too, and goes on with the next message.
      expect(logs.a?.handled).toEqual(['next']);
      expect(h.system.stateOf(refs.a as ActorRef)).toBe('ready');
    },
  );

  it('a message that crashes once is handled on redelivery and answers its asker', async () => {
    h = await startHarness();
    const { refs, logs } = await spawnTree(h, 'supervisor/app', { backoff: noJitter }, { a: {} });
    const asked = capture(refs.a, 'work.flaky', 'f-1');
    await h.clock.advance(100);
    expect(await asked).toEqual({ value: 'f-1' });
    expect(logs.a?.deliveries.map((d) => [d.id, d.incarnation, d.attempt])).toEqual([
      ['f-1', 1, 1],
      ['f-1', 2, 2],
    ]);
    expect(await h.system.deadLetters.list()).toEqual([]);
  });
});

describe('the mailbox across a restart', () => {
  it('messages sent while failed, restarting or in backoff are handled after the restart, in order', async () => {
    h = await startHarness();
    const { refs, logs } = await spawnTree(h, 'supervisor/app', { backoff: { ...noJitter, initialMs: 50 } }, { a: {}, b: {} });
    const a = refs.a as ActorRef;
    const sends: Promise<void>[] = [];
    const sentIn: Record<string, string> = {};
    const send = (id: string): void => {
      sentIn[id] = h?.system.stateOf(a) ?? '?';
      sends.push(a.tell('work.ok', id, { id }));
    };
    // Send synchronously from the watcher, i.e. while the actor is in exactly that state.
    const stop = h.system.watchLifecycle((e) => {
      if (e.address !== 'worker/a') return;
      if (e.to === 'failed') ['m1', 'm2'].forEach(send);
      if (e.to === 'restarting') ['m3', 'm4'].forEach(send);
    });
    await a.tell('work.flaky', 'f', { id: 'f' });
    await h.clock.advance(20);
    send('m5');
    await h.clock.advance(200);
    send('m6');
    stop();
    await Promise.all(sends);
    await h.clock.advance(10);
    expect(sentIn).toEqual({ m1: 'failed', m2: 'failed', m3: 'restarting', m4: 'restarting', m5: 'restarting', m6: 'ready' });
    expect(logs.a?.handled).toEqual(['f', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    expect(restartGaps(h, 'worker/a')).toEqual([50]);
    expect(await h.system.deadLetters.list()).toEqual([]);
  });
});

describe('handler timeouts', () => {
  const timeoutTitle =
    'a handler that never resolves is a crash after handlerTimeoutMs; when it keeps timing out it is a handler_timeout dead letter';
  it(timeoutTitle, async () => {
    h = await startHarness();
    const { refs, logs } = await spawnTree(
      h,
      'supervisor/app',
      { maxRestarts: 10, withinMs: 10_000, backoff: noJitter },
      { a: { options: { handlerTimeoutMs: 100 } } },
    );
    const asked = capture(refs.a, 'work.hang', 'hang-1');
    await refs.a?.tell('work.ok', 'after', { id: 'after' });
    await h.clock.advance(5_000);

    const evs = h.of('worker/a');
    const fails = evs.filter((e) => e.event === 'FAIL');
    expect(fails).toHaveLength(3);
    for (const f of fails) {
      expect(f.error?.message).toMatch(/work\.hang did not finish within 100 ms/);
      expect(f.error?.details).toMatchObject({ timeout: true });
      // Each FAIL comes exactly handlerTimeoutMs after the incarnation started handling it.
      const busy = evs.filter((e) => e.event === 'BUSY' && e.incarnation === f.incarnation)[0];
      expect(f.at - (busy?.at ?? 0)).toBe(100);
    }
    expect(restartGaps(h, 'worker/a')).toEqual([10, 20, 40]);
    expect(logs.a?.aborted).toEqual(['hang-1', 'hang-1', 'hang-1']);
    const dead = await h.system.deadLetters.list();
    expect(dead.map((d) => [d.envelope.id, d.reason, d.deliveries])).toEqual([['hang-1', 'handler_timeout', 3]]);
    expect(await asked).toBeInstanceOf(PoisonMessageError);
    expect(logs.a?.handled).toEqual(['after']);
  });

  it('per-actor maxDeliveries=2: a hung message is given up after two timeouts and the next message is handled', async () => {
    h = await startHarness();
    const { refs, logs } = await spawnTree(
      h,
      'supervisor/app',
      { backoff: noJitter },
      { a: { options: { handlerTimeoutMs: 100, maxDeliveries: 2 } } },
    );
    await refs.a?.tell('work.hang', 'h', { id: 'h' });
    await h.clock.advance(150);
    expect(h.of('worker/a', 'FAIL')).toHaveLength(1);
    await refs.a?.tell('work.ok', 'ok', { id: 'ok' }); // queued behind the redelivered hang
    await h.clock.advance(500);
    expect((await h.system.deadLetters.list()).map((d) => [d.envelope.id, d.reason])).toEqual([['h', 'handler_timeout']]);
    expect(logs.a?.handled).toEqual(['ok']);
  });
});

describe('init failing on restart', () => {
  it('is treated as another failure: the supervisor restarts again (with the next backoff)', async () => {
    h = await startHarness();
    const { refs, logs } = await spawnTree(
      h,
      'supervisor/app',
      { maxRestarts: 5, backoff: noJitter },
      { a: { worker: { initFailsOn: [2] } } },
    );
    await refs.a?.tell('work.flaky', 'f', { id: 'f' });
    await h.clock.advance(200);
    const seq = h.of('worker/a').map((e) => `${e.incarnation}:${e.event}`);
    expect(seq).toEqual([
      '1:START',
      '1:STARTED',
      '1:BUSY',
      '1:FAIL',
      '1:RESTART',
      '2:START',
      '2:FAIL',
      '2:RESTART',
      '3:START',
      '3:STARTED',
      '3:BUSY',
      '3:IDLE',
    ]);
    const initFail = h.of('worker/a', 'FAIL')[1];
    expect(initFail?.from).toBe('starting');
    expect(initFail?.error?.message).toBe('init failed on incarnation 2');
    expect(restartGaps(h, 'worker/a')).toEqual([10, 20]);
    expect(logs.a?.inits).toEqual([1, 2, 3]);
    expect(logs.a?.handled).toEqual(['f']);
  });

  it('an init that keeps failing exhausts the restart intensity and escalates', async () => {
    h = await startHarness();
    const { refs } = await spawnTree(
      h,
      'supervisor/app',
      { maxRestarts: 2, withinMs: 10_000, backoff: noJitter },
      { a: { worker: { initFailsOn: [2, 3, 4, 5] } } },
    );
    await refs.a?.tell('work.flaky', 'f', { id: 'f' });
    await h.clock.advance(500);
    expect(h.of('worker/a', 'FAIL').map((e) => [e.incarnation, e.from])).toEqual([
      [1, 'busy'],
      [2, 'starting'],
      [3, 'starting'],
    ]);
    const appFail = h.of('supervisor/app', 'FAIL');
    expect(appFail).toHaveLength(1);
    expect(appFail[0]?.error?.details).toMatchObject({ escalated: true, child: 'worker/a' });
    // The root restarted the supervisor, which started a fresh worker/a (a new cell).
    expect(h.of('supervisor/app', 'START').map((e) => e.incarnation)).toEqual([1, 2]);
    expect(h.of('worker/a', 'START').slice(-1)[0]).toMatchObject({ from: 'created', incarnation: 1 });
    expect(h.system.stateOf(refs.a as ActorRef)).toBe('ready');
  });
});
