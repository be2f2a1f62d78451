/** The long-term store (LangGraph store semantics) as a per-tenant memory actor. */
export { storeBehavior, STORE_SWEEP, STORE_REEMBED } from './behavior.js';
export type { StoreActorOptions, StoreState } from './behavior.js';
export { StoreEngine } from './engine.js';
export type { StoreEngineOptions } from './engine.js';
export { StoreIndexing } from './indexing.js';
export type { IndexRule, IndexOptions } from './indexing.js';
export { SensitiveFields, piiLocations } from './sensitive.js';
export type { SensitiveRule, PiiScan } from './sensitive.js';
export {
  FILTER_OPERATORS,
  matchesItemFilter,
  compareValue,
  matchesPattern,
  hasNamespacePrefix,
  listNamespaces,
  validateFilter,
  jsonEqual,
} from './filter.js';
export { tokenizePath, locate, textsAt, stableJson } from './paths.js';
export { STORE_BUCKET } from './records.js';
export type { StoredItem, StoredVectors } from './records.js';
export { storeOptionsFromConfig } from './options.js';
export type { StoreMemoryConfig } from './options.js';
export { storeKind, STORE_PII } from './kind.js';
