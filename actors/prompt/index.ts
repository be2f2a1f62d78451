/** Prompt templates, personas and the system prompt of a run (docs/prompts.md). */
export { PromptLibrary } from './library.js';
export type { TemplateSummary, TemplateDiff, PromptRender } from './library.js';
export { compileTemplate, renderCompiled, bindVariables, PromptVariableError } from './render.js';
export type { CompiledTemplate, Rendered } from './render.js';
export { systemPrompt, personaText, mergeParams } from './system.js';
export type { AgentPromptSpec, PromptRequest, SystemPrompt } from './system.js';
export { countTokens, fitsTokens, truncateTokens } from './tokens.js';
