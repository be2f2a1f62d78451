/**
 * Who may read a thread or run of the tenant (docs/permissions.md): with auth on, a thread is stamped with its
 * creator (`metadata["troupe.owner"]`, the key id or token subject, whatever the client sent) and a run with its caller
 * (`metadata.user`, gateway/profiles/identity.ts). The creator reads it with `threads:read:own`; anyone else needs
 * `threads:read:tenant`, and without it the thread or run is simply not found (404, never a hint that it exists).
 * Threads from before ownership was recorded, or made with auth off, have no owner and stay readable in the tenant.
 */
import { NotFoundError } from '../../protocols/index.js';
import type { Principal } from '../types.js';
import { can, requirePermission } from './permissions.js';

/** The metadata key naming a thread's creator: namespaced, as clients use `owner` and the like for their own purposes. */
export const THREAD_OWNER = 'troupe.owner';

/** Subject of callers while auth is off (auth/authenticator.ts). */
const ANONYMOUS = 'anonymous';

/** `metadata` with {@link THREAD_OWNER} stamped from `principal` (auth on); with auth off a client-given one is kept. */
export function withThreadOwner(metadata: Record<string, unknown> | undefined, principal: Principal): Record<string, unknown> {
  if (principal.subject === ANONYMOUS) return { ...metadata };
  return { ...metadata, [THREAD_OWNER]: principal.subject };
}

/** `metadata` a client may merge into a thread: without {@link THREAD_OWNER} while auth is on, so nobody re-assigns a thread. */
export function withoutOwnerChange(metadata: Record<string, unknown> | undefined, principal: Principal): Record<string, unknown> {
  if (principal.subject === ANONYMOUS || metadata === undefined || !(THREAD_OWNER in metadata)) return { ...metadata };
  const { [THREAD_OWNER]: _dropped, ...rest } = metadata;
  return rest;
}

/** True when `principal` may read a thread or run whose creator is `owner` (undefined: unrecorded). */
export function mayRead(principal: Principal, owner: unknown): boolean {
  if (typeof owner !== 'string' || owner === principal.subject) return can(principal, 'threads:read:own');
  return can(principal, 'threads:read:tenant');
}

/**
 * Throws unless `principal` may see the thread ({@link THREAD_OWNER}) or run (`metadata.user`) described by `record`:
 * 403 without `threads:read:own` at all, 404 (`what` not found) for someone else's without `threads:read:tenant`.
 */
export function assertVisible(
  principal: Principal,
  record: { readonly metadata?: Readonly<Record<string, unknown>> } | undefined,
  key: typeof THREAD_OWNER | 'user',
  what: string,
): void {
  requirePermission(principal, 'threads:read:own');
  if (record !== undefined && !mayRead(principal, record.metadata?.[key])) throw new NotFoundError(`${what} not found`);
}
