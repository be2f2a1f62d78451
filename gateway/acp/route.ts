/**
 * The ACP route (`/acp`): the LangGraph Server API subset the `@langchain/langgraph-sdk` client
 * calls (docs/gateway-acp.md), as a table of method + path pattern → handler. A known path with
 * another method answers 405, an unknown path 404, both as `{detail}`.
 */
import { NotFoundError } from '../../protocols/index.js';
import { runReads, ThreadOwners } from '../../actors/index.js';
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

const TABLE: [method: string, pattern: string, handler: Handler][] = [
  ['POST', '/assistants/search', searchAssistants],
  ['POST', '/assistants/count', countAssistants],
  ['POST', '/assistants', () => readOnly()],
  ['GET', '/assistants/:assistant_id', getAssistant],
  ['PATCH', '/assistants/:assistant_id', () => readOnly()],
  ['DELETE', '/assistants/:assistant_id', () => readOnly()],
  ['GET', '/assistants/:assistant_id/graph', assistantGraph],
  ['GET', '/assistants/:assistant_id/schemas', assistantSchemas],
  ['GET', '/assistants/:assistant_id/subgraphs', assistantSubgraphs],
  ['POST', '/assistants/:assistant_id/versions', assistantVersions],

  ['POST', '/threads', createThread],
  ['POST', '/threads/search', searchThreads],
  ['POST', '/threads/count', countThreads],
  ['GET', '/threads/:thread_id', getThread],
  ['PATCH', '/threads/:thread_id', patchThread],
  ['DELETE', '/threads/:thread_id', deleteThread],
  ['GET', '/threads/:thread_id/state', threadState],
  ['POST', '/threads/:thread_id/state', () => notSupported()],
  ['PATCH', '/threads/:thread_id/state', () => notSupported()],
  ['POST', '/threads/:thread_id/state/checkpoint', threadStateAtBody],
  ['GET', '/threads/:thread_id/state/:checkpoint_id', threadStateAt],
  ['POST', '/threads/:thread_id/history', threadHistory],
  ['GET', '/threads/:thread_id/history', threadHistory],
  ['POST', '/threads/:thread_id/copy', copyThread],

  ['POST', '/threads/:thread_id/runs', (ctx, call) => createRun(ctx, call, call.params['thread_id'], 'create')],
  ['GET', '/threads/:thread_id/runs', listRuns],
  ['POST', '/threads/:thread_id/runs/stream', (ctx, call) => createRun(ctx, call, call.params['thread_id'], 'stream')],
  ['POST', '/threads/:thread_id/runs/wait', (ctx, call) => createRun(ctx, call, call.params['thread_id'], 'wait')],
  ['GET', '/threads/:thread_id/runs/:run_id', getRunEndpoint],
  ['GET', '/threads/:thread_id/runs/:run_id/join', joinRun],
  ['GET', '/threads/:thread_id/runs/:run_id/stream', joinStream],
  ['POST', '/threads/:thread_id/runs/:run_id/cancel', cancelEndpoint],
  ['POST', '/threads/:thread_id/runs/:run_id/feedback', postFeedback],
  ['GET', '/threads/:thread_id/runs/:run_id/feedback', getFeedback],

  ['POST', '/runs', (ctx, call) => createRun(ctx, call, undefined, 'create')],
  ['POST', '/runs/stream', (ctx, call) => createRun(ctx, call, undefined, 'stream')],
  ['POST', '/runs/wait', (ctx, call) => createRun(ctx, call, undefined, 'wait')],
  ['GET', '/runs/:run_id/stream', joinStream],
  ['POST', '/runs/:run_id/feedback', postFeedback],
  ['GET', '/runs/:run_id/feedback', getFeedback],
  ['GET', '/feedback/stats', getFeedbackStats],

  ['PUT', '/store/items', putItem],
  ['GET', '/store/items', getItem],
  ['DELETE', '/store/items', deleteItem],
  ['POST', '/store/items/search', searchItems],
  ['POST', '/store/namespaces', listNamespaces],
];

const ROUTES = TABLE.map(([method, pattern, handler]) => ({ method, parts: pattern.split('/').slice(1), handler }));

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
        await r.handler(ctx, { req, res, principal, params, query: url.searchParams });
        return;
      }
      if (allowed) throw methodNotAllowedError(`${method} is not allowed on ${clean}`);
      throw new NotFoundError(`no ACP endpoint ${method} ${clean || '/'}`);
    },
  };
}
