/**
 * What the CLI's admin commands (`deadletters`, `experiments`, `optimize`, `finetune`, `datasets`) share: one call of a
 * gateway route with the session's key, and number flags.
 */
import { GatewayError } from '../gateway/client/index.js';
import { UsageError } from './command.js';
import type { Session } from './session.js';

/** Calls a route of the gateway; throws a GatewayError with the server's `code` and `detail` on a non-2xx answer. */
export async function adminCall<T>(s: Session, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (s.key !== undefined) headers['authorization'] = `Bearer ${s.key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${s.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  if (!res.ok) {
    let parsed: { detail?: unknown; code?: unknown } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // not JSON: the text is the detail
    }
    throw new GatewayError(String(parsed.code ?? res.status), `${method} ${path}: HTTP ${res.status} ${String(parsed.detail ?? text)}`);
  }
  return JSON.parse(text) as T;
}

/** The number a flag holds (undefined when absent), or a usage error naming the flag (`--budget`). */
export function numberFlag(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`${flag} expects a number, got ${JSON.stringify(v)}`);
  return n;
}
