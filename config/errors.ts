// ConfigError: every problem with a configuration, each naming its dotted path and where the
// bad value came from (file, environment variable, overrides), plus zod v4 issue → text mapping.
import type { z } from 'zod';

/** Which layer supplied a value: schema defaults < file < env < overrides. */
export type ConfigSource = 'default' | 'file' | 'env' | 'overrides';

/** One configuration problem; `origin` is the env variable or file path when known. */
export interface ConfigIssue {
  path: string;
  message: string;
  source: ConfigSource;
  origin?: string;
}

/** Thrown by `loadConfig` when the configuration is unreadable or invalid; lists every issue. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'config_invalid' as const;
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[], options?: { cause?: unknown }) {
    const n = issues.length;
    const lines = issues.map((i) => `  - ${formatConfigIssue(i)}`).join('\n');
    super(`invalid Troupe configuration (${n} issue${n === 1 ? '' : 's'}):\n${lines}`, options);
    this.issues = issues;
  }
}

/** True if `e` is a ConfigError (also across module copies, by name and code). */
export function isConfigError(e: unknown): e is ConfigError {
  if (e instanceof ConfigError) return true;
  return e instanceof Error && e.name === 'ConfigError' && (e as { code?: unknown }).code === 'config_invalid';
}

/** Renders one issue as `<dotted.path>: <expected, received> (from <source>)`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where =
    issue.source === 'env'
      ? `env ${issue.origin ?? ''}`.trim()
      : issue.source === 'file'
        ? `file ${issue.origin ?? ''}`.trim()
        : issue.source === 'default'
          ? 'defaults'
          : 'overrides';
  return `${issue.path ? `${issue.path}: ` : ''}${issue.message} (from ${where})`;
}

/** Joins a zod path as a dotted string (`transport.servers.0`). */
export function dottedPath(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}

const SECRET_KEYS = new Set(['token', 'pass', 'key', 'previousKeys']);

/** Describes a received value briefly; secrets are never echoed. */
function describe(value: unknown, path: readonly PropertyKey[]): string {
  if (path.some((p) => typeof p === 'string' && SECRET_KEYS.has(p)) && value !== undefined) return `a ${typeof value} (redacted)`;
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return `a${typeof value === 'object' ? 'n' : ''} ${typeof value}`;
}

const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);
const list = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(' | ');

/** What an issue expected, in words; schema-supplied messages already start with "expected". */
function expectedText(issue: z.core.$ZodIssue): string {
  if (issue.message.startsWith('expected ')) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${article(issue.expected === 'int' ? 'integer' : issue.expected)}`;
    case 'invalid_value':
      return `expected one of ${list(issue.values)}`;
    case 'invalid_union':
      return 'options' in issue && issue.options ? `expected one of ${list(issue.options)}` : `expected ${issue.message}`;
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = small ? issue.minimum : issue.maximum;
      const op = `${small ? '>' : '<'}${issue.inclusive ? '=' : ''}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `expected ${op} ${String(bound)} items`;
      if (issue.origin === 'string') return `expected ${op} ${String(bound)} characters`;
      return `expected ${article(issue.origin)} ${op} ${String(bound)}`;
    }
    case 'invalid_format':
      return `expected a valid ${issue.format}`;
    default:
      return `expected ${issue.message}`;
  }
}

/** Maps a zod v4 issue (parsed with `reportInput: true`) to readable `{ path, message }` entries. */
export function describeZodIssue(issue: z.core.$ZodIssue): { path: string; message: string }[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: dottedPath([...issue.path, key]),
      message: 'unknown key (not a config option here; check the spelling)',
    }));
  }
  let received: unknown = issue.input;
  if (issue.code === 'invalid_union' && issue.discriminator !== undefined) {
    const input: unknown = issue.input;
    received = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[issue.discriminator] : undefined;
  }
  // A custom issue that sets `input: undefined` has no single received value worth echoing (a cycle, a missing target).
  const hasInput = ('input' in issue && !(issue.code === 'custom' && issue.input === undefined)) || issue.code === 'invalid_union';
  const tail = hasInput ? `, received ${describe(received, issue.path)}` : '';
  return [{ path: dottedPath(issue.path), message: `${expectedText(issue)}${tail}` }];
}
