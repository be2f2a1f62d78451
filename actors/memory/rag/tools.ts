/**
 * Retrieval as agent tools: `search_<collection>` asks the collection actor for hits and
 * returns them with their citations; `remember_<collection>` stores a short note as a document
 * so later searches find it.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ActorRef } from '../../../runtime/index.js';
import type { ActorSystem } from '../../../runtime/index.js';
import { defineTool } from '../../tool/function-tool.js';
import type { FunctionTool } from '../../tool/types.js';
import { collectionAddress } from './actor.js';
import { filterSchema } from './filter.js';
import { RAG_INGEST, RAG_SEARCH, SEARCH_MODES, type IngestReply, type SearchReply } from './messages.js';

/** Options of the collection tools. */
export interface CollectionToolOptions {
  readonly description?: string;
  /** Tenant whose collection is used (default: the calling tool actor's). */
  readonly tenant?: string;
  /** Hits returned when the model does not ask for a number (default 5). */
  readonly k?: number;
  /** Longest tool call (default 20 s). */
  readonly timeoutMs?: number;
  /** How the collection's ref is found (a catalog activates it per tenant); default the plain ref. */
  readonly resolve?: (address: string, tenant: string | undefined) => Promise<ActorRef>;
}

function collectionRef(system: ActorSystem, name: string, options: CollectionToolOptions, tenant: string | undefined): Promise<ActorRef> {
  const t = options.tenant ?? tenant;
  return options.resolve === undefined
    ? Promise.resolve(system.ref(collectionAddress(name), t))
    : options.resolve(collectionAddress(name), t);
}

/** `search_<name>`: retrieval over collection `name`, hits with text and citation. */
export function collectionSearchTool(system: ActorSystem, name: string, options: CollectionToolOptions = {}) {
  const input = z.object({
    query: z.string().min(1).max(2000).describe('What to look for, in natural language'),
    k: z
      .int()
      .min(1)
      .max(20)
      .optional()
      .describe(`How many passages (default ${options.k ?? 5})`),
    mode: z.enum(SEARCH_MODES).optional().describe('hybrid (default), vector or keyword'),
    filter: filterSchema.optional().describe('Metadata filter, e.g. {"documentId": "mars"}'),
  });
  return defineTool<z.infer<typeof input>>({
    name: `search_${name}`,
    description:
      options.description ??
      `Searches the "${name}" document collection and returns the most relevant passages ` +
        'with citations (document id, chunk, character offsets).',
    input,
    idempotent: true,
    timeoutMs: options.timeoutMs ?? 20_000,
    async run(args, ctx) {
      const reply = await system.ask<SearchReply>(
        await collectionRef(system, name, options, ctx.tenant),
        RAG_SEARCH,
        {
          query: args.query,
          k: args.k ?? options.k ?? 5,
          ...(args.mode ? { mode: args.mode } : {}),
          ...(args.filter ? { filter: args.filter } : {}),
        },
        { timeoutMs: options.timeoutMs ?? 20_000 },
      );
      return { hits: reply.hits.map((h) => ({ text: h.text, score: h.score, section: h.headings.join(' > '), citation: h.citation })) };
    },
  }) as FunctionTool<z.infer<typeof input>>;
}

/** `remember_<name>`: stores a note (a small text document, id generated) in collection `name`. */
export function rememberTool(system: ActorSystem, name: string, options: CollectionToolOptions = {}) {
  const input = z.object({
    text: z.string().min(1).max(20_000).describe('The fact or note to remember'),
    tags: z.array(z.string().min(1).max(64)).max(16).optional().describe('Labels to filter on later'),
  });
  return defineTool<z.infer<typeof input>>({
    name: `remember_${name}`,
    description: options.description ?? `Stores a note in the "${name}" memory so later searches can recall it.`,
    input,
    timeoutMs: options.timeoutMs ?? 20_000,
    async run(args, ctx) {
      const id = `note-${randomUUID()}`;
      const reply = await system.ask<IngestReply>(
        await collectionRef(system, name, options, ctx.tenant),
        RAG_INGEST,
        { documents: [{ id, content: args.text, format: 'text', metadata: { kind: 'note', ...(args.tags ? { tags: args.tags } : {}) } }] },
        { timeoutMs: options.timeoutMs ?? 20_000 },
      );
      return { id, chunks: reply.documents[0]?.chunks ?? 0 };
    },
  }) as FunctionTool<z.infer<typeof input>>;
}
