/**
 * HTTP helpers every gateway part shares (/ws, /acp, /mcp, /a2a, ops): JSON bodies with a size
 * limit, JSON responses, one mapping from TroupeError codes to HTTP statuses with `{detail}`
 * bodies (docs/gateway-acp.md, “Errors”), and Origin/CORS checks.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  TroupeError,
  TooLargeError,
  ValidationError,
  isTroupeError,
  parseWireJson,
  scrubSecrets,
  type ErrorCode,
} from '../protocols/index.js';

/** Default largest request body the gateway reads (1 MiB). */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

const BODY_LIMIT = Symbol('troupe.bodyLimit');

/** Sets the body limit `readBody`/`readJson` apply to `req` by default (the server sets config's). */
export function setBodyLimit(req: IncomingMessage, limitBytes: number): void {
  (req as IncomingMessage & { [BODY_LIMIT]?: number })[BODY_LIMIT] = limitBytes;
}

/** The body limit for `req`: the server's configured one, else {@link DEFAULT_BODY_LIMIT}. */
export function bodyLimitOf(req: IncomingMessage): number {
  return (req as IncomingMessage & { [BODY_LIMIT]?: number })[BODY_LIMIT] ?? DEFAULT_BODY_LIMIT;
}

/** An error with a stable code for the HTTP and WS error paths (codes without their own class). */
export function gatewayError(code: ErrorCode, message: string, details?: Record<string, unknown>): TroupeError {
  return new TroupeError(code, message, details === undefined ? undefined : { details });
}

/** A `rate_limited` error whose `retry-after` (seconds, rounded up) the responses carry. */
export function rateLimitedError(retryAfterMs: number, message = 'rate limit exceeded'): TroupeError {
  return gatewayError('rate_limited', message, { retryAfterMs: Math.max(0, Math.ceil(retryAfterMs)) });
}

/**
 * An `unprocessable` error (HTTP 422): the body parsed but a field has the wrong type or value.
 * Response bodies and WS error frames say `bad_request`, the family it refines.
 */
export function unprocessableError(message: string): TroupeError {
  return new TroupeError('unprocessable', message);
}

/** A `method_not_allowed` error (HTTP 405): a known path asked with a method it does not take. */
export function methodNotAllowedError(message: string): TroupeError {
  return new TroupeError('method_not_allowed', message);
}

/** Codes that refine `bad_request` with their own HTTP status; clients see them as `bad_request`. */
const BAD_REQUEST_REFINEMENTS: ReadonlySet<ErrorCode> = new Set([
  'unprocessable',
  'method_not_allowed',
  'unsupported_media_type',
  'upgrade_required',
]);

/** True for a `bad_request` error or one of its refinements (422, 405, 415, 426). */
export function isBadRequest(e: unknown): e is TroupeError {
  return isTroupeError(e) && (e.code === 'bad_request' || BAD_REQUEST_REFINEMENTS.has(e.code));
}

/** The code a client sees for `code` in an HTTP error body: a refinement of bad_request shows as `bad_request`. */
export function publicCode(code: ErrorCode): ErrorCode {
  return BAD_REQUEST_REFINEMENTS.has(code) ? 'bad_request' : code;
}

/** Reads the whole body, rejecting with `too_large` past `limitBytes` (default: the server's limit; the rest is discarded). */
export function readBody(req: IncomingMessage, limitBytes: number = bodyLimitOf(req)): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limitBytes) {
      req.resume();
      reject(new TooLargeError(`request body of ${declared} bytes exceeds the ${limitBytes}-byte limit`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limitBytes) {
        failed = true;
        chunks.length = 0;
        reject(new TooLargeError(`request body exceeds the ${limitBytes}-byte limit`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
      failed = true;
    });
  });
}

/**
 * Reads a JSON body: `bad_request` for malformed JSON or a value outside the client limits
 * (nesting, unpaired surrogates, prototype keys — protocols/limits.ts), `too_large` past
 * `limitBytes`, 415 for a body that is not declared JSON; an empty body is `undefined`.
 */
export async function readJson(req: IncomingMessage, limitBytes: number = bodyLimitOf(req)): Promise<unknown> {
  const body = await readBody(req, limitBytes);
  if (body.length === 0) return undefined;
  assertJsonContentType(req);
  return parseWireJson(body.toString('utf8'), 'request body');
}

/** True for `application/json`, `application/*+json` (and no other media type). */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const type = value.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/**
 * Refuses (415, `unsupported_media_type`) a request whose body is not declared JSON: a browser can send `text/plain` or a
 * form to any origin without a preflight, so such a body is never parsed as JSON.
 */
export function assertJsonContentType(req: IncomingMessage): void {
  const ct = req.headers['content-type'];
  if (!isJsonContentType(typeof ct === 'string' ? ct : undefined)) {
    throw new TroupeError(
      'unsupported_media_type',
      `request bodies must be JSON: send content-type application/json (got ${JSON.stringify(ct ?? null).slice(0, 80)})`,
    );
  }
}

/** Sends `body` as JSON with `status` (headers may add or override, e.g. content-location). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The one map from error codes to HTTP statuses; codes not listed are 500. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  bad_request: 400,
  unprocessable: 422,
  method_not_allowed: 405,
  unsupported_media_type: 415,
  upgrade_required: 426,
  decode_error: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  no_recipient: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  budget_exceeded: 429,
  mailbox_full: 503,
  unavailable: 503,
  actor_stopped: 503,
  system_stopped: 503,
  deadline_exceeded: 504,
};

/** The HTTP status for an error: its code's status, else 500. */
export function statusOf(error: unknown): number {
  if (!isTroupeError(error)) return 500;
  return STATUS[error.code] ?? 500;
}

/** Seconds to put in `retry-after` for a rate-limited error (at least 1), or undefined. */
export function retryAfterSeconds(error: unknown): number | undefined {
  if (!isTroupeError(error, 'rate_limited')) return undefined;
  const ms = error.details?.['retryAfterMs'];
  return Math.max(1, Math.ceil((typeof ms === 'number' ? ms : 1000) / 1000));
}

/**
 * Answers with the standard error response `{detail}` (plus `code`); 5xx bodies hide internal
 * messages. Safe to call after headers went out (then it just ends the response).
 */
export function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const status = statusOf(error);
  const code = isTroupeError(error) ? publicCode(error.code) : 'internal';
  const detail = status >= 500 && !isTroupeError(error) ? 'internal error' : scrubSecrets((error as Error)?.message ?? String(error));
  const headers: Record<string, string> = {};
  const retry = retryAfterSeconds(error);
  if (retry !== undefined) headers['retry-after'] = String(retry);
  if (status === 401) headers['www-authenticate'] = 'Bearer';
  if (status === 413) return answerOversized(res, { detail, code }, headers);
  sendJson(res, status, { detail, code }, headers);
}

/** What the gateway reads and drops of an oversized body before its 413, and for how long. */
const DRAIN_BYTES = 32 * 1024 * 1024;
const DRAIN_MS = 10_000;

/**
 * A 413 for a body the client may still be sending: the rest is read and dropped first (up to DRAIN_BYTES or
 * DRAIN_MS), then the answer goes out. Answering at once and closing resets a connection with unread data under it,
 * and the reset discards the 413 in the client's receive buffer (`fetch` then says only "fetch failed"). Past the
 * bound the answer goes out with `connection: close` and the socket is closed after it.
 */
function answerOversized(res: ServerResponse, body: unknown, headers: Record<string, string>): void {
  const req = res.req as IncomingMessage | undefined;
  if (req === undefined || req.complete || req.readableEnded || req.destroyed) {
    sendJson(res, 413, body, headers);
    return;
  }
  let dropped = 0;
  let answered = false;
  const answer = (cut: boolean): void => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    req.off('data', onData);
    if (res.writableEnded || res.destroyed) return;
    if (!cut) return sendJson(res, 413, body, headers);
    sendJson(res, 413, body, { ...headers, connection: 'close' });
    res.once('finish', () => req.socket?.destroy());
  };
  const onData = (chunk: Buffer): void => {
    dropped += chunk.length;
    if (dropped > DRAIN_BYTES) answer(true);
  };
  const timer = setTimeout(() => answer(true), DRAIN_MS);
  timer.unref();
  req.on('data', onData);
  req.once('end', () => answer(false));
  req.once('error', () => answer(true));
  req.resume();
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** True when `host` (a name or address, without port) is a loopback address. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return LOOPBACK_HOSTS.has(h) || h.startsWith('127.') || h === '::ffff:127.0.0.1';
}

/**
 * Origin check (DNS-rebinding defence, MCP §Security): a request without `Origin` is allowed
 * (not a browser); otherwise its origin must be in `allowed` (`*` allows all), be a loopback
 * origin, or be the request's own host (same origin: the console this gateway serves, docs/console.md;
 * while auth is off the `Host` check refuses names other than loopback and configured ones).
 * Returns true when allowed.
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[] = []): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || allowed.includes('*') || allowed.includes(origin)) return true;
  try {
    const url = new URL(origin);
    if (req.headers.host !== undefined && url.host.toLowerCase() === req.headers.host.toLowerCase()) return true;
    return isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''));
  } catch {
    return false;
  }
}

/**
 * Sets CORS headers for an allowed origin and answers preflight `OPTIONS` requests (204).
 * Returns true when the request was a preflight and is fully answered.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowed: readonly string[] = []): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && originAllowed(req, allowed)) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'Origin');
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('access-control-expose-headers', 'content-location, mcp-session-id, retry-after');
  }
  if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) return false;
  res.setHeader('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
  res.setHeader('access-control-allow-headers', req.headers['access-control-request-headers'] ?? 'authorization, content-type');
  res.setHeader('access-control-max-age', '600');
  res.writeHead(204);
  res.end();
  return true;
}

/** The bearer token of an `Authorization: Bearer …` header (also `x-api-key`), or undefined. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    if (m !== null) return m[1];
  }
  const k = req.headers['x-api-key'];
  return typeof k === 'string' && k.length > 0 ? k : undefined;
}

/** The request's path (no query string); `bad_request` for a target that is not a URL path. */
export function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://gateway.invalid').pathname;
  } catch {
    throw new ValidationError('malformed request target');
  }
}

/** True when the request carries a body (a non-zero content-length, or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  if (len !== undefined) return Number(len) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/** True when a `Host` header (name[:port]) names a loopback host or one of `allowed` (`*`: any). */
export function hostNameAllowed(host: string | undefined, allowed: readonly string[] = []): boolean {
  if (host === undefined || host === '') return false;
  if (allowed.includes('*')) return true;
  let name: string;
  try {
    name = new URL(`http://${host}`).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return false;
  }
  return isLoopbackHost(name) || allowed.some((a) => a.toLowerCase() === name);
}

/**
 * The key of a caller's rate-limit and connection buckets: tenant and principal together, so one
 * tenant's traffic never throttles another tenant's callers that happen to share a subject.
 */
export function bucketKey(p: { readonly tenant: string; readonly subject: string }): string {
  return `${p.tenant}\u0000${p.subject}`;
}

/** A route path's segments, decoded (the query string dropped); a malformed segment is a ValidationError. */
export function pathSegments(path: string): string[] {
  return (path.split('?')[0] ?? '')
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new ValidationError(`malformed path segment ${JSON.stringify(s)}`);
      }
    });
}
