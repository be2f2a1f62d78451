import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  addressSchema,
  tenantSchema,
  isAddress,
  parseAddress,
  formatAddress,
  kindOf,
  topicAddress,
  DEFAULT_TENANT,
  ValidationError,
  TroupeError,
  LIFECYCLE_TOPIC,
  DEAD_LETTER_TOPIC,
} from '../../protocols/index.js';
import { addressArb, idPartArb, kindArb, tenantArb } from './arbitraries.js';

/** An independent oracle: the whole address as one regex. */
const ORACLE = /^[a-z][a-z0-9_-]{0,63}\/[A-Za-z0-9_.:@*>+=-][A-Za-z0-9_.:@*>+=/-]{0,255}$/;

function expectValidationError(f: () => unknown): ValidationError {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(ValidationError);
  expect(thrown).toBeInstanceOf(TroupeError);
  expect((thrown as ValidationError).code).toBe('bad_request');
  return thrown as ValidationError;
}

const VALID: [string, string, string][] = [
  ['agent/support', 'agent', 'support'],
  ['a/b', 'a', 'b'],
  ['topic/sys.lifecycle.agent', 'topic', 'sys.lifecycle.agent'],
  ['inbox/node-1', 'inbox', 'node-1'],
  ['agent/a/b/c', 'agent', 'a/b/c'],
  ['agent/a/', 'agent', 'a/'],
  ['agent/*', 'agent', '*'],
  ['agent/>', 'agent', '>'],
  ['x_y-z9/id:1@host+=.', 'x_y-z9', 'id:1@host+=.'],
  ['k/-', 'k', '-'],
  ['k/UPPER_case', 'k', 'UPPER_case'],
  [`${'k'.repeat(64)}/${'i'.repeat(256)}`, 'k'.repeat(64), 'i'.repeat(256)],
];

const INVALID: string[] = [
  '',
  '/',
  'agent',
  'agent/',
  '/support',
  '//',
  'Agent/x',
  '1agent/x',
  '-agent/x',
  '_agent/x',
  'ag ent/x',
  'agent.x/y',
  'agent//x',
  'agent/ x',
  'agent/x y',
  'agent/x\n',
  'agent\n/x',
  'agent/x\u0000',
  'agent/é',
  'agent/x#1',
  'agent/x?y',
  'agent/%20',
  `${'k'.repeat(65)}/x`,
  `k/${'i'.repeat(257)}`,
];

describe('addresses', () => {
  it.each(VALID)('%s is valid', (address, kind, id) => {
    expect(isAddress(address)).toBe(true);
    expect(addressSchema.safeParse(address).success).toBe(true);
    expect(parseAddress(address)).toEqual({ kind, id });
    expect(kindOf(address)).toBe(kind);
    expect(formatAddress(kind, id)).toBe(address);
  });

  it.each(INVALID.map((a) => [JSON.stringify(a), a]))('%s is invalid', (_label, address) => {
    expect(isAddress(address)).toBe(false);
    expect(addressSchema.safeParse(address).success).toBe(false);
    const e = expectValidationError(() => parseAddress(address));
    expect(e.message).toContain('malformed address');
  });

  it('addressSchema rejects non-strings', () => {
    for (const x of [null, undefined, 1, ['agent', 'x'], { kind: 'agent', id: 'x' }])
      expect(addressSchema.safeParse(x).success).toBe(false);
  });

  it('the error message quotes at most 80 characters of the input', () => {
    const e = expectValidationError(() => parseAddress(`BAD${'x'.repeat(10_000)}`));
    expect(e.message.length).toBeLessThan(200);
  });

  it('isAddress agrees with the oracle on generated and random strings', () => {
    fc.assert(fc.property(addressArb, (a) => isAddress(a) && ORACLE.test(a) && addressSchema.safeParse(a).success));
    const noise = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.tuple(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })).map(([k, i]) => `${k}/${i}`),
    );
    fc.assert(
      fc.property(noise, (s) => isAddress(s) === ORACLE.test(s) && addressSchema.safeParse(s).success === ORACLE.test(s)),
      { numRuns: 2000 },
    );
  });

  it('formatAddress / parseAddress / kindOf round-trip', () => {
    fc.assert(
      fc.property(kindArb, idPartArb, (kind, id) => {
        const a = formatAddress(kind, id);
        expect(a).toBe(`${kind}/${id}`);
        expect(parseAddress(a)).toEqual({ kind, id });
        expect(kindOf(a)).toBe(kind);
      }),
    );
  });

  it('formatAddress rejects a bad kind or id', () => {
    for (const [kind, id] of [
      ['', 'x'],
      ['Agent', 'x'],
      ['agent', ''],
      ['agent', '/x'],
      ['agent', 'a b'],
      ['k'.repeat(65), 'x'],
    ]) {
      expectValidationError(() => formatAddress(kind as string, id as string));
    }
  });

  // Regression (was a bug, fixed): formatAddress validates the joined string, not the kind: a kind containing '/' is accepted
  // and the result parses back with a different kind ('agent/x','y' → 'agent/x/y' → kind 'agent').
  it('formatAddress rejects a kind containing "/"', () => {
    expectValidationError(() => formatAddress('agent/x', 'y'));
  });

  it('topicAddress builds topic/<name>', () => {
    expect(topicAddress('orders')).toBe('topic/orders');
    expect(isAddress(topicAddress(`${LIFECYCLE_TOPIC}.agent`))).toBe(true);
    expect(isAddress(topicAddress(DEAD_LETTER_TOPIC))).toBe(true);
    expect(kindOf(topicAddress('a.b'))).toBe('topic');
  });
});

describe('tenants', () => {
  const valid = ['default', 'a', 'A', '0', 'acme-corp_2', '-', '_', 't'.repeat(64)];
  const invalid = ['', 't'.repeat(65), 'a b', 'a.b', 'a/b', 'é', 'a\n', ' a', 'a:b', 'a@b'];
  it.each(valid)('%s is a valid tenant', (t) => expect(tenantSchema.safeParse(t).success).toBe(true));
  it.each(invalid.map((t) => [JSON.stringify(t), t]))('%s is not a tenant', (_l, t) =>
    expect(tenantSchema.safeParse(t).success).toBe(false),
  );

  it('DEFAULT_TENANT is itself a valid tenant', () => {
    expect(DEFAULT_TENANT).toBe('default');
    expect(tenantSchema.safeParse(DEFAULT_TENANT).success).toBe(true);
  });

  it('generated tenants are valid; non-strings are not', () => {
    fc.assert(fc.property(tenantArb, (t) => tenantSchema.safeParse(t).success));
    for (const x of [null, 1, ['a'], undefined]) expect(tenantSchema.safeParse(x).success).toBe(false);
  });
});
