/**
 * Trusted payloads (runtime/trusted.ts, docs/adr/0052-trusted-local-hops.md): a message sent `trusted` by code of this
 * process skips the receiver's schema check; everything else is checked, a type the receiver does not list is refused
 * either way, and the mark cannot travel with an envelope that was copied (as any transport over a wire copies it).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Envelope } from '../../protocols/index.js';
import type { ActorSystem, Behavior } from '../../runtime/index.js';
import { isTrusted, markTrusted } from '../../runtime/trusted.js';
import { createSystem } from '../../supervisors/index.js';

let system: ActorSystem | undefined;

afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

/** Answers with the payload it was handed. */
const echo: Behavior<undefined> = {
  schemas: { 'echo.say': z.object({ n: z.number() }) },
  receive: (msg) => msg.payload,
};

describe('trusted payloads', () => {
  it('a trusted payload reaches the handler unchecked; the same payload untrusted is refused as invalid', async () => {
    system = await createSystem({});
    const ref = await system.spawn('echo/one', echo);
    // Not what the schema says: only a sender's word that it made it lets it through.
    expect(await ref.ask('echo.say', { n: 'seven' }, { trusted: true })).toEqual({ n: 'seven' });
    await expect(ref.ask('echo.say', { n: 'seven' })).rejects.toMatchObject({ code: 'bad_request' });
    expect(await ref.ask('echo.say', { n: 7 })).toEqual({ n: 7 });
  });

  it('a trusted message of a type the receiver does not list is still refused', async () => {
    system = await createSystem({});
    const ref = await system.spawn('echo/two', echo);
    await expect(ref.ask('echo.other', { n: 1 }, { trusted: true })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('the mark stays with the envelope object: a copy of it (what crosses a wire) is not trusted', () => {
    const env = { id: 'm1', type: 'echo.say', payload: { n: 'seven' } } as unknown as Envelope;
    markTrusted(env);
    expect(isTrusted(env)).toBe(true);
    expect(isTrusted(structuredClone(env))).toBe(false);
    expect(isTrusted({ ...env })).toBe(false);
  });
});
