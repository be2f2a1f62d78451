/**
 * What a node serves, composed from config (ADR 0002: the CLI is the composition root): the
 * agents and tools of the catalog, the per-tenant long-term store `memory/store`, the RAG
 * collections `collection/<name>` with their tools, and the memory hook every agent's model calls
 * go through — passages recalled from the agent's collections, then the thread window.
 */
import type { TroupeConfig } from '../config/index.js';
import { STORE_ADDRESS } from '../protocols/index.js';
import type { ActorSystem, MeshNode } from '../runtime/index.js';
import { Catalog, type CatalogKind, type CatalogOptions, type HookInfo } from '../actors/agent/index.js';
import { RECALLED_CONTEXT_HEADING, type ChatMessage } from '../actors/llm/index.js';
import { builtinTools, type FunctionTool } from '../actors/tool/index.js';
import {
  RAG_SEARCH,
  collectionBehavior,
  collectionSearchTool,
  embedderFromConfig,
  rememberTool,
  storeBehavior,
  storeOptionsFromConfig,
  windowMessages,
  type SearchReply,
} from '../actors/memory/index.js';

/** Heading of the recalled-passages message the model sees. */
export const RECALL_HEADING = RECALLED_CONTEXT_HEADING;

/** Builds the catalog config describes and installs it on `mesh` (call before `mesh.start()`). */
export async function composeCatalog(config: TroupeConfig, mesh: MeshNode, extra: Partial<CatalogOptions> = {}): Promise<Catalog> {
  const names = new Set(config.collections.map((c) => c.name));
  for (const a of config.agents)
    for (const c of a.recall?.collections ?? [])
      if (!names.has(c)) throw new Error(`agents: ${a.name} recalls from collection "${c}", which config.collections does not name`);
  const needsEmbedder = config.memory.store.index.length > 0 || names.size > 0;
  const embedder = needsEmbedder ? await embedderFromConfig(config.memory) : undefined;
  const id = STORE_ADDRESS.slice(STORE_ADDRESS.indexOf('/') + 1);
  const store = storeBehavior(storeOptionsFromConfig(config.memory, embedder === undefined ? {} : { embedder }));
  const kinds: CatalogKind[] = [{ kind: 'memory', accepts: (x) => x === id, behavior: () => store }];
  if (embedder !== undefined && names.size > 0) {
    const options = { embedder, hnsw: config.memory.hnsw, chunking: config.memory.chunking };
    kinds.push({
      kind: 'collection',
      accepts: (x) => names.has(x),
      behavior: (address) => collectionBehavior(address.slice('collection/'.length), options),
      options: { handlerTimeoutMs: 300_000 },
    });
  }
  // The catalog is needed by the tools and the hook (they activate collections per tenant).
  const holder: { catalog?: Catalog } = {};
  const resolve = (address: string, tenant: string | undefined) => (holder.catalog as Catalog).ensure(address, tenant);
  const system = mesh.system;
  const tools: FunctionTool<never>[] = [...builtinTools];
  for (const c of config.collections) {
    tools.push(
      collectionSearchTool(system, c.name, {
        resolve,
        ...(c.description === undefined ? {} : { description: c.description }),
      }) as FunctionTool<never>,
    );
    tools.push(rememberTool(system, c.name, { resolve }) as FunctionTool<never>);
  }
  const recallOf = new Map(
    config.agents.filter((a) => a.recall !== undefined).map((a) => [a.name, a.recall as NonNullable<typeof a.recall>]),
  );
  const window = config.memory.window;
  const catalog = new Catalog({
    agents: config.agents,
    mcpServers: config.mcpServers,
    tools,
    kinds,
    runs: { retainMs: config.runs.retentionHours * 3_600_000, pruneEveryMs: config.runs.pruneMinutes * 60_000 },
    hooks: {
      async beforeModel(messages, info) {
        const recall = recallOf.get(info.agent);
        const shown = recall === undefined ? messages : await withRecall(system, holder.catalog as Catalog, messages, info, recall);
        return windowMessages(shown, window).messages;
      },
    },
    ...(embedder === undefined ? {} : { onClose: () => embedder.close() }),
    ...extra,
  });
  holder.catalog = catalog;
  return catalog.install(mesh);
}

/**
 * The memory hook: the newest user message is the query; the best `k` passages of the agent's
 * collections go in one system message right before it (what the model sees, not the thread).
 * A collection that cannot answer is skipped: recall helps a run, it never fails one.
 */
async function withRecall(
  system: ActorSystem,
  catalog: Catalog,
  messages: readonly ChatMessage[],
  info: HookInfo,
  recall: { collections: readonly string[]; k: number },
): Promise<readonly ChatMessage[]> {
  const at = messages.findLastIndex((m) => m.role === 'user');
  const query = messages[at]?.content.trim();
  if (at < 0 || query === undefined || query === '') return messages;
  const replies = await Promise.all(
    recall.collections.map(async (c) => {
      try {
        const ref = await catalog.ensure(`collection/${c}`, info.tenant);
        return (await ref.ask<SearchReply>(RAG_SEARCH, { query: query.slice(0, 2000), k: recall.k }, { timeoutMs: 10_000 })).hits;
      } catch (e) {
        system.warn(`recall from ${c} for ${info.agent} failed: ${(e as Error).message}`);
        return [];
      }
    }),
  );
  const hits = replies
    .flat()
    .sort((a, b) => b.score - a.score)
    .slice(0, recall.k);
  if (hits.length === 0) return messages;
  const text = [RECALL_HEADING, ...hits.map((h, i) => `[${i + 1}] (${h.citation.documentId}#${h.citation.chunk}) ${h.text}`)].join('\n');
  return [...messages.slice(0, at), { role: 'system', content: text }, ...messages.slice(at)];
}
