/** Id tokens of the JetStream mesh: reversible, NATS-safe, and plain ids stay as they are. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idToken, tokenId } from '../../runtime/jetstream/index.js';

describe('idToken / tokenId', () => {
  it('tokenId inverts idToken for any string, and every token is one NATS subject token', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (id) => {
        const token = idToken(id);
        expect(tokenId(token)).toBe(id);
        expect(token).not.toMatch(/[.*> \s]/);
      }),
      { numRuns: 2000 },
    );
  });

  it('plain ids are their own token', () => {
    expect(idToken('node-a_1')).toBe('node-a_1');
    expect(tokenId('node-a_1')).toBe('node-a_1');
    expect(idToken('a.b')).not.toBe('a.b');
  });
});
