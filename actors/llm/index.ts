/**
 * Model backends (offline, OpenAI-compatible, Anthropic) and the resilience wrappers
 * (retry, timeout, circuit breaker, fallback) that compose around any of them.
 */
export * from './types.js';
export * from './resilience.js';
export * from './offline.js';
export * from './openai.js';
export * from './anthropic.js';
export { providerFromEnv } from './select.js';
export type { SelectedProvider } from './select.js';
export { ToolNameMap, withSafeToolNames } from './tool-names.js';
