/**
 * What a node serves, composed from config (ADR 0002: the CLI is the composition root): the
 * agents and tools of the catalog, the per-tenant long-term store `memory/store`, and the thread
 * window every agent's model calls go through.
 */
import type { TroupeConfig } from '../config/index.js';
import { STORE_ADDRESS } from '../protocols/index.js';
import type { MeshNode } from '../runtime/index.js';
import { Catalog, type CatalogKind, type CatalogOptions } from '../actors/agent/index.js';
import { createEmbedder, storeBehavior, storeOptionsFromConfig, windowMessages } from '../actors/memory/index.js';

/** The store kind: `memory/store` per tenant, with an embedder only when namespaces are indexed. */
async function memoryKinds(config: TroupeConfig): Promise<CatalogKind[]> {
  const embedder = config.memory.store.index.length > 0 ? await createEmbedder({ kind: 'use-lite' }) : undefined;
  const options = storeOptionsFromConfig(config.memory, embedder === undefined ? {} : { embedder });
  const id = STORE_ADDRESS.slice(STORE_ADDRESS.indexOf('/') + 1);
  return [{ kind: 'memory', accepts: (x) => x === id, behavior: () => storeBehavior(options) }];
}

/** Builds the catalog config describes and installs it on `mesh` (call before `mesh.start()`). */
export async function composeCatalog(config: TroupeConfig, mesh: MeshNode, extra: Partial<CatalogOptions> = {}): Promise<Catalog> {
  const window = config.memory.window;
  const catalog = new Catalog({
    agents: config.agents,
    mcpServers: config.mcpServers,
    kinds: await memoryKinds(config),
    hooks: { beforeModel: (messages) => windowMessages(messages, window).messages },
    ...extra,
  });
  return catalog.install(mesh);
}
