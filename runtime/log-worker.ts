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
import { scrubLogValue } from './log.js';

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
  /** Writes one line; false when it has text to redact and the module is not loaded yet (nothing written). */
  const line = (text: string): boolean => {
    if (text === '') return true;
    if (text.startsWith(SECRET_LINE_START)) {
      registerLine(text);
      return true;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      out.write(`${JSON.stringify({ level: 'warn', event: 'log.unreadable', chars: text.length })}\n`);
      return true;
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
    if (pending) return false;
    out.write(`${JSON.stringify(cleaned)}\n`);
    return true;
  };
  const lines = async (all: readonly string[]): Promise<void> => {
    for (const l of all) {
      if (line(l)) continue;
      redact = await loadRedaction(options.redactModule);
      line(l);
    }
  };
  return new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _encoding, done) {
      const all = (partial + chunk.toString()).split('\n');
      partial = all.pop() ?? '';
      lines(all).then(() => done(), done);
    },
    final(done) {
      const last = partial;
      partial = '';
      lines([last]).then(() => {
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
