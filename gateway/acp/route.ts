/**
 * The ACP route (`/acp`): the LangGraph Server API subset the `@langchain/langgraph-sdk` client
 * calls (docs/gateway-acp.md), as a table of method + path pattern → handler. A known path with
 * another method answers 405, an unknown path 404, both as `{detail}`.
 */
import { NotFoundError } from '../../protocols/index.js';
import { runReads, ThreadOwners } from '../../actors/index.js';
import { assertVisible, requirePermission, THREAD_OWNER, type Permission } from '../auth/index.js';
import { clockOf, isoNow } from '../clock.js';
import { methodNotAllowedError, unprocessableError } from '../http.js';
import type { GatewayDeps, HttpRoute, Principal } from '../types.js';
import {
  assistantGraph,
  assistantSchemas,
  assistantSubgraphs,
  assistantVersions,
  countAssistants,
  getAssistant,
  readOnly,
  searchAssistants,
} from './assistants.js';
import { cancelEndpoint, getRunEndpoint, joinRun, joinStream, listRuns } from './run-reads.js';
import { getFeedback, getFeedbackStats, postFeedback } from './feedback.js';
import { createRun } from './runs.js';
import { orWorkflowRun, orWorkflowThreadState } from './workflow-reads.js';
import type { AcpCall, AcpContext } from './session.js';
import { deleteItem, getItem, listNamespaces, putItem, searchItems } from './store.js';
import {
  copyThread,
  countThreads,
  createThread,
  deleteThread,
  getThread,
  notSupported,
  patchThread,
  searchThreads,
  threadHistory,
  threadState,
  threadStateAt,
  threadStateAtBody,
} from './threads.js';

type Handler = (ctx: AcpContext, call: AcpCall) => Promise<void>;

/** Each endpoint with the permission it needs (gateway/auth/permissions.ts). */
export const ACP_TABLE: [method: string, pattern: string, permission: Permission, handler: Handler][] = [
  ['POST', '/assistants/search', 'catalog:read', searchAssistants],
  ['POST', '/assistants/count', 'catalog:read', countAssistants],
  ['POST', '/assistants', 'catalog:read', () => readOnly()],
  ['GET', '/assistants/:assistant_id', 'catalog:read', getAssistant],
  ['PATCH', '/assistants/:assistant_id', 'catalog:read', () => readOnly()],
  ['DELETE', '/assistants/:assistant_id', 'catalog:read', () => readOnly()],
  ['GET', '/assistants/:assistant_id/graph', 'catalog:read', assistantGraph],
  ['GET', '/assistants/:assistant_id/schemas', 'catalog:read', assistantSchemas],
  ['GET', '/assistants/:assistant_id/subgraphs', 'catalog:read', assistantSubgraphs],
  ['POST', '/assistants/:assistant_id/versions', 'catalog:read', assistantVersions],

  ['POST', '/threads', 'threads:write', createThread],
  ['POST', '/threads/search', 'threads:read:own', searchThreads],
  ['POST', '/threads/count', 'threads:read:own', countThreads],
  ['GET', '/threads/:thread_id', 'threads:read:own', getThread],
  ['PATCH', '/threads/:thread_id', 'threads:write', patchThread],
  ['DELETE', '/threads/:thread_id', 'threads:write', deleteThread],
  ['GET', '/threads/:thread_id/state', 'threads:read:own', orWorkflowThreadState(threadState)],
  ['POST', '/threads/:thread_id/state', 'threads:write', () => notSupported()],
  ['PATCH', '/threads/:thread_id/state', 'threads:write', () => notSupported()],
  ['POST', '/threads/:thread_id/state/checkpoint', 'threads:read:own', threadStateAtBody],
  ['GET', '/threads/:thread_id/state/:checkpoint_id', 'threads:read:own', threadStateAt],
  ['POST', '/threads/:thread_id/history', 'threads:read:own', threadHistory],
  ['GET', '/threads/:thread_id/history', 'threads:read:own', threadHistory],
  ['POST', '/threads/:thread_id/copy', 'threads:write', copyThread],

  ['POST', '/threads/:thread_id/runs', 'runs:create', (ctx, call) => createRun(ctx, call, call.params['thread_id'], 'create')],
  ['GET', '/threads/:thread_id/runs', 'threads:read:own', listRuns],
  ['POST', '/threads/:thread_id/runs/stream', 'runs:create', (ctx, call) => createRun(ctx, call, call.params['thread_id'], 'stream')],
  ['POST', '/threads/:thread_id/runs/wait', 'runs:create', (ctx, call) => createRun(ctx, call, call.params['thread_id'], 'wait')],
  ['GET', '/threads/:thread_id/runs/:run_id', 'threads:read:own', orWorkflowRun('get', getRunEndpoint)],
  ['GET', '/threads/:thread_id/runs/:run_id/join', 'threads:read:own', orWorkflowRun('join', joinRun)],
  ['GET', '/threads/:thread_id/runs/:run_id/stream', 'threads:read:own', orWorkflowRun('stream', joinStream)],
  ['POST', '/threads/:thread_id/runs/:run_id/cancel', 'runs:create', orWorkflowRun('cancel', cancelEndpoint)],
  ['POST', '/threads/:thread_id/runs/:run_id/feedback', 'feedback:write', postFeedback],
  ['GET', '/threads/:thread_id/runs/:run_id/feedback', 'feedback:read', getFeedback],

  ['POST', '/runs', 'runs:create', (ctx, call) => createRun(ctx, call, undefined, 'create')],
  ['POST', '/runs/stream', 'runs:create', (ctx, call) => createRun(ctx, call, undefined, 'stream')],
  ['POST', '/runs/wait', 'runs:create', (ctx, call) => createRun(ctx, call, undefined, 'wait')],
  ['GET', '/runs/:run_id/stream', 'threads:read:own', orWorkflowRun('stream', joinStream)],
  ['POST', '/runs/:run_id/feedback', 'feedback:write', postFeedback],
  ['GET', '/runs/:run_id/feedback', 'feedback:read', getFeedback],
  ['GET', '/feedback/stats', 'feedback:read', getFeedbackStats],

  ['PUT', '/store/items', 'store:write', putItem],
  ['GET', '/store/items', 'store:read', getItem],
  ['DELETE', '/store/items', 'store:write', deleteItem],
  ['POST', '/store/items/search', 'store:read', searchItems],
  ['POST', '/store/namespaces', 'store:read', listNamespaces],
];

const ROUTES = ACP_TABLE.map(([method, pattern, permission, handler]) => ({
  method,
  parts: pattern.split('/').slice(1),
  permission,
  handler,
}));

/** Path parameters that become storage key segments must be plain ids. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

function match(parts: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, p] of parts.entries()) {
    const s = segments[i] as string;
    if (p.startsWith(':')) params[p.slice(1)] = s;
    else if (p !== s) return undefined;
  }
  return params;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw unprocessableError(`malformed path segment ${JSON.stringify(segment)}`);
  }
}

/** Endpoints that read or drive a thread or run check whose it is; feedback and the store do not (any run of the tenant). */
const OWNED: ReadonlySet<Permission> = new Set(['threads:read:own', 'threads:write', 'runs:create']);

/** Someone else's thread or run is not found without `threads:read:tenant` (gateway/auth/ownership.ts). */
async function assertOwnAccess(ctx: AcpContext, principal: Principal, params: Readonly<Record<string, string>>): Promise<void> {
  const threadId = params['thread_id'];
  const runId = params['run_id'];
  if (threadId !== undefined)
    assertVisible(principal, await ctx.store.getThread(principal.tenant, threadId), THREAD_OWNER, `thread ${threadId}`);
  if (runId !== undefined) assertVisible(principal, await ctx.store.getRun(principal.tenant, runId), 'user', `run ${runId}`);
}

/** Options of {@link acpRoute}. */
export interface AcpRouteOptions {
  /** Where the route is mounted (default `/acp`). */
  readonly prefix?: string;
  /** Bytes an SSE reader may leave unread before its stream is cut (default 4 MiB). */
  readonly sendBufferBytes?: number;
}

/** The ACP part of the gateway, mounted at `/acp`. */
export function acpRoute(deps: GatewayDeps, options: AcpRouteOptions = {}): HttpRoute {
  const prefix = options.prefix ?? '/acp';
  const clock = clockOf(deps);
  const ctx: AcpContext = {
    deps,
    clock,
    store: runReads(deps.system.storage),
    threads: new ThreadOwners(deps.system, (address, tenant) => deps.ensure(address, tenant)),
    startedAt: isoNow(clock),
    prefix,
    sendBufferBytes: options.sendBufferBytes,
  };
  return {
    prefix,
    async handle(req, res, principal: Principal, path: string): Promise<void> {
      const url = new URL(req.url ?? '/', 'http://acp.invalid');
      const clean = path.split('?')[0] ?? '';
      const segments = clean
        .split('/')
        .filter((s) => s !== '')
        .map(decode);
      const method = (req.method ?? 'GET').toUpperCase();
      let allowed = false;
      for (const r of ROUTES) {
        const params = match(r.parts, segments);
        if (params === undefined) continue;
        if (r.method !== method) {
          allowed = true;
          continue;
        }
        for (const [k, v] of Object.entries(params))
          if (k !== 'assistant_id' && !SAFE_ID.test(v))
            throw unprocessableError(`invalid ${k} ${JSON.stringify(v)}: ids are 1-128 letters, digits, _ or -`);
        requirePermission(principal, r.permission, `${method} ${prefix}${clean}`);
        if (OWNED.has(r.permission)) await assertOwnAccess(ctx, principal, params);
        await r.handler(ctx, { req, res, principal, params, query: url.searchParams });
        return;
      }
      if (allowed) throw methodNotAllowedError(`${method} is not allowed on ${clean}`);
      throw new NotFoundError(`no ACP endpoint ${method} ${clean || '/'}`);
    },
  };
}
