/**
 * What the gateway writes to logs and error bodies goes through here: request URLs are logged by
 * path only (a query string may carry `api_key=` or `token=`), and every message is scrubbed of
 * the secrets the process knows (protocols/secrets.ts).
 */
import { scrubSecrets, traceparentSchema } from '../protocols/index.js';

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

/**
 * The trace id a request's log line carries: the one of its W3C `traceparent` header when it sent a valid one,
 * else undefined (the line is still written).
 */
export function traceIdOf(req: { readonly headers: Record<string, string | string[] | undefined> }): string | undefined {
  const h = req.headers['traceparent'];
  const value = Array.isArray(h) ? h[0] : h;
  return value !== undefined && traceparentSchema.safeParse(value).success ? value.slice(3, 35) : undefined;
}
