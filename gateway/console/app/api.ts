/**
 * Calls to the gateway's HTTP APIs from the page: same origin, the signed-in key or JWT as the bearer header. The
 * credential lives in sessionStorage only (gone when the tab closes; never in localStorage, a cookie or a URL).
 */
const TOKEN_KEY = 'troupe.console.token';

/** The credential of this tab's session, if the user signed in. */
export function sessionToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/** Keeps (or with `undefined` forgets) the credential for this tab's session. */
export function setSessionToken(token: string | undefined): void {
  if (token === undefined) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** A failed API call: the HTTP status and the gateway's `{detail}`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Calls `path` (e.g. `/acp/threads/search`) with a JSON body when given (POST unless `method` says), returning the JSON answer. */
export async function api<T>(path: string, body?: unknown, method?: string, token: string | undefined = sessionToken()): Promise<T> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const detail = (json as { detail?: unknown } | undefined)?.detail;
    throw new ApiError(res.status, typeof detail === 'string' ? detail : `HTTP ${res.status}`);
  }
  return json as T;
}

/** An assistant (agent or workflow) as `/acp/assistants/search` lists it. */
export interface Assistant {
  readonly assistant_id: string;
  readonly name?: string;
  readonly metadata?: Record<string, unknown>;
}

/** Every agent and workflow the caller may run. */
export function listAssistants(token?: string): Promise<Assistant[]> {
  return api<Assistant[]>('/acp/assistants/search', { limit: 1000 }, 'POST', token ?? sessionToken());
}

/** The text of an error for the page (no stack). */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
