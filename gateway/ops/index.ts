/** Gateway operations: `/healthz` and `/metrics`. */
export { HealthMonitor } from './health.js';
export type { HealthReport } from './health.js';
export { GatewayMetrics } from './gateway-metrics.js';
export type { NatsState } from './gateway-metrics.js';
