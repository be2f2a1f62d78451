/**
 * Messages whose payload this process's own code made (`MessageOptions.trusted`): the receiver's schema check is
 * skipped for them (docs/adr/0052-trusted-local-hops.md). The mark is kept beside the envelope, not on it, so no
 * transport can carry it: an envelope that crossed the wire is a new object, never marked, and always checked.
 */
import type { Envelope } from '../protocols/index.js';

const marked = new WeakSet<Envelope>();

/** Marks `env` as made by trusted code of this process. */
export function markTrusted(env: Envelope): void {
  marked.add(env);
}

/** True for an envelope marked by {@link markTrusted} in this process. */
export function isTrusted(env: Envelope): boolean {
  return marked.has(env);
}
