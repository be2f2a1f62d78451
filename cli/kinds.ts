/**
 * The kinds a Troupe node serves — the whole wiring (ADR 0017, docs/adding-a-kind.md). `troupe
 * start`, `troupe node`, `troupe chat` and `troupe ingest` all build their catalog from this list;
 * adding a kind is its folder under actors/ (exporting its descriptor) plus one line in KINDS.
 */
import type { TroupeConfig } from '../config/index.js';
import type { MeshNode } from '../runtime/index.js';
import * as actors from '../actors/index.js';
import { Catalog, type CatalogOptions, type KindDescriptor } from '../actors/index.js';

/** Every kind, in listing order: one line per kind. */
export const KINDS: readonly KindDescriptor[] = [
  actors.agentKind,
  actors.remoteKind,
  actors.toolKind,
  actors.storeKind,
  actors.collectionKind,
  actors.threadKind,
  actors.guardrailKind,
  actors.trainerKind,
  actors.contextKind,
  actors.workflowKind,
  // Installed blueprints (ADR 0045): their agents, workflows, tools and knowledge, read from storage.
  ...actors.BLUEPRINT_KINDS,
];

/** What a caller may set besides config: other kinds, the hosted ones, a model provider for tests, extra tools. */
export type ComposeOptions = Partial<Omit<CatalogOptions, 'system' | 'config'>>;

/** Builds the catalog of {@link KINDS} for `config` and installs its hosted kinds on `mesh` (call before `mesh.start()`). */
export async function composeCatalog(config: TroupeConfig, mesh: MeshNode, extra: ComposeOptions = {}): Promise<Catalog> {
  const catalog = await Catalog.create({ kinds: KINDS, ...extra, system: mesh.system, config });
  return catalog.install(mesh);
}
