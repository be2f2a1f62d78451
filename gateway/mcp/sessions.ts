/**
 * MCP sessions over the mesh (ADR 0022). Requests stay stateless (ADR 0009): any node answers any POST. What a
 * session holds lives in the mesh, not in a gateway:
 * - its resource subscriptions, in storage bucket `mcp` under `[tenant, 's', session]` (written by
 *   `resources/subscribe` / `unsubscribe` on any node) and announced on topic `mcp.session.<session>`;
 * - its standalone SSE stream (`GET /mcp`), held by the node the GET landed on: it watches the resource sources
 *   (the store announces changes mesh-wide) and sends `notifications/resources/updated` for subscribed URIs;
 * - answers to server-to-client requests (sampling, elicitation), relayed on topic `mcp.reply.<session>` to the
 *   node whose request is waiting for them.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, McpError, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Subscription } from '../../runtime/index.js';
import type { GatewayDeps, Principal } from '../types.js';
import type { McpResourceSource, McpUnwatch } from './resources.js';

/** Storage bucket of session records. */
export const MCP_BUCKET = 'mcp';
/** Most subscriptions one session may hold. */
export const MAX_SUBSCRIPTIONS = 100;
/** Longest URI a subscription may name. */
export const MAX_URI_CHARS = 2048;
/** Keep-alive comment period of a standalone stream (below common proxy idle timeouts). */
const KEEPALIVE_MS = 25_000;

/** A session's record. */
interface SessionRecord {
  /** Who subscribed (another subject of the same tenant may not use the session). */
  readonly subject: string;
  readonly uris: readonly string[];
}

/** What travels on a session's topic. */
type SessionEvent = { readonly op: 'subscriptions'; readonly uris: readonly string[] } | { readonly op: 'end' };

const SESSION_TOKEN = /^[A-Za-z0-9_-]{1,100}$/;

/** A session id as a topic token: ids come from clients, so anything outside `[A-Za-z0-9_-]{1,100}` is hashed. */
export function sessionToken(session: string): string {
  return SESSION_TOKEN.test(session) ? session : `h-${createHash('sha256').update(session).digest('hex').slice(0, 40)}`;
}

const token = sessionToken;

/** Topic of session events. */
export function sessionTopic(session: string): string {
  return `mcp.session.${token(session)}`;
}

/** Topic answers to the session's server-to-client requests travel on. */
export function replyTopic(session: string): string {
  return `mcp.reply.${token(session)}`;
}

function recordKey(principal: Principal, session: string): string[] {
  return [principal.tenant, 's', token(session)];
}

async function loadRecord(deps: GatewayDeps, principal: Principal, session: string): Promise<SessionRecord | undefined> {
  return deps.system.storage.bucket(MCP_BUCKET).get<SessionRecord>(recordKey(principal, session));
}

/** Adds (`add` true) or removes `uri` from the session's subscriptions, on any node. */
export async function updateSubscription(
  deps: GatewayDeps,
  principal: Principal,
  session: string | undefined,
  uri: string,
  add: boolean,
): Promise<void> {
  if (session === undefined)
    throw new McpError(ErrorCode.InvalidRequest, 'Subscriptions need a session: send the Mcp-Session-Id that initialize returned');
  if (uri.length > MAX_URI_CHARS) throw new McpError(ErrorCode.InvalidParams, `URI longer than ${MAX_URI_CHARS} characters`);
  const bucket = deps.system.storage.bucket(MCP_BUCKET);
  const key = recordKey(principal, session);
  const record = await bucket.get<SessionRecord>(key);
  if (record !== undefined && record.subject !== principal.subject) throw new McpError(ErrorCode.InvalidRequest, 'Session not found');
  const uris = new Set(record?.uris ?? []);
  if (add) {
    if (!uris.has(uri) && uris.size >= MAX_SUBSCRIPTIONS)
      throw new McpError(ErrorCode.InvalidParams, `A session holds at most ${MAX_SUBSCRIPTIONS} subscriptions`);
    uris.add(uri);
  } else uris.delete(uri);
  const next: SessionRecord = { subject: principal.subject, uris: [...uris] };
  await bucket.put(key, next);
  const event: SessionEvent = { op: 'subscriptions', uris: next.uris };
  await deps.system.publish(sessionTopic(session), event, { tenant: principal.tenant });
}

/** Ends a session (`DELETE /mcp`): drops its record and closes its standalone stream wherever it is. */
export async function endSession(deps: GatewayDeps, principal: Principal, session: string): Promise<void> {
  const record = await loadRecord(deps, principal, session);
  if (record !== undefined && record.subject !== principal.subject) return;
  await deps.system.storage.bucket(MCP_BUCKET).delete(recordKey(principal, session));
  const event: SessionEvent = { op: 'end' };
  await deps.system.publish(sessionTopic(session), event, { tenant: principal.tenant });
}

/** Passes a client's answers to server-to-client requests to the node waiting for them. */
export async function relayReplies(deps: GatewayDeps, principal: Principal, session: string, replies: readonly unknown[]): Promise<void> {
  for (const r of replies) await deps.system.publish(replyTopic(session), r, { tenant: principal.tenant });
}

/**
 * Serves `GET /mcp` of `session`: an SSE stream that carries `notifications/resources/updated` for the session's
 * subscribed URIs until the client goes or the session ends.
 */
export async function serveSessionStream(
  deps: GatewayDeps,
  principal: Principal,
  session: string,
  sources: readonly McpResourceSource[],
  res: ServerResponse,
  req: IncomingMessage,
): Promise<void> {
  const record = await loadRecord(deps, principal, session);
  if (record !== undefined && record.subject !== principal.subject) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
    return;
  }
  let uris = new Set(record?.uris ?? []);
  const subs: Subscription[] = [];
  const unwatch: McpUnwatch[] = [];
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(keepalive);
    for (const s of subs) s.unsubscribe();
    for (const u of unwatch) u();
    res.end();
  };
  const send = (message: JSONRPCMessage): void => {
    if (!closed) res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  };
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'mcp-session-id': session,
  });
  res.flushHeaders();
  const keepalive = setInterval(() => {
    if (!closed) res.write(': keep-alive\n\n');
  }, KEEPALIVE_MS);
  keepalive.unref();
  req.on('close', close);
  res.on('close', close);

  subs.push(
    deps.system.subscribe(
      sessionTopic(session),
      (env) => {
        const e = env.payload as SessionEvent;
        if (e?.op === 'end') close();
        else if (e?.op === 'subscriptions' && Array.isArray(e.uris)) uris = new Set(e.uris);
      },
      { tenant: principal.tenant },
    ),
  );
  for (const source of sources) {
    const w = source.watch?.(principal, (uri) => {
      if (uris.has(uri)) send({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri } });
    });
    if (w !== undefined) unwatch.push(w);
  }
  // A subscription written between the first read and the topic subscription would be missed: read once more.
  const again = await loadRecord(deps, principal, session);
  if (again !== undefined && again.subject === principal.subject) uris = new Set(again.uris);
}
