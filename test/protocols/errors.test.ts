import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  ERROR_CODES,
  wireErrorSchema,
  TroupeError,
  DecodeError,
  EncodeError,
  ValidationError,
  NoRecipientError,
  MailboxFullError,
  DeadlineExceededError,
  HandlerError,
  PoisonMessageError,
  ActorStoppedError,
  SystemStoppedError,
  CancelledError,
  ConflictError,
  TooLargeError,
  NotFoundError,
  UnauthorizedError,
  ForbiddenError,
  RateLimitedError,
  BudgetExceededError,
  UnavailableError,
  isTroupeError,
  toWireError,
  fromWireError,
  codec,
  replyPayloadSchema,
  type ErrorCode,
  type WireError,
} from '../../protocols/index.js';

type ErrorClass = new (message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) => TroupeError;

const CLASSES: [ErrorClass, string, ErrorCode][] = [
  [DecodeError, 'DecodeError', 'decode_error'],
  [EncodeError, 'EncodeError', 'encode_error'],
  [ValidationError, 'ValidationError', 'bad_request'],
  [NoRecipientError, 'NoRecipientError', 'no_recipient'],
  [MailboxFullError, 'MailboxFullError', 'mailbox_full'],
  [DeadlineExceededError, 'DeadlineExceededError', 'deadline_exceeded'],
  [HandlerError, 'HandlerError', 'handler_failed'],
  [PoisonMessageError, 'PoisonMessageError', 'poison_message'],
  [ActorStoppedError, 'ActorStoppedError', 'actor_stopped'],
  [SystemStoppedError, 'SystemStoppedError', 'system_stopped'],
  [CancelledError, 'CancelledError', 'cancelled'],
  [ConflictError, 'ConflictError', 'conflict'],
  [TooLargeError, 'TooLargeError', 'too_large'],
  [NotFoundError, 'NotFoundError', 'not_found'],
  [UnauthorizedError, 'UnauthorizedError', 'unauthorized'],
  [ForbiddenError, 'ForbiddenError', 'forbidden'],
  [RateLimitedError, 'RateLimitedError', 'rate_limited'],
  [BudgetExceededError, 'BudgetExceededError', 'budget_exceeded'],
  [UnavailableError, 'UnavailableError', 'unavailable'],
];
/** Codes with no dedicated class: they travel as a plain TroupeError. */
const CLASS_ROWS = CLASSES.map(([Klass, name, code]) => ({ Klass, name, code }));
const CLASSLESS: ErrorCode[] = ['internal', 'unprocessable', 'method_not_allowed', 'unsupported_media_type', 'upgrade_required'];

describe('ERROR_CODES', () => {
  it('is exactly the pinned list, in order', () => {
    expect([...ERROR_CODES]).toEqual([
      'bad_request',
      'unauthorized',
      'forbidden',
      'not_found',
      'rate_limited',
      'too_large',
      'conflict',
      'unavailable',
      'internal',
      'decode_error',
      'encode_error',
      'no_recipient',
      'mailbox_full',
      'deadline_exceeded',
      'handler_failed',
      'poison_message',
      'actor_stopped',
      'system_stopped',
      'cancelled',
      'budget_exceeded',
      'unprocessable',
      'method_not_allowed',
      'unsupported_media_type',
      'upgrade_required',
    ]);
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it('every code is covered by a class or listed as classless', () => {
    expect([...CLASSES.map(([, , c]) => c), ...CLASSLESS].sort()).toEqual([...ERROR_CODES].sort());
  });
});

describe('error classes', () => {
  it.each(CLASS_ROWS)('$name has code $code', ({ Klass, name, code }) => {
    const cause = new Error('root');
    const e = new Klass('went wrong', { cause, details: { k: 1 } });
    expect(e).toBeInstanceOf(Klass);
    expect(e).toBeInstanceOf(TroupeError);
    expect(e).toBeInstanceOf(Error);
    expect(Klass.name).toBe(name);
    expect(e.name).toBe(name);
    expect(e.code).toBe(code);
    expect(e.message).toBe('went wrong');
    expect(e.cause).toBe(cause);
    expect(e.details).toEqual({ k: 1 });
    expect(e.remote).toBe(false);
    expect(String(e)).toBe(`${name}: went wrong`);
    expect(isTroupeError(e)).toBe(true);
    expect(isTroupeError(e, code)).toBe(true);
    expect(isTroupeError(e, code === 'internal' ? 'conflict' : 'internal')).toBe(false);
    for (const [Other] of CLASSES) if (Other !== Klass) expect(e).not.toBeInstanceOf(Other);
  });

  it('without options: no cause, no details', () => {
    const e = new HandlerError('x');
    expect('cause' in e).toBe(false);
    expect(e.details).toBeUndefined();
  });

  it('the base class carries any code', () => {
    for (const code of ERROR_CODES) {
      const e = new TroupeError(code, 'm');
      expect(e.name).toBe('TroupeError');
      expect(e.code).toBe(code);
      expect(isTroupeError(e, code)).toBe(true);
    }
  });

  it('isTroupeError is false for other throwables', () => {
    for (const x of [new Error('x'), { code: 'internal', name: 'TroupeError', message: 'm' }, 'internal', null, undefined])
      expect(isTroupeError(x)).toBe(false);
  });
});

describe('wire errors', () => {
  it.each(CLASS_ROWS)('$name round-trips: class preserved, remote, details kept', ({ Klass, name, code }) => {
    const details = { attempt: 2, nested: { list: [1, 'two'] } };
    const wire = toWireError(new Klass('boom', { details, cause: new Error('not sent') }));
    expect(wire).toEqual({ code, name, message: 'boom', details });
    expect(wireErrorSchema.safeParse(wire).success).toBe(true);
    const back = fromWireError(wireErrorSchema.parse(codec.decodeValue(codec.encodeValue(wire))));
    expect(back).toBeInstanceOf(Klass);
    expect(back.constructor).toBe(Klass);
    expect(back.name).toBe(name);
    expect(back.code).toBe(code);
    expect(back.message).toBe('boom');
    expect(back.details).toEqual(details);
    expect(back.remote).toBe(true);
    expect(isTroupeError(back, code)).toBe(true);
  });

  it('without details the wire form has no details key, and neither does the rebuilt error', () => {
    const wire = toWireError(new ConflictError('lost the lease'));
    expect(Object.keys(wire).sort()).toEqual(['code', 'message', 'name']);
    expect(fromWireError(wire).details).toBeUndefined();
  });

  it.each(CLASSLESS)('classless code %s rebuilds as a TroupeError keeping code and name', (code) => {
    const back = fromWireError({ code, name: 'QuotaError', message: 'slow down', details: { retryAfter: 5 } });
    expect(back.constructor).toBe(TroupeError);
    expect(back.code).toBe(code);
    expect(back.name).toBe('QuotaError');
    expect(back.details).toEqual({ retryAfter: 5 });
    expect(back.remote).toBe(true);
    expect(toWireError(back)).toEqual({ code, name: 'QuotaError', message: 'slow down', details: { retryAfter: 5 } });
  });

  it('to → from → to is stable for any wire error', () => {
    const wireArb: fc.Arbitrary<WireError> = fc.record(
      {
        code: fc.constantFrom(...ERROR_CODES),
        name: fc.string({ maxLength: 128 }),
        message: fc.string({ maxLength: 200 }),
        details: fc.dictionary(fc.string(), fc.jsonValue()),
      },
      { requiredKeys: ['code', 'name', 'message'], noNullPrototype: true },
    );
    fc.assert(
      fc.property(wireArb, (w) => {
        const once = toWireError(fromWireError(w));
        expect(wireErrorSchema.safeParse(once).success).toBe(true);
        expect(toWireError(fromWireError(once))).toEqual(once);
        expect(once.code).toBe(w.code);
        expect(once.message).toBe(w.message);
      }),
    );
  });

  it('plain Errors and non-Error throwables map to the fallback code', () => {
    const cases: [unknown, string, string][] = [
      [new Error('plain'), 'Error', 'plain'],
      [new TypeError('bad type'), 'TypeError', 'bad type'],
      ['a string', 'Error', 'a string'],
      [42, 'Error', '42'],
      [undefined, 'Error', 'undefined'],
      [null, 'Error', 'null'],
      [Symbol('s'), 'Error', 'Symbol(s)'],
      [{ a: 1 }, 'Error', '[object Object]'],
      [{ code: 'conflict', message: 'looks like one' }, 'Error', '[object Object]'],
    ];
    for (const [thrown, name, message] of cases) {
      expect(toWireError(thrown)).toEqual({ code: 'internal', name, message });
      expect(toWireError(thrown, 'handler_failed')).toEqual({ code: 'handler_failed', name, message });
      const back = fromWireError(toWireError(thrown, 'handler_failed'));
      expect(back).toBeInstanceOf(HandlerError);
    }
    expect(toWireError(new ConflictError('c'), 'handler_failed').code).toBe('conflict');
  });

  it('truncates a foreign error to the schema limits', () => {
    const e = new Error('m'.repeat(10_000));
    e.name = 'N'.repeat(500);
    const wire = toWireError(e);
    expect(wire.name).toHaveLength(128);
    expect(wire.message).toHaveLength(8192);
    expect(wireErrorSchema.safeParse(wire).success).toBe(true);
    expect(toWireError('s'.repeat(9000)).message).toHaveLength(8192);
  });

  it('wireErrorSchema rejects unknown codes and oversize fields', () => {
    for (const code of ['nope', '', 'BAD_REQUEST', 'Internal', 'decode-error', ' internal', 'timeout']) {
      expect(wireErrorSchema.safeParse({ code, name: 'E', message: 'm' }).success).toBe(false);
    }
    for (const code of ERROR_CODES) expect(wireErrorSchema.safeParse({ code, name: 'E', message: 'm' }).success).toBe(true);
    expect(wireErrorSchema.safeParse({ code: 'internal', name: 'E'.repeat(129), message: 'm' }).success).toBe(false);
    expect(wireErrorSchema.safeParse({ code: 'internal', name: 'E', message: 'm'.repeat(8193) }).success).toBe(false);
    expect(wireErrorSchema.safeParse({ code: 'internal', name: 'E', message: 'm', details: [1] }).success).toBe(false);
    expect(wireErrorSchema.safeParse({ code: 'internal', message: 'm' }).success).toBe(false);
    expect(replyPayloadSchema.safeParse({ ok: false, error: { code: 'nope', name: 'E', message: 'm' } }).success).toBe(false);
    expect(replyPayloadSchema.safeParse({ ok: false, error: toWireError(new HandlerError('h')) }).success).toBe(true);
  });

  // Regression (was a bug, fixed): toWireError truncates name/message only for foreign Errors; a TroupeError whose message
  // exceeds 8192 chars yields a wire error that wireErrorSchema (and so replyPayloadSchema) rejects.
  it('toWireError of a TroupeError with a long message satisfies wireErrorSchema', () => {
    expect(wireErrorSchema.safeParse(toWireError(new HandlerError('x'.repeat(9000)))).success).toBe(true);
  });

  // Regression (was a bug, fixed): "converts any thrown value": String(e) throws for a null-prototype object or a throwing toString.
  it('toWireError never throws for a null-prototype object', () => {
    expect(toWireError(Object.create(null))).toMatchObject({ code: 'internal', name: 'Error' });
  });
  it('toWireError never throws for an Error whose name is not a string', () => {
    const e = Object.assign(new Error('m'), { name: 42 as unknown as string });
    expect(toWireError(e)).toMatchObject({ code: 'internal', message: 'm' });
  });
});
