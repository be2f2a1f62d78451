/** `/guardrails`: the check and the audit log over HTTP, and the `guardrails.check` MCP tool. */
export { guardrailsRoute } from './route.js';
export { guardrailCheck, GUARDRAIL_ADDRESS } from './check.js';
export { guardrailMcpTool } from './mcp.js';
