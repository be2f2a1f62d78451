/**
 * The process's structured log (issue 17): one `pino` logger, JSON lines by default, pretty only when asked for (the
 * CLI asks when its output is a terminal). Every line is scrubbed before it is written: values under credential-like
 * keys are replaced outright, and every string — the message and each value, at any depth — goes through
 * `scrubSecrets` (registered secrets and credential shapes, protocols/secrets.ts). A log line is never where a key,
 * token or password ends up.
 *
 * Components log through `ActorSystem.log` with an `event` field naming what happened (`http.request`,
 * `run.start`, `tool.call`, `supervisor.restart`, …) so lines can be filtered without parsing messages.
 */
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { scrubSecrets, watchSecrets } from '../protocols/index.js';
import { secretLine, type LogWorkerOptions } from './log-secrets.js';

/** Levels, lowest first (`silent` writes nothing). */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** The log as components see it (pino's own, narrowed to what they use). */
export type Logger = Pick<PinoLogger, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'child' | 'isLevelEnabled' | 'level'>;

/** Options of {@link createLogger}. */
export interface LogOptions {
  readonly level?: LogLevel;
  /** Human-readable lines (pino-pretty) instead of JSON. */
  readonly pretty?: boolean;
  /** Where lines go (default: standard output, synchronously). */
  readonly destination?: DestinationStream | Writable;
  /** Fields on every line (e.g. `{ node }`). */
  readonly base?: Record<string, unknown>;
  /** Removes personal data from what users and models wrote (see {@link CONTENT_KEY}); without it such text is not logged. */
  readonly redactText?: (text: string) => string;
  /**
   * Cleans and writes JSON lines in a thread of their own (ADR 0034): the caller's thread only replaces credential-keyed
   * fields, turns errors into plain fields and hands the line over; the log thread scrubs secrets (it mirrors this
   * thread's registry, protocols/secrets.ts `watchSecrets`), removes personal data with the module named here (it must
   * export `redactPersonalData`; `redactText` is then not used) and writes to `dest` (default standard output). Not
   * with `pretty` or `destination`.
   */
  readonly thread?: { readonly redactModule?: string; readonly dest?: number | string };
}

/** Keys whose values are credentials wherever they appear: replaced, never scrubbed piecemeal. */
const SECRET_KEYS =
  '(authorization|cookie|set-cookie|password|passwd|secret|client_secret|token|access_token|refresh_token|id_token|' +
  'api_?key|apikey|x-api-key|private_?key|encryption_?key|key_?hash)';
const SECRET_KEY = new RegExp(`^${SECRET_KEYS}$`, 'i');

const REDACTED = '[redacted]';
/**
 * A credential-keyed field in a JSON text whose value is not yet replaced (pino writes `base` and child bindings
 * without the cleaning of {@link createLogger}'s `log` formatter).
 */
const SECRET_FIELD = new RegExp(`"${SECRET_KEYS}":(?!"\\[redacted\\]"[,}]|null[,}])`, 'i');
/** Deepest nesting scrubbed; anything below is summarised. */
const MAX_DEPTH = 8;

/**
 * Fields that carry what users and models wrote (tool arguments, inputs, outputs): their strings also go through the
 * logger's `redactText` (personal data; the CLI passes the guardrail's PII redaction), or, without one, are logged
 * only as their length.
 */
const CONTENT_KEYS = ['arguments', 'args', 'input', 'output', 'content', 'text', 'query', 'messages', 'prompt'];
const CONTENT_KEY = new RegExp(`^(${CONTENT_KEYS.join('|')})$`);
/** A {@link CONTENT_KEY} field anywhere in a JSON text (as JSON spells keys: quoted, no space before the colon). */
const CONTENT_FIELD = new RegExp(`"(${CONTENT_KEYS.join('|')})":`);

/**
 * Whether the log thread must parse and clean `text`, JSON lines of this logger (credential-keyed fields already
 * replaced): false only when cleaning could change nothing. Without a backslash every string in the text is spelled as it
 * is, so a registered secret or credential shape inside one is also in `text` as it is, and {@link scrubSecrets} finds it
 * there; without a content field there is no personal data to redact, and without a credential-keyed field (other than
 * one already replaced) no value to replace. Most lines pass, and are written as they came (one check of the whole batch
 * instead of a parse, a copy and a stringify per line). Such a line is not cut at {@link MAX_DEPTH} either: the caller's
 * thread already cut what was logged, and `base` or child bindings are written as the code set them.
 */
export function needsCleaning(text: string): boolean {
  return text.includes('\\') || CONTENT_FIELD.test(text) || SECRET_FIELD.test(text) || scrubSecrets(text) !== text;
}

/** How strings are cleaned: `content` marks values under a {@link CONTENT_KEY} field. */
interface Cleaning {
  /** Personal data out of content; `'later'`: strings are left as they are for the log thread, which cleans them. */
  readonly redactText: ((text: string) => string) | 'later' | undefined;
  readonly content: boolean;
}

const cleanString = (text: string, c: Cleaning): string => {
  if (c.redactText === 'later') return text;
  const scrubbed = scrubSecrets(text);
  if (!c.content) return scrubbed;
  return c.redactText === undefined ? `[${text.length} chars]` : c.redactText(scrubbed);
};

/**
 * `value` with credential-keyed fields replaced, every string scrubbed of secrets and, under content fields, of
 * personal data (a copy; errors keep their type, message, code and stack).
 */
export function scrubLogValue(value: unknown, redactText?: (text: string) => string): unknown {
  return clean(value, { redactText, content: false }, 0);
}

/**
 * Whether cleaning `value` for the log thread (strings left as they are) would change anything: a credential-keyed
 * field, an error, or nesting past {@link MAX_DEPTH}. Most lines have none, and are then handed on as they are instead
 * of copied (the copy was most of this thread's cost per line).
 */
function untouchedLater(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (depth >= MAX_DEPTH || value instanceof Error) return false;
  if (Array.isArray(value)) {
    for (const v of value) if (!untouchedLater(v, depth + 1)) return false;
    return true;
  }
  for (const k in value) {
    if (!Object.hasOwn(value, k)) continue;
    const v = (value as Record<string, unknown>)[k];
    if (keyKind(k) === SECRET && v !== undefined && v !== null) return false;
    if (!untouchedLater(v, depth + 1)) return false;
  }
  return true;
}

function clean(value: unknown, c: Cleaning, depth: number): unknown {
  if (c.redactText === 'later' && depth === 0 && untouchedLater(value, 0)) return value;
  if (typeof value === 'string') return cleanString(value, c);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return {
      type: value.name,
      message: cleanString(value.message, { ...c, content: false }),
      ...(typeof code === 'string' ? { code } : {}),
      ...(value.stack === undefined ? {} : { stack: cleanString(value.stack, { ...c, content: false }) }),
    };
  }
  if (Array.isArray(value)) return value.map((v) => clean(v, c, depth + 1));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[k];
    const kind = keyKind(k);
    if (kind === SECRET && v !== undefined && v !== null) out[k] = REDACTED;
    else out[k] = clean(v, kind === CONTENT && !c.content ? { ...c, content: true } : c, depth + 1);
  }
  return out;
}

const PLAIN = 0;
const SECRET = 1;
const CONTENT = 2;
/** What a field name says about its value, remembered per name (log lines repeat the same few dozen names). */
const kinds = new Map<string, number>();
function keyKind(k: string): number {
  let kind = kinds.get(k);
  if (kind === undefined) {
    kind = SECRET_KEY.test(k) ? SECRET : CONTENT_KEY.test(k) ? CONTENT : PLAIN;
    if (kinds.size < 10_000) kinds.set(k, kind);
  }
  return kind;
}

/** The stream of a log thread (pino's transport: a thread-stream). */
type ThreadStream = DestinationStream & {
  end(): void;
  flush(cb: (error?: Error) => void): void;
  flushSync(): void;
  once(event: 'close', f: () => void): void;
  on(event: 'close', f: () => void): void;
};

/** How long a line may wait before it is handed to the log thread, and how much text is handed over at once at most. */
const BATCH_MS = 10;
const BATCH_CHARS = 64 * 1024;

/**
 * Lines on their way to the log thread, handed over in batches: the thread-stream wakes the thread once per hand-over,
 * and an agent run's lines come a few hundred microseconds apart, each in a turn of the event loop of its own — so one
 * wake-up per line (two context switches, a notification) cost about as much as the line itself. Batched every
 * {@link BATCH_MS} ms (or {@link BATCH_CHARS} characters), the thread wakes about a hundred times a second and cleans a
 * batch in one go. Nothing is lost to the delay: closing, flushing and the process's exit hand over what waits first.
 */
class Batches {
  private pending = '';
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(readonly thread: ThreadStream) {}

  write(line: string): void {
    this.pending += line;
    if (this.pending.length >= BATCH_CHARS) this.handOver();
    else if (this.timer === undefined) this.timer = setTimeout(this.handOver, BATCH_MS).unref();
  }

  /** Hands what waits to the thread-stream (which copies it into the thread's buffer). */
  readonly handOver = (): void => {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    this.thread.write(text);
  };

  flush(cb: (error?: Error) => void): void {
    this.handOver();
    this.thread.flush(cb);
  }

  flushSync(): void {
    this.handOver();
    this.thread.flushSync();
  }
}

/** Batches of log threads made here and not closed yet (only those are ended by {@link closeLogger}). */
const live = new Set<Batches>();
/**
 * At exit, every batch goes to its thread before pino's own exit hook flushes and ends the thread-stream: a listener
 * put in front of all others, once.
 */
let exitHooked = false;
function handOverAll(): void {
  for (const b of live) b.handOver();
}

/** The log thread's stream: a pino transport running runtime/log-worker (through log-worker.dev.mjs from TypeScript sources). */
function threadStream(thread: NonNullable<LogOptions['thread']>): Batches {
  if (!exitHooked) process.prependListener('exit', handOverAll);
  exitHooked = true;
  const source = extname(fileURLToPath(import.meta.url)) === '.ts';
  const target = fileURLToPath(new URL(source ? './log-worker.dev.mjs' : './log-worker.js', import.meta.url));
  const options: LogWorkerOptions = {
    dest: thread.dest ?? 1,
    ...(thread.redactModule === undefined ? {} : { redactModule: thread.redactModule }),
  };
  const stream = pino.transport({ target, options }) as ThreadStream;
  const batches = new Batches(stream);
  live.add(batches);
  // The thread scrubs what this thread's registry knows: every secret, in line order (a line logged after a secret was
  // registered is scrubbed of it, as on this thread).
  const stop = watchSecrets((value, kind) => batches.write(secretLine(value, kind)));
  stream.on('close', () => {
    stop();
    live.delete(batches);
  });
  return batches;
}

/** A new process logger. */
export function createLogger(options: LogOptions = {}): Logger {
  const thread = options.destination === undefined && options.pretty !== true && options.level !== 'silent' ? options.thread : undefined;
  const destination =
    options.destination ??
    (options.pretty === true ? prettyStream() : thread !== undefined ? threadStream(thread) : pino.destination({ dest: 1, sync: true }));
  const redactText = thread !== undefined ? 'later' : options.redactText;
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      // Errors are already turned into `{type, message, code, stack}` by the cleaning below; pino's own `err` serializer
      // would see that plain object and call it type "Object".
      serializers: { err: (e: unknown) => e },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => clean(object, { redactText, content: false }, 0) as Record<string, unknown>,
      },
      // The message (and any interpolation argument) is scrubbed like the fields (by the log thread when there is one).
      hooks:
        thread !== undefined
          ? {}
          : {
              logMethod(args, method) {
                const scrubbed = args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a)) as Parameters<typeof method>;
                method.apply(this, scrubbed);
              },
            },
    },
    destination,
  );
}

/**
 * Ends a logger made by {@link createLogger}: with a log thread, resolves once the thread wrote every line and closed its
 * destination (process exit does the same by itself); otherwise once its stream is flushed.
 */
export async function closeLogger(log: Logger): Promise<void> {
  const stream = (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
  if (!(stream instanceof Batches)) return;
  stream.handOver();
  const closed = new Promise<void>((resolve) => stream.thread.once('close', resolve));
  stream.thread.end();
  await closed;
}

/** A logger that writes nothing (libraries and tests that do not pass one). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Lines for a person at a terminal. */
function prettyStream(): DestinationStream {
  // Loaded only when asked for: JSON output never pays for it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as PrettyFactory & { default?: PrettyFactory };
  return (pretty.default ?? pretty)({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
}

type PrettyFactory = (options: Record<string, unknown>) => DestinationStream;
