/** Thread memory: the bounded window of a thread's messages handed to the model (records and history live in actors/agent/store.ts). */
export { windowMessages, windowMessagesWith, estimateTokens, extractiveSummary, SUMMARY_PREFIX } from './window.js';
export type { WindowOptions, ThreadWindow, Summarizer } from './window.js';
