/** `/mcp`: the mesh's tool actors as one MCP server over Streamable HTTP (docs/gateway-mcp-a2a.md, “MCP”). */
export { mcpRoute } from './route.js';
export type { McpRouteOptions } from './route.js';
export { buildMcpServer, listTools, mcpTool, cancelTopic, MCP_SERVER_INFO, DEFAULT_MCP_LIMITS } from './server.js';
export type { McpLimits, McpServerContext, McpBuiltinTool } from './server.js';
