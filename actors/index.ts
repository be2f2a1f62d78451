/**
 * `troupe/actors`: the kind registry and its catalog, agents (local and remote), model providers,
 * tools, and memory (store, threads, vectors, RAG). Each kind's folder exports one descriptor.
 */
export * from './kinds/index.js';
export * from './agent/index.js';
export { remoteKind } from './remote/index.js';
export * from './guardrail/index.js';
export * from './trainer/index.js';
export * from './llm/index.js';
export * from './tool/index.js';
export * from './memory/index.js';
export * from './prompt/index.js';
export * from './context/index.js';
export * from './workflow/index.js';
export * from './media/index.js';
// Both layers estimate tokens: the llm one counts a text, the memory one a message (the window's budget).
export { estimateTokens } from './llm/index.js';
export { estimateTokens as estimateMessageTokens } from './memory/index.js';
export * from './registry/index.js';
