/** The storage-backed blueprint registry and the kinds serving what it holds (ADR 0045, docs/blueprints.md). */
export {
  BlueprintRegistry,
  registryOf,
  releaseRegistry,
  recordKey,
  claimKey,
  stagedView,
  assertScope,
  BLUEPRINTS_BUCKET,
  ALL_TENANTS,
  TROUPE_VERSION,
  STAGED,
} from './store.js';
export type { InstalledBlueprint, InstalledPack, RegistryAgent, WrittenEntry } from './store.js';
export {
  blueprintAgentKind,
  blueprintWorkflowKind,
  blueprintToolKind,
  blueprintCollectionKind,
  BLUEPRINT_KINDS,
  loadToolModule,
  TOOL_MODULE_DIR,
} from './kind.js';
