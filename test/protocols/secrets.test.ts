/** The secret registry and scrubber: registered secrets (and their spellings) never survive a scrub; other text does, unchanged. */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MAX_PRESENTED_SECRETS,
  REDACTED_MARK,
  TroupeError,
  clearSecrets,
  registerPresentedSecret,
  registerSecret,
  scrubSecrets,
  scrubbedMessage,
  secretCount,
  secretForms,
  toWireError,
} from '../../protocols/index.js';

afterEach(() => clearSecrets());

const secretChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEF0123456789+/=_-:.'.split(''));
const secretArb = fc.string({ unit: secretChars, minLength: 8, maxLength: 40 });
const textArb = fc.string({ maxLength: 200 });

describe('scrubSecrets', () => {
  it('leaves no registered secret, whatever the text and wherever the secrets are put', () => {
    fc.assert(
      fc.property(
        fc.array(secretArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(textArb, fc.nat()), { maxLength: 8 }),
        (secrets, pieces) => {
          clearSecrets();
          for (const s of secrets) registerSecret(s);
          const text = pieces.map(([t, i]) => t + (secrets[i % secrets.length] as string)).join('');
          const out = scrubSecrets(text);
          for (const s of secrets) expect(out).not.toContain(s);
          if (pieces.length > 0) expect(out).toContain(REDACTED_MARK);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves text without secrets or credential shapes unchanged', () => {
    fc.assert(
      fc.property(
        fc.array(secretArb, { maxLength: 6 }),
        fc.oneof(textArb, fc.string({ unit: 'grapheme', maxLength: 200 })),
        (secrets, text) => {
          fc.pre(!/Bearer|Basic|eyJ|trp_|sk-/i.test(text));
          fc.pre(!secrets.some((s) => secretForms(s).some((f) => text.includes(f))));
          clearSecrets();
          for (const s of secrets) registerSecret(s);
          expect(scrubSecrets(text)).toBe(text);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('replaces overlapping secrets as one run, so no part of either shows', () => {
    registerSecret('xxxxxxxxAB');
    registerSecret('ABCyyyyyyyy');
    expect(scrubSecrets('<xxxxxxxxABCyyyyyyyy>')).toBe(`<${REDACTED_MARK}>`);
  });

  it('ignores short and empty values, so ordinary words are not redacted', () => {
    expect(registerSecret('short')).toBe(false);
    expect(registerSecret(undefined)).toBe(false);
    expect(registerSecret('   ')).toBe(false);
    expect(secretCount()).toBe(0);
    expect(scrubSecrets('a short text')).toBe('a short text');
  });

  it('knows the other spellings of key material: hex ⇄ base64, URL- and JSON-escaped', () => {
    const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256));
    registerSecret(bytes.toString('hex'));
    const hex = bytes.toString('hex');
    for (const form of [hex, hex.toUpperCase(), bytes.toString('base64'), bytes.toString('base64url')]) {
      expect(scrubSecrets(`key=${form};`)).toBe(`key=${REDACTED_MARK};`);
    }
    clearSecrets();
    const b64 = bytes.toString('base64');
    registerSecret(b64);
    expect(scrubSecrets(`?k=${encodeURIComponent(b64)}`)).toBe(`?k=${REDACTED_MARK}`);
    expect(scrubSecrets(bytes.toString('hex'))).toBe(REDACTED_MARK);
    registerSecret('pa"ss\\word!');
    expect(scrubSecrets(JSON.stringify({ p: 'pa"ss\\word!' }))).toBe(`{"p":"${REDACTED_MARK}"}`);
  });

  it('redacts credential shapes even when unregistered, keeping the scheme', () => {
    expect(scrubSecrets('Authorization: Bearer abc.DEF-123_456789xyz')).toBe(`Authorization: Bearer ${REDACTED_MARK}`);
    expect(scrubSecrets('token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl end')).toBe(`token ${REDACTED_MARK} end`);
    expect(scrubSecrets(`key trp_${'A'.repeat(43)} and sk-proj-${'b'.repeat(30)}`)).toBe(`key ${REDACTED_MARK} and ${REDACTED_MARK}`);
    const prose = 'Bearer tokens are explained in RFC 6750; basic arithmetic';
    expect(scrubSecrets(prose)).toBe(prose);
  });

  it('remembers only the newest presented credentials, and configured secrets always', () => {
    registerSecret('configured-secret-1');
    for (let i = 0; i <= MAX_PRESENTED_SECRETS; i++) registerPresentedSecret(`presented-${String(i).padStart(5, '0')}`);
    expect(scrubSecrets('presented-00000')).toBe('presented-00000');
    expect(scrubSecrets(`presented-${String(MAX_PRESENTED_SECRETS).padStart(5, '0')}`)).toBe(REDACTED_MARK);
    expect(scrubSecrets('configured-secret-1')).toBe(REDACTED_MARK);
  });

  it('scrubs long texts quickly', () => {
    for (let i = 0; i < 200; i++) registerPresentedSecret(`trp_presented_${i}_${'x'.repeat(30)}`);
    const text = 'lorem ipsum dolor sit amet '.repeat(40_000);
    const started = performance.now();
    expect(scrubSecrets(text + 'trp_presented_7_' + 'x'.repeat(30))).toBe(text + REDACTED_MARK);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('errors carry no secret', () => {
  it('a TroupeError message and a wire error are scrubbed', () => {
    registerSecret('sk-live-0123456789abcdef');
    const e = new TroupeError('unauthorized', 'openai: HTTP 401: Incorrect API key provided: sk-live-0123456789abcdef.');
    expect(e.message).toBe(`openai: HTTP 401: Incorrect API key provided: ${REDACTED_MARK}.`);
    expect(toWireError(new Error('failed with sk-live-0123456789abcdef')).message).toBe(`failed with ${REDACTED_MARK}`);
    expect(scrubbedMessage('plain sk-live-0123456789abcdef')).toBe(`plain ${REDACTED_MARK}`);
  });
});
