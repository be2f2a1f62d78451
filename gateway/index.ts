/** The gateway: one HTTP server carrying /ws, /acp, /mcp, /a2a, /healthz and /metrics. */
export { ROLES } from './types.js';
export type { Role, Principal, AgentInfo, GatewayDeps, HttpRoute } from './types.js';
export {
  DEFAULT_BODY_LIMIT,
  gatewayError,
  rateLimitedError,
  unprocessableError,
  methodNotAllowedError,
  isBadRequest,
  publicCode,
  setBodyLimit,
  bodyLimitOf,
  readBody,
  readJson,
  sendJson,
  sendError,
  statusOf,
  retryAfterSeconds,
  isLoopbackHost,
  originAllowed,
  applyCors,
  bearerToken,
} from './http.js';
export { Gateway, DEFAULT_LIMITS, gatewayOptionsFromConfig } from './server.js';
export type { GatewayOptions, GatewayLimits } from './server.js';
export { catalogDeps, allRoutes, startGateway, announceGateway } from './embedded.js';
export { meshRoute, MeshView, MeshEventLog, MESH_EVENT_TYPES, timelineRoute, TimelineBuilder } from './mesh/index.js';
export type {
  MeshRoute,
  MeshNodeState,
  MeshNodeView,
  MeshSnapshot,
  MeshEvent,
  MeshEventType,
  TimelineSpan,
  SpanKind,
} from './mesh/index.js';
export { hooksRoute } from './hooks/index.js';
export {
  Authenticator,
  ANONYMOUS_ADMIN,
  ApiKeyStore,
  hashApiKey,
  generateApiKey,
  JwtVerifier,
  signJwt,
  RateLimiter,
  ConnectionLimiter,
  JWKS_ALGORITHMS,
  PERMISSIONS,
  PERMISSION_NAMES,
  ROLE_PERMISSIONS,
  ROLE_DESCRIPTIONS,
  can,
  rolesWith,
  requirePermission,
  permissionMatrixMarkdown,
  THREAD_OWNER,
} from './auth/index.js';
export type { AuthOptions, ApiKeyEntry, JwtOptions, RateLimitOptions, Permission } from './auth/index.js';
export { WsGateway, CLOSE, DEFAULT_WS_LIMITS, FRAME_PERMISSIONS } from './ws/index.js';
export type { WsLimits } from './ws/index.js';
export { GatewayMetrics, HealthMonitor, Readiness, deadLettersRoute } from './ops/index.js';
export { finetuneRoute } from './finetune/index.js';
export type { HealthReport, ReadinessOptions, ReadinessReport, ReadinessCheck } from './ops/index.js';
export { acpRoute, ACP_TABLE } from './acp/index.js';
export type { AcpRouteOptions } from './acp/index.js';
export {
  mcpRoute,
  workflowMcpTools,
  MCP_PERMISSIONS,
  storeResources,
  collectionResources,
  collectionDocumentUri,
  storeItemUri,
  parseStoreItemUri,
  mcpFixturesFromEnv,
  MCP_FIXTURES_ENV,
} from './mcp/index.js';
export type { McpRouteOptions, McpBuiltinTool, McpCallExtra, McpPromptSource, McpResourceSource, McpFixtures } from './mcp/index.js';
export { profilesRoute, withRunUser } from './profiles/index.js';
export { usageRoute, costOf, priced, budgetCheck, withBudgets } from './usage/index.js';
export type { ModelPrices, UsageConfig } from './usage/index.js';
export { guardrailsRoute, guardrailCheck, guardrailMcpTool, GUARDRAIL_ADDRESS } from './guardrails/index.js';
export { a2aRoute, agentCardRoute, a2aRoutes, A2aService, A2A_PERMISSIONS } from './a2a/index.js';
export type { A2aRouteOptions, A2aServiceOptions, AgentCardOptions } from './a2a/index.js';
export { promptsRoute, personasRoute, templatePromptSource, argumentValue } from './prompts/index.js';
export { experimentsRoute, optimizationsRoute } from './experiments/index.js';
export { blobsRoute, admitMessages, blobStoreOf, mediaPolicy, lcBlocksToParts, toLcBlock, toLcContent } from './blobs/index.js';
