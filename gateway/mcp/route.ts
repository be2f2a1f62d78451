/**
 * `/mcp`: MCP Streamable HTTP (docs/gateway-mcp-a2a.md, “MCP”). Requests are stateless (ADR 0009): every POST gets a
 * fresh SDK `Server` + `StreamableHTTPServerTransport`, so any node can answer any request. `initialize` hands out an
 * `Mcp-Session-Id`; what a session holds (resource subscriptions, answers to server-to-client requests) lives in the
 * mesh (ADR 0022, sessions.ts), and `GET /mcp` with it opens the session's notification stream on whichever node.
 * Foreign `Origin`s are refused with 403.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { scrubSecrets } from '../../protocols/index.js';
import { baseUrlOf } from '../a2a/index.js';
import { can, rolesWith, type Permission } from '../auth/index.js';
import { blobStoreOf, mediaPolicy } from '../blobs/index.js';
import { gatewayError, isBadRequest, originAllowed, readJson, sendJson } from '../http.js';
import type { GatewayDeps, HttpRoute, Principal } from '../types.js';
import { conformanceFixtures, type McpFixtures } from './fixtures.js';
import type { McpPromptSource } from './prompts.js';
import type { McpResourceSource } from './resources.js';
import { DEFAULT_MCP_LIMITS, buildMcpServer, type McpBuiltinTool, type McpLimits } from './server.js';
import { endSession, relayReplies, replyTopic, serveSessionStream } from './sessions.js';

/** Options of {@link mcpRoute}. */
export interface McpRouteOptions extends Partial<McpLimits> {
  /** Where it is mounted (default `/mcp`). */
  readonly prefix?: string;
  /** Browser origins allowed besides loopback ones (`*` allows all); others get 403. */
  readonly allowedOrigins?: readonly string[];
  /** Largest JSON-RPC body (default: the server's body limit). */
  readonly bodyLimit?: number;
  /** Tools the gateway serves itself (e.g. `guardrails.check`). */
  readonly builtins?: readonly McpBuiltinTool[];
  /** Resource sources (e.g. `storeResources(deps)`), in `resources/list` order. */
  readonly resources?: readonly McpResourceSource[];
  /** Prompt sources (e.g. the prompt templates), asked in order. */
  readonly prompts?: readonly McpPromptSource[];
  /**
   * Largest tool-result media answered inline as base64 (default config `media.inlineMaxBytes`); larger blobs are a
   * `resource_link` to `/blobs/<sha256>`.
   */
  readonly inlineMediaMaxBytes?: number;
  /** A fixture pack served before everything else: `conformance` (the official conformance suite's tools, resources, prompts). */
  readonly fixtures?: McpFixtures;
}

/** The permission each MCP method needs (gateway/auth/permissions.ts); others (initialize, ping, notifications) need none. */
export const MCP_PERMISSIONS: Readonly<Record<string, Permission>> = {
  'tools/list': 'catalog:read',
  'tools/call': 'tools:call',
  'resources/list': 'store:read',
  'resources/templates/list': 'store:read',
  'resources/read': 'store:read',
  'resources/subscribe': 'store:read',
  'resources/unsubscribe': 'store:read',
  'prompts/list': 'prompts:read',
  'prompts/get': 'prompts:read',
};

/** The first permission a batch of messages needs that `principal` lacks, with its method. */
function missingPermission(principal: Principal, messages: readonly unknown[]): { method: string; permission: Permission } | undefined {
  for (const m of messages) {
    const method = typeof m === 'object' && m !== null ? (m as { method?: unknown }).method : undefined;
    const permission = typeof method === 'string' && Object.hasOwn(MCP_PERMISSIONS, method) ? MCP_PERMISSIONS[method] : undefined;
    if (permission !== undefined && !can(principal, permission)) return { method: method as string, permission };
  }
  return undefined;
}

/** A JSON-RPC response (an answer of the client to a server-to-client request). */
function isResponse(m: unknown): boolean {
  if (typeof m !== 'object' || m === null || 'method' in m) return false;
  return 'id' in m && ('result' in m || 'error' in m);
}

/** A JSON-RPC error response with no id (the request could not be read or was refused). */
function rpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message: scrubSecrets(message) }, id: null }, headers);
}

function isInitialize(body: unknown): boolean {
  const one = (m: unknown): boolean => typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'initialize';
  return Array.isArray(body) ? body.some(one) : one(body);
}

/** The `/mcp` route: the mesh's tools as one MCP server. */
export function mcpRoute(deps: GatewayDeps, options: McpRouteOptions = {}): HttpRoute {
  const limits: McpLimits = {
    callTimeoutMs: options.callTimeoutMs ?? DEFAULT_MCP_LIMITS.callTimeoutMs,
    describeTimeoutMs: options.describeTimeoutMs ?? DEFAULT_MCP_LIMITS.describeTimeoutMs,
  };
  const allowed = options.allowedOrigins ?? [];
  const bodyLimit = options.bodyLimit;
  const fixtures = options.fixtures === 'conformance' ? conformanceFixtures() : undefined;
  const builtins = [...(fixtures?.tools ?? []), ...(options.builtins ?? [])];
  const resources = [...(fixtures?.resources ?? []), ...(options.resources ?? [])];
  const prompts = [...(fixtures?.prompts ?? []), ...(options.prompts ?? [])];
  const blobs = blobStoreOf(deps);
  const inlineMaxBytes = options.inlineMediaMaxBytes ?? mediaPolicy(deps).inlineMaxBytes;

  return {
    prefix: options.prefix ?? '/mcp',
    checksOrigin: true,
    async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
      if (path !== '' && path !== '/') throw gatewayError('not_found', `no such MCP endpoint: ${path}`);
      if (!originAllowed(req, allowed)) {
        rpcError(res, 403, -32000, `Forbidden: origin ${JSON.stringify(req.headers.origin)} is not allowed`);
        return;
      }
      const header = req.headers['mcp-session-id'];
      let session = typeof header === 'string' && header !== '' ? header : undefined;
      if (req.method === 'DELETE') {
        if (session === undefined) {
          rpcError(res, 400, -32000, 'Bad Request: DELETE needs the Mcp-Session-Id of the session to end');
          return;
        }
        await endSession(deps, principal, session);
        res.writeHead(200).end();
        return;
      }
      if (req.method === 'GET') {
        // The session's notification stream; without a session there is nothing to send outside a request.
        if (session === undefined) {
          rpcError(res, 405, -32000, 'Method not allowed: GET needs the Mcp-Session-Id that initialize returned', {
            allow: 'GET, POST, DELETE',
          });
          return;
        }
        if (!String(req.headers.accept ?? '').includes('text/event-stream')) {
          rpcError(res, 406, -32000, 'Not Acceptable: GET needs Accept: text/event-stream');
          return;
        }
        await serveSessionStream(deps, principal, session, resources, res, req);
        return;
      }
      if (req.method !== 'POST') {
        rpcError(res, 405, -32000, 'Method not allowed: POST JSON-RPC messages to this endpoint', { allow: 'GET, POST, DELETE' });
        return;
      }
      let body: unknown;
      try {
        body = await (bodyLimit === undefined ? readJson(req) : readJson(req, bodyLimit));
      } catch (e) {
        if (isBadRequest(e)) return rpcError(res, 400, -32700, `Parse error: ${(e as Error).message}`);
        throw e;
      }
      if (body === undefined) return rpcError(res, 400, -32700, 'Parse error: empty body');
      // JSON-RPC 2.0: an empty batch is an invalid request (the SDK's transport would answer it 202, as if accepted).
      if (Array.isArray(body) && body.length === 0) return rpcError(res, 400, -32600, 'Invalid Request: an empty batch');

      // Answers to server-to-client requests: to the node whose request waits for them (any node of the mesh).
      const messages = Array.isArray(body) ? (body as unknown[]) : [body];
      const missing = missingPermission(principal, messages);
      if (missing !== undefined) {
        const roles = rolesWith(missing.permission).join(', ');
        return rpcError(
          res,
          403,
          -32000,
          `Forbidden: ${missing.method} needs permission ${missing.permission} (granted to roles: ${roles})`,
        );
      }
      if (session !== undefined && messages.length > 0 && messages.every(isResponse)) {
        await relayReplies(deps, principal, session, messages);
        res.writeHead(202).end();
        return;
      }
      if (session === undefined && isInitialize(body)) {
        session = randomUUID();
        res.setHeader('mcp-session-id', session);
      }
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      const server = buildMcpServer({
        deps,
        principal,
        session,
        limits,
        builtins,
        resources,
        prompts,
        media: { blobs, inlineMaxBytes, baseUrl: baseUrlOf(req) },
        onCancelled: () => void transport.close(),
      });
      server.onerror = () => undefined; // per-request noise (a cancelled call's late answer); failures reach the client as JSON-RPC errors
      const relay = session === undefined ? undefined : relayTo(transport, deps, principal, session);
      res.on('close', () => {
        relay?.();
        void server.close().catch(() => undefined);
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    },
  };
}

/**
 * Lets this request's server send requests to the client (sampling, elicitation) whose answers arrive as other POSTs,
 * on any node: outgoing request ids get a prefix unique to this request, and answers carrying it are taken from the
 * session's reply topic and handed to the server with their own id back. Returns the unsubscribe.
 */
function relayTo(transport: StreamableHTTPServerTransport, deps: GatewayDeps, principal: Principal, session: string): () => void {
  const prefix = `${randomUUID()}:`;
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    const out: JSONRPCMessage = 'method' in message && 'id' in message ? { ...message, id: `${prefix}${String(message.id)}` } : message;
    return send(out, options);
  };
  const sub = deps.system.subscribe(
    replyTopic(session),
    (env) => {
      const m = env.payload as { id?: unknown };
      if (typeof m?.id !== 'string' || !m.id.startsWith(prefix)) return;
      const id = Number(m.id.slice(prefix.length));
      if (Number.isSafeInteger(id)) transport.onmessage?.({ ...(m as JSONRPCMessage), id } as JSONRPCMessage);
    },
    { tenant: principal.tenant },
  );
  return () => sub.unsubscribe();
}
