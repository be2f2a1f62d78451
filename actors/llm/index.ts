/**
 * Model backends (offline, OpenAI-compatible, Anthropic) and the resilience wrappers
 * (retry, timeout, circuit breaker, fallback) that compose around any of them.
 */
export * from './types.js';
export * from './resilience.js';
export { breakerStates } from './breakers.js';
export * from './offline.js';
export * from './offline-router.js';
export * from './openai.js';
export * from './anthropic.js';
export { providerFromEnv, providerFor } from './select.js';
export type { SelectedProvider, ProviderSpec, ProviderEntry } from './select.js';
export { ToolNameMap, withSafeToolNames } from './tool-names.js';
export { requestParams } from './params.js';
export { meteredProvider, baseProviderName } from './metered.js';
export * from './cache/index.js';
