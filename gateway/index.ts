/** The gateway: one HTTP server carrying /ws, /acp, /mcp, /a2a, /healthz and /metrics. */
export { ROLES } from './types.js';
export type { Role, Principal, AgentInfo, GatewayDeps, HttpRoute } from './types.js';
export {
  DEFAULT_BODY_LIMIT,
  gatewayError,
  rateLimitedError,
  unprocessableError,
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
