/**
 * `/mcp`: the mesh's tool actors, store and collection resources and prompt sources as one MCP server over
 * Streamable HTTP (docs/gateway-mcp-a2a.md, “MCP”).
 */
export { mcpRoute, MCP_PERMISSIONS } from './route.js';
export type { McpRouteOptions } from './route.js';
export { mcpResultContent } from './media.js';
export type { McpMediaOptions } from './media.js';
export { buildMcpServer, listTools, mcpTool, cancelTopic, MCP_SERVER_INFO, DEFAULT_MCP_LIMITS } from './server.js';
export type { McpLimits, McpServerContext, McpBuiltinTool, McpCallExtra } from './server.js';
export {
  storeResources,
  storeItemUri,
  collectionResources,
  collectionDocumentUri,
  parseCollectionDocumentUri,
  COLLECTION_URI_PREFIX,
  parseStoreItemUri,
  listResources,
  readResource,
  STORE_URI_PREFIX,
  RESOURCE_PAGE,
  RESOURCE_NOT_FOUND,
} from './resources.js';
export type { McpResourceSource, McpResourcePage, McpUnwatch } from './resources.js';
export { listPrompts, getPrompt } from './prompts.js';
export { workflowMcpTools } from './workflows.js';
export type { McpPromptSource } from './prompts.js';
export { conformanceFixtures, mcpFixturesFromEnv, MCP_FIXTURES_ENV } from './fixtures.js';
export type { McpFixtures, McpFixturePack } from './fixtures.js';
export { sessionTopic, replyTopic, MCP_BUCKET, MAX_SUBSCRIPTIONS } from './sessions.js';
