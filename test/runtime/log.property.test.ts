/**
 * The process log (runtime/log.ts): whatever a component logs — messages, nested fields, errors — a registered secret
 * or a credential-shaped string never reaches a line; credential-keyed fields are replaced; what users wrote is
 * redacted (or only measured); the level filters.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { registerSecret } from '../../protocols/index.js';
import { createLogger, type LogLevel } from '../../runtime/index.js';

function capture(level: LogLevel = 'info', redactText?: (t: string) => string) {
  const out: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(chunk.toString());
      done();
    },
  });
  return { log: createLogger({ level, destination, ...(redactText === undefined ? {} : { redactText }) }), out };
}

const secret = `s3cr3t-${randomBytes(12).toString('hex')}`;
registerSecret(secret);

/** A JSON-like value with the secret somewhere in it (or not), under arbitrary keys. */
const carrying = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.constant(secret),
    fc.string().map((s) => `${s}${secret}${s}`),
    fc.constant(`Bearer sk-${randomBytes(20).toString('hex')}`),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('the process log', () => {
  it('never writes a registered secret or a bearer credential, wherever it was logged', () => {
    fc.assert(
      fc.property(carrying, fc.string(), (fields, msg) => {
        const { log, out } = capture();
        log.info({ event: 'x', fields, err: new Error(`failed with ${secret}`) }, `${msg} ${secret}`);
        const line = out.join('');
        expect(line).not.toContain(secret);
        expect(line).not.toMatch(/Bearer sk-[0-9a-f]{40}/);
        expect(() => JSON.parse(line) as unknown).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });

  it('replaces credential-keyed fields, measures or redacts what users wrote, and filters by level', () => {
    const { log, out } = capture('info');
    log.info({ headers: { authorization: 'Basic abc', 'x-api-key': 'k' }, password: 'p', arguments: { q: 'call 555-0100' } }, 'one');
    log.debug({ event: 'hidden' }, 'not written at info');
    const first = JSON.parse(out[0] as string) as Record<string, unknown>;
    expect(first['headers']).toEqual({ authorization: '[redacted]', 'x-api-key': '[redacted]' });
    expect(first['password']).toBe('[redacted]');
    expect(first['arguments']).toEqual({ q: '[13 chars]' });
    expect(first['level']).toBe('info');
    expect(out).toHaveLength(1);

    const redacting = capture('debug', (t) => t.replace(/\d/g, '#'));
    redacting.log.debug({ input: ['call 555-0100'], note: 'kept 1' }, 'two');
    const second = JSON.parse(redacting.out[0] as string) as Record<string, unknown>;
    expect(second['input']).toEqual(['call ###-####']);
    expect(second['note']).toBe('kept 1');
  });
});
