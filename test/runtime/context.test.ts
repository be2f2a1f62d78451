/** Sends from inside a handler inherit deadline, correlation, causation and trace context. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  LIFECYCLE_TOPIC,
  lifecycleEventSchema,
  newTraceparent,
  traceparentSchema,
  type Envelope,
  type LifecycleEvent,
} from '../../protocols/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

describe('context propagation', () => {
  it('passes deadline (the earlier one wins), correlation, causation and a child span downstream', async () => {
    const s = (system = await createSystem());
    const seen: Envelope[] = [];
    await s.spawn('agent/down', {
      receive(msg) {
        seen.push(msg);
        return 'done';
      },
    });
    await s.spawn('agent/up', {
      async receive(msg, ctx) {
        seen.push(msg);
        await ctx.tell('agent/down', 'work.told', 1);
        return ctx.ask('agent/down', 'work.asked', 2, { timeoutMs: 60_000 });
      },
    });
    const traceparent = newTraceparent();
    const deadline = Date.now() + 10_000;
    expect(await s.ref('agent/up').ask('work.start', 0, { deadline, correlationId: 'conv-1', traceparent })).toBe('done');
    const [up, told, asked] = seen;
    expect(up?.deadline).toBe(deadline);
    for (const child of [told, asked]) {
      expect(child?.deadline).toBe(deadline);
      expect(child?.correlationId).toBe('conv-1');
      expect(child?.causationId).toBe(up?.id);
      expect(child?.from).toBe('agent/up');
      expect(traceparentSchema.safeParse(child?.traceparent).success).toBe(true);
      expect(child?.traceparent?.slice(0, 36)).toBe(traceparent.slice(0, 36));
      expect(child?.traceparent).not.toBe(traceparent);
    }
    expect(asked?.replyTo).toBe(`inbox/${s.node}`);
    expect(told?.replyTo).toBeUndefined();
  });

  it('publishes every lifecycle transition on sys.lifecycle.<kind> for anyone to watch', async () => {
    const s = (system = await createSystem());
    const events: LifecycleEvent[] = [];
    s.subscribe(`${LIFECYCLE_TOPIC}.>`, (env) => events.push(lifecycleEventSchema.parse(env.payload)));
    let crashes = 0;
    const ref = await s.spawn('worker/watched', {
      receive() {
        if (crashes++ === 0) throw new Error('first time fails');
        return 'ok';
      },
    });
    expect(await ref.ask('w.run', 1)).toBe('ok');
    await ref.stop();
    await new Promise((r) => setTimeout(r, 20));
    const path = events.filter((e) => e.address === 'worker/watched').map((e) => `${e.from}>${e.to}`);
    expect(path).toEqual([
      'created>starting',
      'starting>ready',
      'ready>busy',
      'busy>failed',
      'failed>restarting',
      'restarting>starting',
      'starting>ready',
      'ready>busy',
      ...(path.includes('busy>ready') ? ['busy>ready', 'ready>stopping'] : ['busy>stopping']),
      'stopping>stopped',
    ]);
    const failed = events.find((e) => e.to === 'failed');
    expect(failed?.error?.message).toBe('first time fails');
    expect(failed?.incarnation).toBe(1);
    expect(events.filter((e) => e.address === 'worker/watched' && e.to === 'starting').map((e) => e.incarnation)).toEqual([1, 2]);
  });
});
