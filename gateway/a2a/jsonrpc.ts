/**
 * JSON-RPC 2.0 framing of the A2A binding: reading one request (parse error -32700, invalid
 * request -32600), errors with stable codes, and the two ways an answer goes out — one JSON
 * response, or an SSE stream of responses with the request's id.
 */
import type { ServerResponse } from 'node:http';
import type { ZodType } from 'zod';
import { formatIssues, isTroupeError, scrubSecrets } from '../../protocols/index.js';
import { systemClock, type Clock } from '../../runtime/index.js';
import { every } from '../clock.js';
import { A2A_ERRORS } from './types.js';

/** A JSON-RPC request id. */
export type RpcId = string | number | null;

/** A failure that answers as a JSON-RPC error with `code`. */
export class RpcError extends Error {
  override name = 'RpcError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** One well-formed request. */
export interface RpcRequest {
  readonly id: RpcId;
  readonly method: string;
  readonly params: unknown;
}

/** Checks the envelope of a parsed body; throws {@link RpcError} -32600 when it is not a request. */
export function parseRequest(body: unknown): RpcRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new RpcError(A2A_ERRORS.INVALID_REQUEST, 'Invalid Request: expected one JSON-RPC request object (batches are not supported)');
  const r = body as Record<string, unknown>;
  if (r['jsonrpc'] !== '2.0') throw new RpcError(A2A_ERRORS.INVALID_REQUEST, 'Invalid Request: jsonrpc must be "2.0"');
  const id = r['id'];
  if (id !== undefined && id !== null && typeof id !== 'string' && !(typeof id === 'number' && Number.isInteger(id)))
    throw new RpcError(A2A_ERRORS.INVALID_REQUEST, 'Invalid Request: id must be a string, an integer or null');
  if (typeof r['method'] !== 'string' || r['method'] === '')
    throw new RpcError(A2A_ERRORS.INVALID_REQUEST, 'Invalid Request: method must be a non-empty string');
  return { id: (id ?? null) as RpcId, method: r['method'], params: r['params'] };
}

/** The id of a body that may not be a valid request (for error responses); null when none. */
export function idOf(body: unknown): RpcId {
  if (typeof body !== 'object' || body === null) return null;
  const id = (body as { id?: unknown }).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)) ? id : null;
}

/** Parses `params` with `schema`, or throws -32602 naming the bad fields. */
export function parseParams<T>(schema: ZodType<T>, params: unknown): T {
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    throw new RpcError(A2A_ERRORS.INVALID_PARAMS, 'Invalid params: expected an object');
  const r = schema.safeParse(params);
  if (!r.success) throw new RpcError(A2A_ERRORS.INVALID_PARAMS, `Invalid params: ${formatIssues(r.error.issues)}`);
  return r.data;
}

/** The error object of a response for `e` (internal errors keep their message out). */
export function errorObject(e: unknown): { code: number; message: string; data?: unknown } {
  if (e instanceof RpcError) return { code: e.code, message: scrubSecrets(e.message), ...(e.data === undefined ? {} : { data: e.data }) };
  if (isTroupeError(e)) return { code: A2A_ERRORS.INTERNAL_ERROR, message: scrubSecrets(e.message), data: { code: e.code } };
  return { code: A2A_ERRORS.INTERNAL_ERROR, message: 'Internal error' };
}

/** Sends one JSON-RPC response (HTTP 200, as the SDK's server does, even for errors). */
export function sendRpc(res: ServerResponse, id: RpcId, outcome: { result: unknown } | { error: unknown }): void {
  const error = 'error' in outcome ? errorObject(outcome.error) : undefined;
  const text = JSON.stringify(
    error === undefined ? { jsonrpc: '2.0', id, result: (outcome as { result: unknown }).result } : { jsonrpc: '2.0', id, error },
  );
  res.writeHead(error?.code === A2A_ERRORS.INTERNAL_ERROR ? 500 : 200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** An open SSE stream of JSON-RPC responses to one request. */
export interface RpcStream {
  /** Writes one result; false when the stream is closed or the client is too slow (then it is ended). */
  send(result: unknown): boolean;
  /** Writes an error event and ends the stream. */
  fail(error: unknown): void;
  end(): void;
  readonly closed: boolean;
}

/**
 * Opens an SSE stream answering request `id`; a client that lets `maxBuffered` bytes pile up is
 * cut off. A comment line every `keepAliveMs` keeps idle streams open through proxies.
 */
export function openStream(
  res: ServerResponse,
  id: RpcId,
  maxBuffered: number,
  onClose: () => void,
  keepAliveMs = 15_000,
  clock: Clock = systemClock,
): RpcStream {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  let closed = false;
  const keepAlive = every(clock, keepAliveMs, () => res.write(': keepalive\n\n'), { unref: true });
  const close = (): void => {
    if (closed) return;
    closed = true;
    keepAlive.stop();
    onClose();
  };
  res.on('close', close);
  if (res.destroyed) close(); // the client left while the run was being started
  const stream: RpcStream = {
    get closed() {
      return closed;
    },
    send(result) {
      if (closed) return false;
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', id, result })}\n\n`);
      if (res.writableLength > maxBuffered) {
        // Destroyed, not ended: an ending stream would hold what it queued until the reader reads.
        res.destroy();
        close();
        return false;
      }
      return true;
    },
    fail(error) {
      if (!closed) res.write(`event: error\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, error: errorObject(error) })}\n\n`);
      stream.end();
    },
    end() {
      if (!res.writableEnded) res.end();
      close();
    },
  };
  return stream;
}
