/**
 * How the process logger tells its thread (runtime/log-worker.ts) of a secret to scrub (ADR 0034): a line of its own in
 * the same stream as the log lines, so it arrives in order. pino's lines always start with `{"level":`, so no logged
 * value can be taken for one.
 */

/** What starts a secret line. */
export const SECRET_LINE_START = '{"$troupe.secret":';

/** The line that registers `value` in the log thread. */
export function secretLine(value: string, kind: 'configured' | 'presented'): string {
  return `${SECRET_LINE_START}${JSON.stringify(value)},"kind":"${kind}"}\n`;
}

/** What the logger passes to its thread. */
export interface LogWorkerOptions {
  /** File descriptor or path the lines go to. */
  readonly dest: number | string;
  /** A module exporting `redactPersonalData(text): string`; without it content is logged as its length. */
  readonly redactModule?: string;
}
