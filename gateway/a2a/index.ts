/** A2A: the agent card and the JSON-RPC binding at `/a2a` (docs/gateway-mcp-a2a.md, “A2A”). */
export { a2aRoute, agentCardRoute, a2aRoutes, AGENT_CARD_PATH, A2A_PERMISSIONS } from './route.js';
export type { A2aRouteOptions } from './route.js';
export { A2aService, textOf, resumeOf } from './service.js';
export type { A2aServiceOptions } from './service.js';
export { buildAgentCard, baseUrlOf, skillOf, workflowSkillOf } from './card.js';
export type { AgentCardOptions, WorkflowSkillInfo } from './card.js';
export { WorkflowTaskView, valueParts } from './workflow-task.js';
export { TaskBook, settled } from './tasks.js';
export type { TaskBookOptions, TrackedTask, TaskListener } from './tasks.js';
export { TaskView, TaskFold, STATE_OF, OUTPUT_ARTIFACT, describeInterrupt } from './task-view.js';
export { RpcError, parseRequest } from './jsonrpc.js';
export * from './types.js';
