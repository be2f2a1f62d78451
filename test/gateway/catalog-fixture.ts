/** Gateway deps over the real catalog (cli/kinds.ts) for tests that need a gateway but no agents. */
import { composeCatalog } from '../../cli/kinds.js';
import { configSchema } from '../../config/index.js';
import { catalogDeps, type GatewayDeps } from '../../gateway/index.js';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';

/** Deps over a catalog of no agents on `system` (every kind installed, nothing activated). */
export async function noAgentDeps(system: ActorSystem, ready?: () => boolean): Promise<GatewayDeps> {
  const config = configSchema.parse({ agents: [], memory: { store: { index: [] } } });
  return catalogDeps(system, await composeCatalog(config, new MeshNode(system)), ready);
}
