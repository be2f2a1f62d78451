/** `/prompts` and `/personas` over HTTP, and templates as MCP prompts (docs/prompts.md). */
export { promptsRoute, personasRoute } from './route.js';
export { templatePromptSource, argumentValue } from './mcp.js';
export type { McpPromptSource } from './mcp.js';
