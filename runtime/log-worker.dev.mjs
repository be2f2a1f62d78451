// The log thread's entry when Troupe runs from its TypeScript sources (tsx, vitest): a worker thread does not inherit
// the parent's module hooks, so it registers tsx's before loading runtime/log-worker.ts. Built code (dist/) loads
// log-worker.js directly and never needs this file.
import { register } from 'tsx/esm/api';

register();
const { default: logWorker } = await import('./log-worker.ts');
export default logWorker;
