/** Id and trace-context generation: unique, cheap ids without a syscall per message. */
import { randomBytes } from 'node:crypto';

/**
 * Returns a generator of process-unique ids: a random 64-bit prefix plus a counter,
 * so ids from different processes do not collide and each id costs one string concat.
 */
export function idGenerator(prefix = randomBytes(8).toString('hex')): () => string {
  let n = 0;
  return () => `${prefix}.${(n++).toString(36)}`;
}

/** A new random W3C traceparent (sampled). */
export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

const spanPrefix = randomBytes(4).toString('hex');
const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
let spanCounter = 1;

/**
 * A child traceparent: same trace id, new span id (process prefix + counter: unique,
 * not secret, and cheap on the per-message path). A malformed parent gives a fresh root.
 */
export function childTraceparent(parent: string | undefined): string {
  if (parent === undefined || !TRACEPARENT.test(parent)) return newTraceparent();
  spanCounter = (spanCounter + 1) >>> 0 || 1;
  return `${parent.slice(0, 36)}${spanPrefix}${spanCounter.toString(16).padStart(8, '0')}${parent.slice(52)}`;
}
