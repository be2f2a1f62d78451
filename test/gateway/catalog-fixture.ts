/** Gateway deps, and a whole gateway, over the real catalog (cli/kinds.ts). */
import type { Catalog } from '../../actors/index.js';
import { composeCatalog, type ComposeOptions } from '../../cli/kinds.js';
import { configSchema, type TroupeConfig } from '../../config/index.js';
import { Gateway, allRoutes, catalogDeps, generateApiKey, withBudgets, type GatewayDeps, type Role } from '../../gateway/index.js';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';

/** Deps over a catalog of no agents on `system` (every kind installed, nothing activated). */
export async function noAgentDeps(system: ActorSystem, ready?: () => boolean): Promise<GatewayDeps> {
  const config = configSchema.parse({ agents: [], memory: { store: { index: [] } } });
  return catalogDeps(system, await composeCatalog(config, new MeshNode(system)), ready);
}

/** A caller of {@link startCatalogGateway}: an API key id, its tenant and roles. */
export interface FixtureKey {
  readonly id: string;
  readonly tenant: string;
  readonly roles: readonly Role[];
}

/** A real catalog, mesh and gateway (auth on, generous rate limits) — and the keys to call it with. */
export interface CatalogGateway<K extends string> {
  readonly system: ActorSystem;
  readonly mesh: MeshNode;
  readonly catalog: Catalog;
  readonly gateway: Gateway;
  readonly url: string;
  /** The secret of each key, by the name it was given. */
  readonly keys: Readonly<Record<K, { readonly key: string }>>;
  close(): Promise<void>;
}

/**
 * Starts the real catalog of `config` (cli/kinds.ts, with `compose` options such as a model provider or tools) on a
 * fresh system, and a gateway with every part mounted, callable with `keys`.
 */
export async function startCatalogGateway<K extends string>(
  config: TroupeConfig,
  keys: Readonly<Record<K, FixtureKey>>,
  options: { compose?: ComposeOptions; warn?: (m: string) => void; system?: ActorSystem } = {},
): Promise<CatalogGateway<K>> {
  // `system`: a node of a mesh the caller made (e.g. on a shared MemoryHub); default a fresh embedded one.
  const system = options.system ?? (await createSystem({ warn: options.warn ?? (() => undefined) }));
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(config, mesh, options.compose ?? {});
  await mesh.start();
  const deps = withBudgets(catalogDeps(system, catalog), config.gateway.usage);
  const made = Object.fromEntries(Object.entries<FixtureKey>(keys).map(([name, k]) => [name, { ...k, ...generateApiKey() }]));
  const gateway = await Gateway.start({
    deps,
    routes: allRoutes(deps, { prices: config.gateway.usage.prices }),
    port: 0,
    auth: { keys: Object.values(made).map((k) => ({ id: k.id, hash: k.hash, tenant: k.tenant, roles: [...k.roles] })) },
    limits: { ratePerSec: 100_000, burst: 100_000 },
    warn: () => undefined,
  });
  return {
    system,
    mesh,
    catalog,
    gateway,
    url: `http://127.0.0.1:${gateway.port}`,
    keys: made as unknown as Record<K, { key: string }>,
    async close() {
      await gateway.close();
      mesh.stop();
      await catalog.close();
      await system.shutdown();
    },
  };
}
