/**
 * `/a2a` (the A2A JSON-RPC binding, v1.0 method names as `@a2a-js/sdk` 1.x sends them:
 * SendMessage, SendStreamingMessage, GetTask, CancelTask, SubscribeToTask) and
 * `/.well-known/agent-card.json` (public). Errors follow JSON-RPC: -32700 for a body that is
 * not JSON, -32600 for one that is not a request, -32601 for an unknown method, -32602 for bad
 * params, and A2A's own codes (task not found, not cancelable, …).
 */
import { requestTraceparent } from '../trace.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { can, rolesWith, type Permission } from '../auth/index.js';
import { gatewayError, isBadRequest, methodNotAllowedError, readJson, sendJson } from '../http.js';
import type { GatewayDeps, HttpRoute, Principal } from '../types.js';
import { baseUrlOf, buildAgentCard, type AgentCardOptions } from './card.js';
import { RpcError, idOf, openStream, parseParams, parseRequest, sendRpc, type RpcId } from './jsonrpc.js';
import { A2aService, type A2aServiceOptions } from './service.js';
import type { TaskListener, TrackedTask } from './tasks.js';
import {
  A2A_ERRORS,
  cancelTaskParamsSchema,
  getTaskParamsSchema,
  sendMessageParamsSchema,
  subscribeParamsSchema,
  type StreamResponse,
  type Task,
} from './types.js';

/** Options of the A2A routes. */
export interface A2aRouteOptions extends A2aServiceOptions, AgentCardOptions {
  /** Largest request body (default: the server's body limit). */
  readonly bodyLimit?: number;
  /** Bytes a streaming client may leave unread before its stream is ended (default 4 MiB). */
  readonly maxStreamBuffer?: number;
}

/** The permission each A2A method needs (gateway/auth/permissions.ts); refused with HTTP 403 and a JSON-RPC error. */
export const A2A_PERMISSIONS: Readonly<Record<string, Permission>> = {
  SendMessage: 'runs:create',
  SendStreamingMessage: 'runs:create',
  CancelTask: 'runs:create',
  GetTask: 'threads:read:own',
  SubscribeToTask: 'threads:read:own',
};

/** JSON-RPC server error code of a refused method (A2A 1.0 defines none for authorization). */
const FORBIDDEN = -32000;

/** Path of the agent card. */
export const AGENT_CARD_PATH = '/.well-known/agent-card.json';

const LEGACY = new Set(['message/send', 'message/stream', 'tasks/get', 'tasks/cancel', 'tasks/resubscribe']);
const PUSH = new Set([
  'CreateTaskPushNotificationConfig',
  'GetTaskPushNotificationConfig',
  'ListTaskPushNotificationConfigs',
  'DeleteTaskPushNotificationConfig',
]);

/** `GET /.well-known/agent-card.json`: the card, with URLs on the host it was asked from. */
export function agentCardRoute(deps: GatewayDeps, options: AgentCardOptions = {}): HttpRoute {
  return {
    prefix: AGENT_CARD_PATH,
    public: () => true,
    async handle(req, res, _principal, path) {
      if (path !== '') throw gatewayError('not_found', `no such resource: ${AGENT_CARD_PATH}${path}`);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowedError('use GET for the agent card');
      const card = buildAgentCard(deps.agents(), baseUrlOf(req, options.trustProxy), options, deps.workflows?.() ?? []);
      sendJson(res, 200, card, { 'cache-control': 'no-cache' });
    },
  };
}

/** `POST /a2a`: the JSON-RPC binding. */
export function a2aRoute(deps: GatewayDeps, options: A2aRouteOptions = {}, service: A2aService = new A2aService(deps, options)): HttpRoute {
  const bodyLimit = options.bodyLimit;
  const maxBuffer = options.maxStreamBuffer ?? 4 * 1024 * 1024;

  /** Streams a task: `open` starts following it (errors then answer as one JSON-RPC error). */
  const stream = async (
    res: ServerResponse,
    id: RpcId,
    open: (listener: TaskListener) => Promise<{ task: TrackedTask; before: Task }>,
  ): Promise<void> => {
    const early: (StreamResponse | undefined)[] = [];
    let deliver: TaskListener = (e) => early.push(e);
    const listener: TaskListener = (e) => deliver(e);
    const { task, before } = await open(listener);
    const out = openStream(res, id, maxBuffer, () => task.listeners.delete(listener), undefined, service.clock);
    out.send({ task: before });
    // Nothing more to follow: a settled task, one waiting for input, or a message that was feedback on a task.
    if (!task.listeners.has(listener)) return out.end();
    deliver = (e) => {
      if (e === undefined) return out.end();
      if (!out.send(e) || A2aService.ends(e)) out.end();
    };
    for (const e of early) deliver(e);
  };

  const dispatch = async (
    res: ServerResponse,
    id: RpcId,
    method: string,
    params: unknown,
    principal: Principal,
    trace: string | undefined,
  ): Promise<void> => {
    switch (method) {
      case 'SendMessage':
        return sendRpc(res, id, { result: await service.send(principal, parseParams(sendMessageParamsSchema, params), trace) });
      case 'SendStreamingMessage': {
        const p = parseParams(sendMessageParamsSchema, params);
        return stream(res, id, (l) => service.start(principal, p, l, trace));
      }
      case 'SubscribeToTask': {
        const p = parseParams(subscribeParamsSchema, params);
        return stream(res, id, (l) => service.subscribe(principal, p.id, l));
      }
      case 'GetTask': {
        const p = parseParams(getTaskParamsSchema, params);
        return sendRpc(res, id, { result: await service.get(principal, p.id, p.historyLength) });
      }
      case 'CancelTask':
        return sendRpc(res, id, { result: await service.cancel(principal, parseParams(cancelTaskParamsSchema, params).id) });
      default:
        if (PUSH.has(method)) throw new RpcError(A2A_ERRORS.PUSH_NOTIFICATION_NOT_SUPPORTED, 'Push notifications are not supported');
        if (LEGACY.has(method))
          throw new RpcError(
            A2A_ERRORS.METHOD_NOT_FOUND,
            `Method not found: ${method} is A2A 0.3; this server speaks A2A 1.0 (SendMessage, SendStreamingMessage, GetTask, CancelTask)`,
          );
        throw new RpcError(A2A_ERRORS.METHOD_NOT_FOUND, `Method not found: ${method}`);
    }
  };

  return {
    prefix: options.rpcPath ?? '/a2a',
    async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
      if (path !== '' && path !== '/') throw gatewayError('not_found', `no such A2A endpoint: ${path}`);
      if (req.method !== 'POST') throw methodNotAllowedError('POST JSON-RPC requests to this endpoint');
      let body: unknown;
      try {
        body = await (bodyLimit === undefined ? readJson(req) : readJson(req, bodyLimit));
      } catch (e) {
        if (isBadRequest(e))
          return sendRpc(res, null, { error: new RpcError(A2A_ERRORS.PARSE_ERROR, `Parse error: ${(e as Error).message}`) });
        throw e;
      }
      let id: RpcId = idOf(body);
      try {
        const version = req.headers['a2a-version'];
        if (typeof version === 'string' && version !== '' && !/^1\.0(\.\d+)?$/.test(version.trim())) {
          throw new RpcError(A2A_ERRORS.VERSION_NOT_SUPPORTED, `A2A version ${version} is not supported; this server speaks 1.0`);
        }
        const request = parseRequest(body);
        id = request.id;
        const needed = Object.hasOwn(A2A_PERMISSIONS, request.method) ? A2A_PERMISSIONS[request.method] : undefined;
        if (needed !== undefined && !can(principal, needed)) {
          const message = `Forbidden: ${request.method} needs permission ${needed} (granted to roles: ${rolesWith(needed).join(', ')})`;
          return sendJson(res, 403, { jsonrpc: '2.0', id, error: { code: FORBIDDEN, message } });
        }
        await dispatch(res, id, request.method, request.params, principal, requestTraceparent(req));
      } catch (e) {
        if (!(e instanceof RpcError)) deps.system.warn(`a2a: internal error: ${(e as Error)?.message ?? String(e)}`);
        if (res.headersSent) {
          if (!res.writableEnded) res.end();
          return;
        }
        sendRpc(res, id, { error: e });
      }
    },
  };
}

/** Both A2A routes sharing one service: the JSON-RPC endpoint and the agent card. */
export function a2aRoutes(deps: GatewayDeps, options: A2aRouteOptions = {}): HttpRoute[] {
  return [a2aRoute(deps, options), agentCardRoute(deps, options)];
}
