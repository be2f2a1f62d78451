/**
 * Built-in tools that are safe to give any agent: they read nothing but the clock and
 * touch nothing outside their input.
 */
import { z } from 'zod';
import { defineTool } from './function-tool.js';
import { CalculatorError, MAX_EXPRESSION_LENGTH, evaluateExpression } from './calculator.js';
import type { FunctionTool } from './types.js';
import type { TroupeConfig } from '../../config/index.js';
import { mediaTools, type MediaToolOptions } from '../media/tools.js';

/** True when `tz` is an IANA time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const clockInput = z.object({
  timezone: z
    .string()
    .max(64)
    .refine(isTimeZone, { message: 'not a known IANA time zone (e.g. Europe/Paris, UTC)' })
    .optional()
    .describe('IANA time zone for the local time, e.g. Europe/Paris (default UTC)'),
});

/** What the clock tool returns. */
export interface ClockReading {
  /** UTC, ISO 8601 with milliseconds. */
  readonly iso: string;
  readonly epochMs: number;
  readonly timezone: string;
  /** Wall time in `timezone`, ISO 8601 with its UTC offset. */
  readonly local: string;
}

/** Formatters by time zone: making one costs far more than a reading (ICU loads the zone's rules). */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    });
    // Only a zone ICU accepted gets here (an unknown one throws above), but its spelling is the caller's (case varies):
    // the cache is bounded.
    if (formatters.size >= 512) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** The reading of `epochMs` in `timezone`. */
export function readClock(epochMs: number, timezone = 'UTC'): ClockReading {
  const parts = formatterFor(timezone).formatToParts(new Date(epochMs));
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  const offsetName = get('timeZoneName').replace(/^(GMT|UTC)/, ''); // "", "+00:00", "+05:30", "-03:00" (ICU versions differ)
  const offset = offsetName === '' || /^[+-]00:?00$/.test(offsetName) ? 'Z' : offsetName;
  const ms = String(((epochMs % 1000) + 1000) % 1000).padStart(3, '0');
  const local = `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}.${ms}${offset}`;
  return { iso: new Date(epochMs).toISOString(), epochMs, timezone, local };
}

/** A clock tool reading `now` (for tests with a fixed time). */
export function makeClockTool(now: () => number = Date.now): FunctionTool<z.infer<typeof clockInput>> {
  return defineTool({
    name: 'clock',
    description: 'The current date and time: UTC ISO 8601, epoch milliseconds, and the local time in an optional IANA time zone.',
    input: clockInput,
    idempotent: true,
    timeoutMs: 1000,
    run: (input) => readClock(now(), input.timezone ?? 'UTC'),
  });
}

/** The current time (see {@link ClockReading}). */
export const clockTool = makeClockTool();

const calculatorInput = z.object({
  expression: z
    .string()
    .min(1)
    .max(MAX_EXPRESSION_LENGTH)
    .describe(
      'Arithmetic: numbers, + - * / % ^, parentheses, sqrt abs min max round floor ceil log exp, pi, e. Example: (2 + 3) * sqrt(16) / 2^3',
    ),
});

/**
 * Evaluates arithmetic expressions with a recursive-descent parser (no eval). The result is
 * `{ expression, value }`; bad input, division by zero or overflow give an error result.
 */
export const calculatorTool: FunctionTool<z.infer<typeof calculatorInput>> = defineTool({
  name: 'calculator',
  description:
    'Evaluates an arithmetic expression exactly as written: numbers, + - * / % ^ (power, right-associative), unary minus, parentheses, ' +
    'functions sqrt, abs, min, max, round, floor, ceil, log (natural), exp, constants pi and e.',
  input: calculatorInput,
  idempotent: true,
  timeoutMs: 1000,
  maxResultBytes: 4096,
  run(input) {
    try {
      return { expression: input.expression, value: evaluateExpression(input.expression) };
    } catch (e) {
      if (e instanceof CalculatorError) return { isError: true, content: [{ type: 'text', text: `cannot evaluate: ${e.message}` }] };
      throw e;
    }
  },
});

/** Every built-in tool. */
export const builtinTools: readonly FunctionTool<never>[] = [clockTool as FunctionTool<never>, calculatorTool as FunctionTool<never>];

/**
 * The built-ins a node's config turns on: {@link builtinTools} plus the media tools (`ocr`, `speech.*`, on unless
 * `media.tools` is false; their engines load on first call, actors/media).
 */
export function configuredBuiltinTools(
  config: Pick<TroupeConfig, 'media'>,
  options: MediaToolOptions = {},
): readonly FunctionTool<never>[] {
  return [...builtinTools, ...mediaTools(config.media, options)];
}
