/** Bad input gets a specific typed error and a dead letter; none of it stops the system. */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ActorStoppedError,
  ConflictError,
  DeadlineExceededError,
  HandlerError,
  NoRecipientError,
  PoisonMessageError,
  SystemStoppedError,
  ValidationError,
  isTroupeError,
} from '../../protocols/index.js';
import { SimulatedClock, inspectCell, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { configSchema } from '../../config/index.js';

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

async function make(mailbox: Record<string, number> = {}, clock?: SimulatedClock): Promise<ActorSystem> {
  system = await createSystem({ config: configSchema.parse({ mailbox }), clock, random: () => 0.5 });
  return system;
}

const echo = { receive: (msg: { payload?: unknown }) => msg.payload };

describe('bad input', () => {
  it('unknown actor: no_recipient for tell and ask, with dead letters', async () => {
    const s = await make();
    await expect(s.ref('agent/ghost').tell('x.y', 1)).rejects.toSatisfy((e) => isTroupeError(e, 'no_recipient'));
    await expect(s.ref('agent/ghost').ask('x.y', 2)).rejects.toBeInstanceOf(NoRecipientError);
    const letters = await s.deadLetters.list({ reason: 'no_recipient' });
    expect(letters.map((l) => l.envelope.payload)).toEqual([1, 2]);
  });

  it('wrong payload type: bad_request to the asker, invalid dead letter, the actor keeps running', async () => {
    const s = await make();
    const ref = await s.spawn('counter/typed', {
      init: () => ({ n: 0 }),
      schemas: { 'counter.add': z.object({ by: z.number().int() }) },
      receive(msg, ctx) {
        ctx.state.n += (msg.payload as { by: number }).by;
        return ctx.state.n;
      },
    });
    const bad = await ref.ask('counter.add', { by: 'three' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as ValidationError).message).toContain('by');
    await expect(ref.ask('counter.subtract', { by: 1 })).rejects.toThrow(/does not accept messages of type counter.subtract/);
    await ref.tell('counter.add', 'nope');
    expect(await ref.ask('counter.add', { by: 2 })).toBe(2);
    expect((await s.deadLetters.list({ reason: 'invalid' })).length).toBe(3);
    expect(ref.state).toMatch(/ready|busy/);
    expect(inspectCell(s, ref)?.incarnation).toBe(1);
  });

  it('a handler that refuses a message (conflict, bad_request…) answers with the error and does not crash', async () => {
    const s = await make();
    const ref = await s.spawn('agent/picky', {
      init: () => ({ seen: 0 }),
      receive(msg, ctx) {
        ctx.state.seen++;
        if (msg.payload === 'taken') throw new ConflictError('that name is taken');
        return ctx.state.seen;
      },
    });
    await expect(ref.ask('name.claim', 'taken')).rejects.toBeInstanceOf(ConflictError);
    await ref.tell('name.claim', 'taken');
    expect(await ref.ask('name.claim', 'free')).toBe(3);
    expect(inspectCell(s, ref)?.incarnation).toBe(1);
    const [letter] = await s.deadLetters.list({ reason: 'rejected' });
    expect(letter?.error?.code).toBe('conflict');
  });

  it('malformed message types, addresses and topics are refused before anything is sent', async () => {
    const s = await make();
    expect(() => s.ref('no-slash')).toThrow(ValidationError);
    expect(() => s.ref('Agent/x')).toThrow(ValidationError);
    await expect(s.ref('agent/x').tell('Bad Type', 1)).rejects.toBeInstanceOf(ValidationError);
    await expect(s.publish('bad topic', 1)).rejects.toBeInstanceOf(ValidationError);
    expect(() => s.subscribe('a.>.b', () => undefined)).toThrow(ValidationError);
  });

  it('expired deadline: the message is dead-lettered unhandled and the asker gets deadline_exceeded', async () => {
    const clock = new SimulatedClock();
    const s = await make({}, clock);
    const seen: unknown[] = [];
    let release!: () => void;
    const ref = await s.spawn('worker/slow', {
      async receive(msg) {
        if (msg.payload === 'block') await new Promise<void>((r) => (release = r));
        seen.push(msg.payload);
        return msg.payload;
      },
    });
    await ref.tell('w.run', 'block');
    const asked = ref.ask('w.run', 'late', { timeoutMs: 100 }).catch((e: unknown) => e);
    await clock.advance(150);
    expect(await asked).toBeInstanceOf(DeadlineExceededError);
    release();
    await clock.advance(1);
    expect(seen).toEqual(['block']);
    const [letter] = await s.deadLetters.list({ reason: 'deadline_expired' });
    expect(letter?.envelope.payload).toBe('late');
  });

  it('a handler that throws: redelivered, then poison_message to the asker and a poison dead letter', async () => {
    const s = await make({ maxDeliveries: 2 });
    let calls = 0;
    const ref = await s.spawn('worker/bomb', {
      receive(msg) {
        calls++;
        if (msg.payload === 'bomb') throw new TypeError('cannot handle bomb');
        return 'ok';
      },
    });
    const err = await ref.ask('w.run', 'bomb').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PoisonMessageError);
    expect((err as PoisonMessageError).details?.['lastError']).toMatchObject({ name: 'TypeError', message: 'cannot handle bomb' });
    expect(calls).toBe(2);
    const [letter] = await s.deadLetters.list({ reason: 'poison' });
    expect(letter?.deliveries).toBe(2);
    expect(await ref.ask('w.run', 'fine')).toBe('ok');
  });

  it('a handler that never returns counts as a crash after handlerTimeoutMs', async () => {
    const clock = new SimulatedClock();
    const s = await make({ maxDeliveries: 2, handlerTimeoutMs: 1000 }, clock);
    let aborted = 0;
    const ref = await s.spawn('worker/hang', {
      receive(msg, ctx) {
        if (msg.payload !== 'hang') return 'ok';
        ctx.signal.addEventListener('abort', () => aborted++);
        return new Promise(() => undefined);
      },
    });
    const asked = ref.ask('w.run', 'hang', { timeoutMs: 60_000 }).catch((e: unknown) => e);
    await clock.advanceUntil(() => s.stats.deadLetters > 0, 10_000, 100);
    const err = await asked;
    expect(err).toBeInstanceOf(PoisonMessageError);
    expect(String((err as Error).message)).toContain('did not finish within 1000 ms');
    expect(aborted).toBe(2);
    expect((await s.deadLetters.list({ reason: 'handler_timeout' })).length).toBe(1);
    const next = ref.ask('w.run', 'fine');
    await clock.advance(50);
    expect(await next).toBe('ok');
  });

  it('spawn: a taken address is a conflict; an init that throws rejects spawn and frees the address', async () => {
    const s = await make();
    await s.spawn('agent/one', echo);
    await expect(s.spawn('agent/one', echo)).rejects.toBeInstanceOf(ConflictError);
    await expect(
      s.spawn('agent/broken', {
        init: () => {
          throw new Error('no database');
        },
        receive: () => undefined,
      }),
    ).rejects.toThrow('no database');
    expect(s.ref('agent/broken').state).toBeUndefined();
    const ok = await s.spawn('agent/broken', echo);
    expect(await ok.ask('e.echo', 5)).toBe(5);
  });

  it('stop: graceful stop handles what is queued; terminating dead-letters it as actor_stopped', async () => {
    const s = await make();
    const seen: unknown[] = [];
    const ref = await s.spawn('worker/q', {
      async receive(msg) {
        await new Promise((r) => setTimeout(r, 2));
        seen.push(msg.payload);
      },
    });
    for (let i = 0; i < 5; i++) await ref.tell('w.run', i);
    await ref.stop();
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    await expect(ref.stop()).rejects.toBeInstanceOf(NoRecipientError);
    expect(ref.state).toBeUndefined();
    await expect(ref.tell('w.run', 9)).rejects.toBeInstanceOf(NoRecipientError);

    const cell = inspectCell(s, await s.spawn('worker/q2', { receive: () => new Promise((r) => setTimeout(r, 20)) }));
    const q2 = s.ref('worker/q2');
    await q2.tell('w.run', 'first');
    const asked = q2.ask('w.run', 'queued').catch((e: unknown) => e);
    await cell?.end('terminate');
    expect(await asked).toBeInstanceOf(ActorStoppedError);
    // Terminating abandons the running handler too: its message was never acked, so it is a dead letter as well.
    expect((await s.deadLetters.list({ reason: 'actor_stopped' })).map((l) => l.envelope.payload)).toEqual(['first', 'queued']);
  });

  it('shutdown rejects pending asks and later sends with system_stopped', async () => {
    const s = await make();
    const ref = await s.spawn('worker/never', { receive: () => new Promise(() => undefined) }, { handlerTimeoutMs: 60_000 });
    const asked = ref.ask('w.run', 1, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 10));
    const cell = inspectCell(s, ref);
    await Promise.all([s.shutdown(), cell?.end('terminate')]);
    expect(await asked).toSatisfy((e) => e instanceof SystemStoppedError || e instanceof ActorStoppedError);
    await expect(ref.tell('w.run', 2)).rejects.toBeInstanceOf(SystemStoppedError);
    system = undefined;
  });

  it('none of the above stops the system: other actors keep answering', async () => {
    const s = await make({ maxDeliveries: 1 });
    const ok = await s.spawn('agent/ok', echo);
    const bomb = await s.spawn('agent/bomb', {
      receive: () => {
        throw new HandlerError('boom');
      },
    });
    await Promise.allSettled([bomb.ask('x.y', 1), s.ref('agent/none').tell('x.y', 1), ok.ask('x.y', 'a', { deadline: 1 })]);
    expect(await ok.ask('x.y', 'still here')).toBe('still here');
  });
});
