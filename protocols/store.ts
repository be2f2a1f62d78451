/**
 * ACP long-term store contracts inside the mesh. Payloads mirror the LangGraph store API
 * (docs/gateway-acp.md, `@langchain/langgraph-sdk` StoreClient: snake_case bodies, namespaces as
 * arrays of labels, TTL in minutes), so the gateway's `/acp/store` routes pass bodies through.
 * One store actor per tenant answers them at {@link STORE_ADDRESS}.
 */
import { z } from 'zod';

/** Address of the long-term store actor (one activation per tenant). */
export const STORE_ADDRESS = 'memory/store';

/** Message types the store actor handles (each is an `ask`). */
export const STORE_PUT = 'acp.store.put';
export const STORE_GET = 'acp.store.get';
export const STORE_DELETE = 'acp.store.delete';
export const STORE_SEARCH = 'acp.store.search';
export const STORE_NAMESPACES = 'acp.store.namespaces';

/**
 * Topic (in the item's tenant) the store actor publishes a {@link StoreChange} on after every put and every delete
 * that removed an item, on whichever node it runs; the gateway's MCP resource subscriptions watch it.
 */
export const STORE_CHANGED_TOPIC = 'memory.store.changed';
/** What {@link STORE_CHANGED_TOPIC} carries. */
export interface StoreChange {
  readonly namespace: readonly string[];
  readonly key: string;
  readonly op: 'put' | 'delete';
}

/** Limits that keep a namespace + key inside every storage backend's key size. */
export const STORE_LIMITS = {
  labelChars: 128,
  depth: 16,
  keyChars: 512,
  /** Namespace labels and key together, in UTF-8 bytes. */
  pathBytes: 1000,
  searchLimit: 1000,
  queryChars: 10_000,
} as const;

/** One namespace label: non-empty, no `.` (GET joins labels with dots, as LangGraph does). */
export const namespaceLabelSchema = z
  .string()
  .min(1, 'namespace labels cannot be empty strings')
  .max(STORE_LIMITS.labelChars, `namespace labels are at most ${STORE_LIMITS.labelChars} characters`)
  .refine((s) => !s.includes('.'), { message: "namespace labels cannot contain periods ('.')" });

/** A namespace: a tuple of labels, e.g. `['memories', 'user-42']`. */
export const namespaceSchema = z
  .array(namespaceLabelSchema)
  .min(1, 'the namespace cannot be empty')
  .max(STORE_LIMITS.depth, `a namespace has at most ${STORE_LIMITS.depth} labels`);

/** A namespace prefix or suffix pattern (may be empty; `*` matches any one label). */
export const namespacePatternSchema = z.array(namespaceLabelSchema).max(STORE_LIMITS.depth);

/** An item key inside its namespace. */
export const itemKeySchema = z
  .string()
  .min(1, 'the key cannot be empty')
  .max(STORE_LIMITS.keyChars, `keys are at most ${STORE_LIMITS.keyChars} characters`);

/** An item's value: a JSON object (LangGraph stores dictionaries). */
export const itemValueSchema = z.record(z.string(), z.unknown());

/** UTF-8 size of a namespace plus key, checked against {@link STORE_LIMITS.pathBytes}. */
export function storePathBytes(namespace: readonly string[], key: string): number {
  let n = Buffer.byteLength(key);
  for (const l of namespace) n += Buffer.byteLength(l) + 1;
  return n;
}

/**
 * Payload of `acp.store.put` (`PUT /store/items`). `index`: null/absent = the namespace's
 * configured fields, false = do not index, a list = these field paths. `ttl`: minutes, null = none.
 * `sensitive` (Troupe extension): true encrypts the whole value at rest, a list encrypts those paths.
 */
export const storePutSchema = z
  .object({
    namespace: namespaceSchema.refine((ns) => ns[0] !== 'langgraph', { message: 'the root label of a namespace cannot be "langgraph"' }),
    key: itemKeySchema,
    value: itemValueSchema,
    index: z.union([z.literal(false), z.array(z.string().min(1).max(256)).max(64)]).nullish(),
    ttl: z
      .number()
      .positive('ttl is in minutes and must be positive')
      .max(5_256_000, 'ttl is at most 10 years (5,256,000 minutes)')
      .nullish(),
    sensitive: z.union([z.boolean(), z.array(z.string().min(1).max(256)).max(64)]).nullish(),
  })
  .refine((p) => storePathBytes(p.namespace, p.key) <= STORE_LIMITS.pathBytes, {
    message: `namespace and key together are at most ${STORE_LIMITS.pathBytes} UTF-8 bytes`,
    path: ['key'],
  });
export type StorePut = z.infer<typeof storePutSchema>;

/** Payload of `acp.store.get` (`GET /store/items?namespace=a.b&key=k&refresh_ttl=true`). */
export const storeGetSchema = z.object({
  namespace: namespaceSchema,
  key: itemKeySchema,
  refresh_ttl: z.boolean().nullish(),
});
export type StoreGet = z.infer<typeof storeGetSchema>;

/** Query string of `GET /store/items` as the SDK sends it, parsed into a {@link StoreGet}. */
export const storeGetQuerySchema = z
  .object({
    namespace: z.string().min(1, 'namespace is required (labels joined with dots)'),
    key: z.string().min(1, 'key is required'),
    refresh_ttl: z.enum(['true', 'false']).optional(),
  })
  .transform((q): z.input<typeof storeGetSchema> => {
    const out: z.input<typeof storeGetSchema> = { namespace: q.namespace.split('.'), key: q.key };
    if (q.refresh_ttl !== undefined) out.refresh_ttl = q.refresh_ttl === 'true';
    return out;
  })
  .pipe(storeGetSchema);

/** Payload of `acp.store.delete` (`DELETE /store/items`); deleting a missing item is not an error. */
export const storeDeleteSchema = z.object({ namespace: namespaceSchema, key: itemKeySchema });
export type StoreDelete = z.infer<typeof storeDeleteSchema>;

/**
 * A metadata filter: `{field: value}` for equality (nested objects compare field by field), or
 * `{field: {$eq|$ne|$gt|$gte|$lt|$lte: value}}` — the operators LangGraph's stores support.
 */
export const storeFilterSchema = z.record(z.string(), z.unknown());

/** Payload of `acp.store.search` (`POST /store/items/search`). */
export const storeSearchSchema = z.object({
  namespace_prefix: namespacePatternSchema.nullish(),
  filter: storeFilterSchema.nullish(),
  limit: z.number().int().min(1).max(STORE_LIMITS.searchLimit).nullish(),
  offset: z.number().int().min(0).nullish(),
  query: z.string().max(STORE_LIMITS.queryChars).nullish(),
  refresh_ttl: z.boolean().nullish(),
});
export type StoreSearch = z.infer<typeof storeSearchSchema>;

/** Payload of `acp.store.namespaces` (`POST /store/namespaces`). */
export const storeNamespacesSchema = z.object({
  prefix: namespacePatternSchema.nullish(),
  suffix: namespacePatternSchema.nullish(),
  max_depth: z.number().int().min(1).nullish(),
  limit: z.number().int().min(1).max(STORE_LIMITS.searchLimit).nullish(),
  offset: z.number().int().min(0).nullish(),
});
export type StoreNamespaces = z.infer<typeof storeNamespacesSchema>;

/** A stored item as the API shows it (timestamps are ISO 8601). */
export const storeItemSchema = z.object({
  namespace: z.array(z.string()),
  key: z.string(),
  value: itemValueSchema,
  created_at: z.string(),
  updated_at: z.string(),
});
export type StoreItem = z.infer<typeof storeItemSchema>;

/** A search hit: an item plus its similarity to the query (present only for a query on an indexed namespace). */
export const storeSearchItemSchema = storeItemSchema.extend({ score: z.number().optional() });
export type StoreSearchItem = z.infer<typeof storeSearchItemSchema>;

/** Reply to `acp.store.put`: the item as stored. */
export type StorePutReply = StoreItem;
/** Reply to `acp.store.get`: the item (a missing or expired item is a `not_found` error). */
export type StoreGetReply = StoreItem;
/** Reply to `acp.store.delete`. */
export interface StoreDeleteReply {
  readonly deleted: boolean;
}
/** Reply to `acp.store.search`. */
export interface StoreSearchReply {
  readonly items: StoreSearchItem[];
}
/** Reply to `acp.store.namespaces`. */
export interface StoreNamespacesReply {
  readonly namespaces: string[][];
}

/** Defaults the SDK also applies (search limit 10, namespaces limit 100). */
export const STORE_DEFAULTS = { searchLimit: 10, namespacesLimit: 100 } as const;
