/** A2A: the agent card and the JSON-RPC binding at `/a2a` (docs/gateway-mcp-a2a.md, “A2A”). */
export { a2aRoute, agentCardRoute, a2aRoutes, AGENT_CARD_PATH, A2A_PERMISSIONS } from './route.js';
export type { A2aRouteOptions } from './route.js';
export { A2aService, textOf, resumeOf } from './service.js';
export type { A2aServiceOptions } from './service.js';
export { buildAgentCard, baseUrlOf, skillOf } from './card.js';
export type { AgentCardOptions } from './card.js';
export { TaskBook, settled } from './tasks.js';
export type { TaskBookOptions, TrackedTask, TaskListener } from './tasks.js';
export { TaskView, STATE_OF, OUTPUT_ARTIFACT, describeInterrupt } from './task-view.js';
export { RpcError, parseRequest } from './jsonrpc.js';
export * from './types.js';
