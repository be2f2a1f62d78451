/** The kind registry: the descriptor every actor kind exports, and the catalog generic over a list of them. */
export { Catalog } from './catalog.js';
export type { CatalogOptions } from './catalog.js';
export { Contributions, contributionKey } from './contributions.js';
export type { ContributionKey } from './contributions.js';
export type { BuiltKind, CatalogAgent, KindDescriptor, KindServices, ProviderChoice } from './descriptor.js';
