/**
 * `/profiles` (docs/context-and-caching.md): user profiles of the caller's tenant. `/profiles/me` is the caller's own
 * (the key id or token subject); `/profiles/<user>` is anyone's with `profiles:manage`, and the caller's own for others. GET reads
 * (404 when none), PUT replaces, PATCH merges (preferences set or cleared with null, facts added or removed), DELETE
 * removes. Bodies are validated against protocols/profiles.ts: a bad one is a 400 naming the field.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProfileStore } from '../../actors/index.js';
import { formatIssues, profileBodySchema, profilePatchSchema, profileUserSchema, ValidationError } from '../../protocols/index.js';
import { gatewayError, methodNotAllowedError, readJson, sendJson } from '../http.js';
import { requirePermission } from '../auth/index.js';
import type { GatewayDeps, HttpRoute, Principal } from '../types.js';

/** The user a path names, checked against who may reach it. */
function userOf(path: string, principal: Principal): string {
  const raw = path.slice(1);
  if (raw === '' || raw.includes('/')) throw gatewayError('not_found', 'use /profiles/me or /profiles/<user>');
  let user: string;
  try {
    user = raw === 'me' ? principal.subject : decodeURIComponent(raw);
  } catch {
    throw new ValidationError('the user id in the path is not valid percent-encoding');
  }
  if (!profileUserSchema.safeParse(user).success)
    throw new ValidationError('expected a user id of 1-200 characters without control characters');
  if (user !== principal.subject) requirePermission(principal, 'profiles:manage', "another user's profile (yours is /profiles/me)");
  return user;
}

/** The `/profiles` route over `deps` (profiles in `deps.system.storage`). */
export function profilesRoute(deps: GatewayDeps): HttpRoute {
  const profiles = new ProfileStore(deps.system.storage, () => (deps.clock ?? deps.system.clock).now());
  return {
    prefix: '/profiles',
    async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
      const user = userOf(path, principal);
      const tenant = principal.tenant;
      switch (req.method) {
        case 'GET': {
          const p = await profiles.get(tenant, user);
          if (p === undefined) throw gatewayError('not_found', `no profile for ${user}`);
          sendJson(res, 200, p);
          return;
        }
        case 'PUT': {
          const body = profileBodySchema.safeParse(await readJson(req));
          if (!body.success) throw new ValidationError(`bad profile: ${formatIssues(body.error.issues)}`);
          sendJson(res, 200, await profiles.put(tenant, user, body.data));
          return;
        }
        case 'PATCH': {
          const patch = profilePatchSchema.safeParse(await readJson(req));
          if (!patch.success) throw new ValidationError(`bad profile patch: ${formatIssues(patch.error.issues)}`);
          sendJson(res, 200, await profiles.patch(tenant, user, patch.data));
          return;
        }
        case 'DELETE':
          if (!(await profiles.delete(tenant, user))) throw gatewayError('not_found', `no profile for ${user}`);
          res.writeHead(204).end();
          return;
        default:
          throw methodNotAllowedError('GET, PUT, PATCH or DELETE /profiles/me or /profiles/<user>');
      }
    },
  };
}
