/**
 * The log's own thread (ADR 0034): the process logger (runtime/log.ts) hands it JSON lines with credential-keyed fields
 * already replaced, and it cleans every string — registered secrets and credential shapes scrubbed (its registry mirrors
 * the process's, told line by line), personal data removed from what users and models wrote — and writes the lines in
 * order. A redaction module that cannot be loaded fails closed: such text is then logged only as its length.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { registerPresentedSecret, registerSecret } from '../protocols/index.js';
import { SECRET_LINE_START, type LogWorkerOptions } from './log-secrets.js';
import { needsCleaning, scrubLogValue } from './log.js';

/** Loads the personal-data redaction, or nothing when it is not named or cannot be loaded. */
async function loadRedaction(module: string | undefined): Promise<((text: string) => string) | undefined> {
  if (module === undefined) return undefined;
  try {
    const loaded = (await import(module)) as { redactPersonalData?: unknown };
    return typeof loaded.redactPersonalData === 'function' ? (loaded.redactPersonalData as (text: string) => string) : undefined;
  } catch {
    return undefined;
  }
}

/** Registers the secret a secret line carries (never written out). */
function registerLine(text: string): void {
  try {
    const { [SECRET_LINE_START.slice(2, -2)]: value, kind } = JSON.parse(text) as Record<string, unknown>;
    if (typeof value !== 'string') return;
    if (kind === 'presented') registerPresentedSecret(value);
    else registerSecret(value);
  } catch {
    // not a line the logger wrote: dropped
  }
}

/** The destination stream of the log thread (pino's transport contract: a default export returning a stream). */
export default function logWorker(options: LogWorkerOptions): Writable {
  // The redaction module is loaded when a line first has text to redact (many processes never log any): until then it is
  // `null`; after, the function or `undefined` (not named or not loadable: content logged as its length).
  let redact: ((text: string) => string) | undefined | null = options.redactModule === undefined ? undefined : null;
  const out = pino.destination({ dest: options.dest, sync: true, mkdir: typeof options.dest === 'string' });
  let partial = '';
  /**
   * One line as it is written (with its newline; '' for none), or `undefined` when it has text to redact and the module
   * is not loaded yet.
   */
  const line = (text: string): string | undefined => {
    if (text === '') return '';
    if (text.startsWith(SECRET_LINE_START)) {
      registerLine(text);
      return '';
    }
    if (!needsCleaning(text)) return `${text}\n`;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return `${JSON.stringify({ level: 'warn', event: 'log.unreadable', chars: text.length })}\n`;
    }
    let pending = false;
    const cleaned = scrubLogValue(
      value,
      redact !== null
        ? redact
        : (t) => {
            pending = true;
            return t;
          },
    );
    return pending ? undefined : `${JSON.stringify(cleaned)}\n`;
  };
  /** Writes whole lines (`text` ends with a newline), in order, with one write per batch. */
  const lines = async (text: string): Promise<void> => {
    if (text === '') return;
    // Most batches need no cleaning at all (see `needsCleaning`): one check, one write.
    if (!text.includes(SECRET_LINE_START) && !needsCleaning(text)) {
      out.write(text);
      return;
    }
    let batch = '';
    for (const l of text.split('\n')) {
      let written = line(l);
      if (written === undefined) {
        if (batch !== '') out.write(batch);
        batch = '';
        redact = await loadRedaction(options.redactModule);
        written = line(l) ?? '';
      }
      batch += written;
    }
    if (batch !== '') out.write(batch);
  };
  /** The whole lines of what came so far; the rest waits for its newline. */
  const whole = (chunk: string): string => {
    const text = partial + chunk;
    const cut = text.lastIndexOf('\n') + 1;
    partial = text.slice(cut);
    return text.slice(0, cut);
  };
  return new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _encoding, done) {
      lines(whole(chunk.toString())).then(() => done(), done);
    },
    final(done) {
      const last = partial;
      partial = '';
      lines(last === '' ? '' : `${last}\n`).then(() => {
        out.flushSync();
        done();
      }, done);
    },
    destroy(error, done) {
      out.end();
      done(error);
    },
  });
}
