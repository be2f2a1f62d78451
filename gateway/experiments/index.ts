/** Trainer control over HTTP: `/experiments` and `/optimizations` (docs/trainers.md). */
export { experimentsRoute, bodyOf } from './route.js';
export { optimizationsRoute } from './optimize-route.js';
