/** Config `cache` applied to the agents' providers: one backend per catalog on the node's storage (actors/llm/cache). */
import type { KindServices } from '../kinds/index.js';
import { cacheEmbedder, cachedProvider, StorageCacheBackend } from '../llm/cache/index.js';
import type { ModelProvider } from '../llm/types.js';

/** Wraps an agent's provider in the response cache when config enables it for that agent; else leaves it. */
export function responseCache(services: KindServices): (agent: string, provider: ModelProvider) => ModelProvider {
  const c = services.config.cache;
  if (!c.enabled) return (_agent, provider) => provider;
  const { system } = services;
  const backend = new StorageCacheBackend(system.storage, c.semantic.maxEntries);
  const options = {
    backend,
    ttlMs: c.ttlSeconds * 1000,
    threshold: c.semantic.threshold,
    shortBoost: c.semantic.shortBoost,
    cacheableTools: new Set(c.cacheableTools),
    meter: system.meter,
    warn: (m: string) => system.warn(m),
    now: () => system.clock.now(),
    ...(c.semantic.enabled ? { embedder: cacheEmbedder(() => services.embedder()) } : {}),
  };
  return (agent, provider) => (c.agents.length === 0 || c.agents.includes(agent) ? cachedProvider(provider, options) : provider);
}
