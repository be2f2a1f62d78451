/**
 * The long-term store over HTTP (`/store/items`, `/store/items/search`, `/store/namespaces`):
 * each request is validated with the store's wire schemas (protocols/store.ts; a wrong field is
 * 422) and asked of the caller's tenant's store actor (`memory/store`), so items never cross
 * tenants. Put and delete answer 204 like LangGraph; a missing item is 404.
 */
import {
  STORE_ADDRESS,
  STORE_DELETE,
  STORE_GET,
  STORE_NAMESPACES,
  STORE_PUT,
  STORE_SEARCH,
  storeDeleteSchema,
  storeGetQuerySchema,
  storeNamespacesSchema,
  storePutSchema,
  storeSearchSchema,
  type StoreGetReply,
  type StoreNamespacesReply,
  type StoreSearchReply,
} from '../../protocols/index.js';
import { readBody, readJson, sendJson } from '../http.js';
import { parseBody } from './schemas.js';
import type { AcpCall, AcpContext } from './session.js';

/**
 * How long a store request may take. A put or search embeds its text, and the first one on a node starts the embedding
 * workers (the model loads: several seconds on a busy 2-core machine); the default ask timeout (5 s) answered that
 * first request 504 although it was being served.
 */
const STORE_ASK_MS = 30_000;

async function ask<R>(ctx: AcpContext, call: AcpCall, type: string, payload: unknown): Promise<R> {
  const ref = await ctx.deps.ensure(STORE_ADDRESS, call.principal.tenant);
  return ref.ask<R>(type, payload, { timeoutMs: STORE_ASK_MS });
}

/** `PUT /store/items` → 204. */
export async function putItem(ctx: AcpContext, call: AcpCall): Promise<void> {
  const body = parseBody(storePutSchema, await readJson(call.req), 'store item');
  await ask(ctx, call, STORE_PUT, body);
  sendJson(call.res, 204, undefined);
}

/** `GET /store/items?namespace=a.b&key=k[&refresh_ttl=true]` → the item, or 404. */
export async function getItem(ctx: AcpContext, call: AcpCall): Promise<void> {
  await readBody(call.req);
  const q = parseBody(storeGetQuerySchema, Object.fromEntries(call.query), 'store item query');
  sendJson(call.res, 200, await ask<StoreGetReply>(ctx, call, STORE_GET, q));
}

/** `DELETE /store/items` with `{namespace, key}` → 204 (also for a missing item). */
export async function deleteItem(ctx: AcpContext, call: AcpCall): Promise<void> {
  const body = parseBody(storeDeleteSchema, await readJson(call.req), 'store item');
  await ask(ctx, call, STORE_DELETE, body);
  sendJson(call.res, 204, undefined);
}

/** `POST /store/items/search` → `{items}`. */
export async function searchItems(ctx: AcpContext, call: AcpCall): Promise<void> {
  const body = parseBody(storeSearchSchema, await readJson(call.req), 'store search');
  sendJson(call.res, 200, await ask<StoreSearchReply>(ctx, call, STORE_SEARCH, body));
}

/** `POST /store/namespaces` → `{namespaces}`. */
export async function listNamespaces(ctx: AcpContext, call: AcpCall): Promise<void> {
  const body = parseBody(storeNamespacesSchema, await readJson(call.req), 'namespace listing');
  sendJson(call.res, 200, await ask<StoreNamespacesReply>(ctx, call, STORE_NAMESPACES, body));
}
