/**
 * Assistants are the mesh's agents (`assistant_id` = `graph_id` = agent name), read-only:
 * search, count, get, versions, and a fixed graph (`agent` ⇄ `tools`) and schema for each.
 * Creating, changing or deleting one answers 405: agents are defined in config. Workflows are assistants too
 * (docs/workflows.md, "Clients").
 */
import { methodNotAllowedError, readJson, sendJson } from '../http.js';
import type { AgentInfo } from '../types.js';
import { assistantOf } from './runs.js';
import { assistantSearchBody, parseBody } from './schemas.js';
import type { AcpCall, AcpContext } from './session.js';
import { lgAssistant } from './shapes.js';
import { isWorkflow, lgWorkflowAssistant } from './workflow-runs.js';

/** Fields of a record that `select` keeps (all when absent). */
export function selectFields(o: Record<string, unknown>, select: readonly string[] | null | undefined): Record<string, unknown> {
  if (select === null || select === undefined || select.length === 0) return o;
  return Object.fromEntries(select.filter((k) => k in o).map((k) => [k, o[k]]));
}

/** True when `o` has every `want` entry (compared as JSON). */
export function matches(o: Record<string, unknown>, want: Record<string, unknown> | null | undefined): boolean {
  return Object.entries(want ?? {}).every(([k, v]) => JSON.stringify(o[k]) === JSON.stringify(v));
}

/** 405: the assistant catalog is the agent config. */
export function readOnly(): never {
  throw methodNotAllowedError('assistants are the mesh agents defined in config; they cannot be created, changed or deleted over ACP');
}

function filtered(ctx: AcpContext, q: ReturnType<typeof assistantSearchBody.parse>): Record<string, unknown>[] {
  const name = q.name?.toLowerCase();
  const all = ctx.deps
    .agents()
    .filter((a: AgentInfo) => (q.graph_id == null || a.name === q.graph_id) && (name === undefined || a.name.toLowerCase().includes(name)))
    .map((a) => lgAssistant(a, ctx.startedAt))
    .concat(
      (ctx.deps.workflows?.() ?? [])
        .filter((w) => (q.graph_id == null || w === q.graph_id) && (name === undefined || w.toLowerCase().includes(name)))
        .map((w) => lgWorkflowAssistant(w, ctx.startedAt)),
    )
    .filter((a) => matches(a['metadata'] as Record<string, unknown>, q.metadata));
  const by = q.sort_by ?? 'assistant_id';
  const dir = q.sort_order === 'desc' ? -1 : 1;
  return all.sort((x, y) => dir * String(x[by]).localeCompare(String(y[by])));
}

/** `POST /assistants/search` (sets `X-Pagination-Next` when there are more). */
export async function searchAssistants(ctx: AcpContext, call: AcpCall): Promise<void> {
  const q = parseBody(assistantSearchBody, await readJson(call.req), 'assistant search');
  const all = filtered(ctx, q);
  const offset = q.offset ?? 0;
  const limit = q.limit ?? 10;
  const page = all.slice(offset, offset + limit).map((a) => selectFields(a, q.select));
  const next = offset + limit < all.length ? { 'x-pagination-next': String(offset + limit) } : undefined;
  sendJson(call.res, 200, page, next);
}

/** `POST /assistants/count`. */
export async function countAssistants(ctx: AcpContext, call: AcpCall): Promise<void> {
  const q = parseBody(assistantSearchBody, await readJson(call.req), 'assistant count');
  sendJson(call.res, 200, filtered(ctx, q).length);
}

/** `GET /assistants/{id}`. */
export function getAssistant(ctx: AcpContext, call: AcpCall): Promise<void> {
  const id = call.params['assistant_id'] as string;
  sendJson(call.res, 200, isWorkflow(ctx, id) ? lgWorkflowAssistant(id, ctx.startedAt) : lgAssistant(assistantOf(ctx, id), ctx.startedAt));
  return Promise.resolve();
}

/** `POST /assistants/{id}/versions`: one version per agent. */
export async function assistantVersions(ctx: AcpContext, call: AcpCall): Promise<void> {
  await readJson(call.req);
  sendJson(call.res, 200, [lgAssistant(assistantOf(ctx, call.params['assistant_id'] as string), ctx.startedAt)]);
}

/** `GET /assistants/{id}/graph`: the agent loop as a graph. */
export function assistantGraph(ctx: AcpContext, call: AcpCall): Promise<void> {
  const a = assistantOf(ctx, call.params['assistant_id'] as string);
  const node = (id: string, name = id): Record<string, unknown> => ({
    id,
    type: 'runnable',
    data: { id: ['troupe', id], name },
    metadata: {},
  });
  sendJson(call.res, 200, {
    nodes: [node('__start__'), node('agent', a.name), node('tools'), node('__end__')],
    edges: [
      { source: '__start__', target: 'agent' },
      { source: 'agent', target: 'tools', conditional: true },
      { source: 'agent', target: '__end__', conditional: true },
      { source: 'tools', target: 'agent' },
    ],
  });
  return Promise.resolve();
}

const MESSAGES_SCHEMA = {
  type: 'object',
  properties: {
    messages: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          type: { type: 'string', enum: ['human', 'ai', 'system', 'tool'] },
          role: { type: 'string' },
          content: { type: 'string' },
          id: { type: 'string' },
        },
        required: ['content'],
      },
    },
  },
  required: ['messages'],
};

/** `GET /assistants/{id}/schemas`. */
export function assistantSchemas(ctx: AcpContext, call: AcpCall): Promise<void> {
  const a = assistantOf(ctx, call.params['assistant_id'] as string);
  sendJson(call.res, 200, {
    graph_id: a.name,
    input_schema: MESSAGES_SCHEMA,
    output_schema: MESSAGES_SCHEMA,
    state_schema: MESSAGES_SCHEMA,
    config_schema: { type: 'object', properties: {} },
    context_schema: { type: 'object', properties: {} },
  });
  return Promise.resolve();
}

/** `GET /assistants/{id}/subgraphs`: none. */
export function assistantSubgraphs(ctx: AcpContext, call: AcpCall): Promise<void> {
  assistantOf(ctx, call.params['assistant_id'] as string);
  sendJson(call.res, 200, {});
  return Promise.resolve();
}
