/**
 * The `collection` kind: each of config's `collections` is `collection/<name>`, one activation
 * per tenant (ingestion may take minutes: a long handler timeout). It gives the tool kind the
 * tools `search_<name>` / `remember_<name>` and local agents the recall hook (`agents[].recall`).
 */
import { NotFoundError, ValidationError } from '../../../protocols/index.js';
import type { Behavior } from '../../../runtime/index.js';
import { AGENT_HOOKS } from '../../agent/kind.js';
import type { BuiltKind, KindDescriptor, KindServices } from '../../kinds/index.js';
import { TOOL_FUNCTIONS } from '../../tool/kind.js';
import type { FunctionTool } from '../../tool/types.js';
import { collectionBehavior } from './actor.js';
import { recallHook, type RecallSpec } from './recall.js';
import { collectionSearchTool, rememberTool } from './tools.js';

/** Config's RAG collections, with their tools and the recall hook. */
export const collectionKind: KindDescriptor = {
  name: 'collection',
  serves: 'collection',
  stateful: true,
  options: { handlerTimeoutMs: 300_000 },
  contribute(services: KindServices): void {
    const { config, system, contributions } = services;
    const names = new Set(config.collections.map((c) => c.name));
    for (const a of config.agents)
      for (const c of a.recall?.collections ?? [])
        if (!names.has(c))
          throw new ValidationError(`agents: ${a.name} recalls from collection "${c}", which config.collections does not name`);
    const resolve = (address: string, tenant: string | undefined) => services.resolve(address, tenant);
    for (const c of config.collections) {
      const description = c.description === undefined ? {} : { description: c.description };
      contributions.add(TOOL_FUNCTIONS, collectionSearchTool(system, c.name, { resolve, ...description }) as FunctionTool<never>);
      contributions.add(TOOL_FUNCTIONS, rememberTool(system, c.name, { resolve }) as FunctionTool<never>);
    }
    const recallOf = new Map<string, RecallSpec>(config.agents.flatMap((a) => (a.recall === undefined ? [] : [[a.name, a.recall]])));
    if (recallOf.size > 0) contributions.add(AGENT_HOOKS, recallHook(system, resolve, recallOf));
  },
  async build(services: KindServices): Promise<BuiltKind> {
    const { config } = services;
    const names = config.collections.map((c) => c.name);
    if (names.length === 0) return { ids: () => [], behavior: (id) => notServed(id) };
    const options = { embedder: await services.embedder(), hnsw: config.memory.hnsw, chunking: config.memory.chunking };
    return { ids: () => names, behavior: (id) => collectionBehavior(id, options) as Behavior<unknown> };
  },
};

function notServed(id: string): never {
  throw new NotFoundError(`no collection ${id}`);
}
