/** Context injection, user profiles and business rules (docs/context-and-caching.md). */
export { contextKind } from './kind.js';
export { assembleContext, renderContext, PassageVectors, CONTEXT_HEADING } from './assemble.js';
export type { AssembledContext, ContextSection, ContextProvider, Passage, ProviderInput, RelevanceOptions } from './assemble.js';
export { contextProvider, passages } from './providers.js';
export type { ProviderDeps } from './providers.js';
export { ProfileStore, PROFILE_BUCKET, profileText } from './profiles.js';
export { BusinessRules, amountsIn } from './rules.js';
export type { RuleFacts, RuleOutcome } from './rules.js';
export { contextHook, RULES_HEADING } from './hook.js';
export type { AgentContext, ContextHookDeps } from './hook.js';
export { profileUpdateTool, PROFILE_TOOL } from './tool.js';
