/** Gateway operations: `/healthz`, `/readyz`, `/metrics` and `/deadletters`. */
export { HealthMonitor } from './health.js';
export type { HealthReport } from './health.js';
export { GatewayMetrics } from './gateway-metrics.js';
export type { NatsState } from './gateway-metrics.js';
export { Readiness } from './readiness.js';
export type { ReadinessOptions, ReadinessReport, ReadinessCheck } from './readiness.js';
export { deadLettersRoute } from './dead-letters-route.js';
