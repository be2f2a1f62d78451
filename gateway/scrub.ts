/**
 * What the gateway writes to logs and error bodies goes through here: request URLs are logged by
 * path only (a query string may carry `api_key=` or `token=`), and every message is scrubbed of
 * the secrets the process knows (protocols/secrets.ts).
 */
import { scrubSecrets } from '../protocols/index.js';

/** The path of a request URL for a log line: never its query string or fragment. */
export function logPath(url: string | undefined): string {
  const raw = url ?? '';
  const cut = raw.search(/[?#]/);
  return scrubSecrets(cut < 0 ? raw : raw.slice(0, cut)).slice(0, 2048);
}

/** A log function that scrubs every line before `log` sees it. */
export function scrubbingLog(log: (message: string) => void): (message: string) => void {
  return (message) => log(scrubSecrets(message));
}
