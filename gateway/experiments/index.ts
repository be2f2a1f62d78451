/** Trainer control over HTTP: `/experiments` (docs/trainers.md). */
export { experimentsRoute, segmentsOf, bodyOf } from './route.js';
