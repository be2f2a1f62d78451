/**
 * The user a run is for: with auth on, the caller's key id or token subject — stamped as the run's metadata `user`
 * whatever the client sent, so profiles and rules read the caller, never a name the client chose. With auth off
 * (one trusted local caller) a client-given `metadata.user` is kept.
 */
import type { Principal } from '../types.js';

/** Subject of callers while auth is off. */
const ANONYMOUS = 'anonymous';

/** `metadata` with `user` set from `principal` (see the file comment). */
export function withRunUser(
  metadata: Record<string, unknown> | undefined,
  principal: Principal | undefined,
): Record<string, unknown> | undefined {
  if (principal === undefined || principal.subject === ANONYMOUS) return metadata;
  return { ...metadata, user: principal.subject };
}
