/** `troupe/actors`: agents and their catalog, model providers, tools, and memory (store, threads, vectors, RAG). */
export * from './agent/index.js';
export * from './llm/index.js';
export * from './tool/index.js';
export * from './memory/index.js';
// Both layers estimate tokens: the llm one counts a text, the memory one a message (the window's budget).
export { estimateTokens } from './llm/index.js';
export { estimateTokens as estimateMessageTokens } from './memory/index.js';
