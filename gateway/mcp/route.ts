/**
 * `/mcp`: MCP Streamable HTTP (docs/gateway-mcp-a2a.md, “MCP”). Stateless (ADR 0009): every POST gets a fresh
 * SDK `Server` + `StreamableHTTPServerTransport`, so any node can answer any request and nothing
 * lives in one gateway. `initialize` hands out an `Mcp-Session-Id` that only correlates
 * cancellations; no session state is kept. Foreign `Origin`s are refused with 403.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { scrubSecrets } from '../../protocols/index.js';
import { gatewayError, isBadRequest, originAllowed, readJson, sendJson } from '../http.js';
import type { GatewayDeps, HttpRoute, Principal } from '../types.js';
import { DEFAULT_MCP_LIMITS, buildMcpServer, type McpBuiltinTool, type McpLimits } from './server.js';

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

  return {
    prefix: options.prefix ?? '/mcp',
    checksOrigin: true,
    async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
      if (path !== '' && path !== '/') throw gatewayError('not_found', `no such MCP endpoint: ${path}`);
      if (!originAllowed(req, allowed)) {
        rpcError(res, 403, -32000, `Forbidden: origin ${JSON.stringify(req.headers.origin)} is not allowed`);
        return;
      }
      if (req.method === 'DELETE') {
        // Sessions hold nothing here, so ending one is always fine.
        res.writeHead(200).end();
        return;
      }
      if (req.method !== 'POST') {
        // No server-initiated messages outside a request: no standalone SSE stream (the spec allows 405).
        rpcError(res, 405, -32000, 'Method not allowed: POST JSON-RPC messages to this endpoint', { allow: 'POST, DELETE' });
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

      const header = req.headers['mcp-session-id'];
      let session = typeof header === 'string' && header !== '' ? header : undefined;
      if (session === undefined && isInitialize(body)) {
        session = randomUUID();
        res.setHeader('mcp-session-id', session);
      }
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      const builtins = options.builtins ?? [];
      const server = buildMcpServer({ deps, principal, session, limits, builtins, onCancelled: () => void transport.close() });
      server.onerror = () => undefined; // per-request noise (a cancelled call's late answer); failures reach the client as JSON-RPC errors
      res.on('close', () => {
        void server.close().catch(() => undefined);
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    },
  };
}
