/**
 * MCP resources (docs/gateway-mcp-a2a.md, “Resources”): pluggable {@link McpResourceSource}s, each owning the URIs
 * it answers; the built-in one serves the caller's tenant's long-term store items as `troupe://store/{namespace}/{key}`.
 * Collection documents are `troupe://collections/{collection}/{document}`.
 * `resources/list` pages through the sources in order with one opaque cursor; a URI no source owns, or one another
 * tenant holds, is “not found” — never its content.
 */
import { ErrorCode, McpError, type ReadResourceResult, type Resource, type ResourceTemplate } from '@modelcontextprotocol/sdk/types.js';
import {
  STORE_ADDRESS,
  STORE_CHANGED_TOPIC,
  STORE_GET,
  STORE_SEARCH,
  isTroupeError,
  namespaceSchema,
  itemKeySchema,
  type StoreChange,
  type StoreItem,
  type StoreSearchReply,
} from '../../protocols/index.js';
import {
  COLLECTION_CHANGED_TOPIC,
  RAG_DOCUMENT,
  RAG_DOCUMENTS,
  collectionAddress,
  type CollectionChange,
  type DocumentReply,
  type DocumentsReply,
} from '../../actors/index.js';
import type { GatewayDeps, Principal } from '../types.js';

/** JSON-RPC error code MCP gives an unknown resource. */
export const RESOURCE_NOT_FOUND = -32002;

/** One page of a source's resources. */
export interface McpResourcePage {
  readonly resources: readonly Resource[];
  /** Where the next page starts (the source's own cursor); absent = last page. */
  readonly nextCursor?: string;
}

/** Something to stop. */
export interface McpUnwatch {
  (): void;
}

/** A provider of MCP resources. */
export interface McpResourceSource {
  /** True for URIs this source answers (only it is asked to read them). */
  owns(uri: string): boolean;
  /** The templates it offers (`resources/templates/list`). */
  templates(): readonly ResourceTemplate[];
  /** A page of `principal`'s resources of at most `limit`, starting at `cursor` (undefined = first). */
  list(principal: Principal, cursor: string | undefined, limit: number): Promise<McpResourcePage>;
  /** The contents of `uri`, or undefined when the caller's tenant has no such resource. */
  read(principal: Principal, uri: string): Promise<ReadResourceResult | undefined>;
  /** Calls `changed(uri)` whenever a resource of `principal`'s tenant changes (any node); absent = never changes. */
  watch?(principal: Principal, changed: (uri: string) => void): McpUnwatch;
}

/** Resources per `resources/list` page. */
export const RESOURCE_PAGE = 50;

interface Cursor {
  /** Source index. */
  readonly s: number;
  /** That source's cursor. */
  readonly c?: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(cursor: string, sources: number): Cursor {
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (Number.isInteger(c.s) && (c.s as number) >= 0 && (c.s as number) < sources && (c.c === undefined || typeof c.c === 'string'))
      return c as Cursor;
  } catch {
    // falls through
  }
  throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor');
}

/** One page of `resources/list` over `sources`, in order. */
export async function listResources(
  sources: readonly McpResourceSource[],
  principal: Principal,
  cursor: string | undefined,
  limit = RESOURCE_PAGE,
): Promise<{ resources: Resource[]; nextCursor?: string }> {
  if (sources.length === 0) {
    if (cursor !== undefined) throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor');
    return { resources: [] };
  }
  let at = cursor === undefined ? { s: 0 } : decodeCursor(cursor, sources.length);
  const out: Resource[] = [];
  for (;;) {
    const source = sources[at.s] as McpResourceSource;
    const page = await source.list(principal, at.c, limit - out.length);
    out.push(...page.resources);
    const next: Cursor | undefined =
      page.nextCursor !== undefined ? { s: at.s, c: page.nextCursor } : at.s + 1 < sources.length ? { s: at.s + 1 } : undefined;
    if (next === undefined) return { resources: out };
    // A full page, or a source that made no progress (hand its cursor back rather than spin here).
    if (out.length >= limit || (page.resources.length === 0 && page.nextCursor !== undefined))
      return { resources: out, nextCursor: encodeCursor(next) };
    at = next;
  }
}

/** `resources/read` over `sources`: the owner's answer, or -32002 resource not found. */
export async function readResource(sources: readonly McpResourceSource[], principal: Principal, uri: string): Promise<ReadResourceResult> {
  const source = sources.find((s) => s.owns(uri));
  const result = source === undefined ? undefined : await source.read(principal, uri);
  if (result === undefined) throw new McpError(RESOURCE_NOT_FOUND, 'Resource not found', { uri });
  return result;
}

// ---- the long-term store ------------------------------------------------------------------------

/** Prefix of store item URIs. */
export const STORE_URI_PREFIX = 'troupe://store/';

/** URI of store item `key` in `namespace`: labels joined with `.` (labels hold none), each part percent-encoded. */
export function storeItemUri(namespace: readonly string[], key: string): string {
  return `${STORE_URI_PREFIX}${namespace.map(encodeURIComponent).join('.')}/${encodeURIComponent(key)}`;
}

/** The namespace and key a store URI names, or undefined when it is not a well-formed one. */
export function parseStoreItemUri(uri: string): { namespace: string[]; key: string } | undefined {
  if (!uri.startsWith(STORE_URI_PREFIX)) return undefined;
  const rest = uri.slice(STORE_URI_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || rest.indexOf('/', slash + 1) !== -1) return undefined;
  try {
    const namespace = rest.slice(0, slash).split('.').map(decodeURIComponent);
    const key = decodeURIComponent(rest.slice(slash + 1));
    if (!namespaceSchema.safeParse(namespace).success || !itemKeySchema.safeParse(key).success) return undefined;
    return { namespace, key };
  } catch {
    return undefined; // malformed percent-encoding
  }
}

const STORE_TEMPLATE: ResourceTemplate = {
  uriTemplate: `${STORE_URI_PREFIX}{namespace}/{key}`,
  name: 'store-item',
  title: 'Long-term store item',
  description:
    "An item of the caller's tenant's long-term store (memory/store): namespace labels joined with '.', each label " +
    'and the key percent-encoded. Contents: the item as JSON {namespace, key, value, created_at, updated_at}.',
  mimeType: 'application/json',
};

function storeResource(item: StoreItem): Resource {
  return {
    uri: storeItemUri(item.namespace, item.key),
    name: `${item.namespace.join('.')}/${item.key}`,
    mimeType: 'application/json',
    annotations: { lastModified: item.updated_at },
  };
}

/** The long-term store of the caller's tenant as resources (reached through `deps.ensure('memory/store', tenant)`). */
export function storeResources(deps: GatewayDeps, options: { readonly askTimeoutMs?: number } = {}): McpResourceSource {
  const timeoutMs = options.askTimeoutMs ?? 10_000;
  const store = (tenant: string) => deps.ensure(STORE_ADDRESS, tenant);
  return {
    owns: (uri) => uri.startsWith(STORE_URI_PREFIX),
    templates: () => [STORE_TEMPLATE],
    async list(principal, cursor, limit) {
      const offset = cursor === undefined ? 0 : Number(cursor);
      if (!Number.isSafeInteger(offset) || offset < 0) throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor');
      const ref = await store(principal.tenant).catch((e: unknown) => {
        if (isTroupeError(e, 'not_found')) return undefined; // this mesh has no store
        throw e;
      });
      if (ref === undefined) return { resources: [] };
      // One more than asked, to know whether a next page exists. Newest first, as the store lists without a query.
      const reply = await ref.ask<StoreSearchReply>(STORE_SEARCH, { limit: limit + 1, offset, refresh_ttl: false }, { timeoutMs });
      const items = reply.items.slice(0, limit);
      return {
        resources: items.map(storeResource),
        ...(reply.items.length > limit ? { nextCursor: String(offset + limit) } : {}),
      };
    },
    async read(principal, uri) {
      const at = parseStoreItemUri(uri);
      if (at === undefined) return undefined;
      try {
        const ref = await store(principal.tenant);
        const item = await ref.ask<StoreItem>(STORE_GET, { namespace: at.namespace, key: at.key }, { timeoutMs });
        return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(item) }] };
      } catch (e) {
        if (isTroupeError(e, 'not_found')) return undefined;
        throw e;
      }
    },
    watch(principal, changed) {
      const sub = deps.system.subscribe(
        STORE_CHANGED_TOPIC,
        (env) => {
          const c = env.payload as StoreChange;
          if (Array.isArray(c?.namespace) && typeof c.key === 'string') changed(storeItemUri(c.namespace, c.key));
        },
        { tenant: principal.tenant },
      );
      return () => sub.unsubscribe();
    },
  };
}

// ---- RAG collections ----------------------------------------------------------------------------

/** Prefix of collection document URIs. */
export const COLLECTION_URI_PREFIX = 'troupe://collections/';

/** URI of document `id` of collection `collection` (both percent-encoded). */
export function collectionDocumentUri(collection: string, id: string): string {
  return `${COLLECTION_URI_PREFIX}${encodeURIComponent(collection)}/${encodeURIComponent(id)}`;
}

/** The collection and document id a collection URI names, or undefined when it is not a well-formed one. */
export function parseCollectionDocumentUri(uri: string): { collection: string; id: string } | undefined {
  if (!uri.startsWith(COLLECTION_URI_PREFIX)) return undefined;
  const parts = uri.slice(COLLECTION_URI_PREFIX.length).split('/');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return undefined;
  try {
    const collection = decodeURIComponent(parts[0] as string);
    const id = decodeURIComponent(parts[1] as string);
    return id.length > 512 ? undefined : { collection, id };
  } catch {
    return undefined;
  }
}

const COLLECTION_TEMPLATE: ResourceTemplate = {
  uriTemplate: `${COLLECTION_URI_PREFIX}{collection}/{document}`,
  name: 'collection-document',
  title: 'Collection document',
  description:
    "A document of one of the caller's tenant's RAG collections (collection/<name>), both parts percent-encoded. " +
    'Contents: JSON {id, format, metadata, chunks, length, chunkTexts: [{index, text, headings, start, end}]}; ' +
    "the collection keeps a document's chunks, not its source.",
  mimeType: 'application/json',
};

/** The documents of the caller's tenant's RAG collections (`deps.collections()`) as resources. */
export function collectionResources(deps: GatewayDeps, options: { readonly askTimeoutMs?: number } = {}): McpResourceSource {
  const timeoutMs = options.askTimeoutMs ?? 10_000;
  const names = (): readonly string[] => deps.collections?.() ?? [];
  return {
    owns: (uri) => uri.startsWith(COLLECTION_URI_PREFIX),
    templates: () => (names().length === 0 ? [] : [COLLECTION_TEMPLATE]),
    async list(principal, cursor, limit) {
      const all = names();
      const m = cursor === undefined ? ['', '0', '0'] : /^(\d+):(\d+)$/.exec(cursor);
      if (m === null) throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor');
      let at = Number(m[1]);
      let offset = Number(m[2]);
      const resources: Resource[] = [];
      while (at < all.length) {
        const name = all[at] as string;
        const ref = await deps.ensure(collectionAddress(name), principal.tenant);
        const want = limit - resources.length;
        const page = await ref.ask<DocumentsReply>(RAG_DOCUMENTS, { offset, limit: want }, { timeoutMs });
        for (const d of page.documents)
          resources.push({ uri: collectionDocumentUri(name, d.id), name: `${name}/${d.id}`, mimeType: 'application/json' });
        offset += page.documents.length;
        if (offset >= page.total) {
          at++;
          offset = 0;
        }
        if (resources.length >= limit) return { resources, ...(at < all.length ? { nextCursor: `${at}:${offset}` } : {}) };
      }
      return { resources };
    },
    async read(principal, uri) {
      const at = parseCollectionDocumentUri(uri);
      if (at === undefined || !names().includes(at.collection)) return undefined;
      try {
        const ref = await deps.ensure(collectionAddress(at.collection), principal.tenant);
        const doc = await ref.ask<DocumentReply>(RAG_DOCUMENT, { id: at.id }, { timeoutMs });
        return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(doc) }] };
      } catch (e) {
        if (isTroupeError(e, 'not_found')) return undefined;
        throw e;
      }
    },
    watch(principal, changed) {
      const sub = deps.system.subscribe(
        COLLECTION_CHANGED_TOPIC,
        (env) => {
          const c = env.payload as CollectionChange;
          if (typeof c?.collection !== 'string' || !Array.isArray(c.documentIds)) return;
          for (const id of c.documentIds) if (typeof id === 'string') changed(collectionDocumentUri(c.collection, id));
        },
        { tenant: principal.tenant },
      );
      return () => sub.unsubscribe();
    },
  };
}
