/**
 * `/deadletters` (admins only; docs/gateway-operations.md, “Dead letters”): `GET /deadletters` lists with filters
 * (address, reason, tenant, since, until) and pages (`limit`, `after` = the previous page's `next`),
 * `GET /deadletters/{id}` shows one, `POST /deadletters/{id}/redrive` sends its envelope again to its address —
 * once, however often it is asked (runtime/redrive.ts). An admin sees their tenant's dead letters; with auth off
 * (a loopback operator, the CLI's embedded node) every tenant's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { deadLetterQuerySchema, formatIssues, isTroupeError, ValidationError } from '../../protocols/index.js';
import { redriveDeadLetter, type StoredDeadLetter } from '../../runtime/index.js';
import { ANONYMOUS_ADMIN, requirePermission } from '../auth/index.js';
import { gatewayError, methodNotAllowedError, sendJson } from '../http.js';
import type { GatewayDeps, HttpRoute, Principal } from '../types.js';

/** A dead letter as the API shows it: the stored letter with ISO times beside the epoch ones. */
function view(l: StoredDeadLetter): Record<string, unknown> {
  return {
    ...l,
    recorded_at: new Date(l.at).toISOString(),
    ...(l.redriven === undefined ? {} : { redriven: { ...l.redriven, at_iso: new Date(l.redriven.at).toISOString() } }),
  };
}

/** A path segment as an id; `bad_request` for malformed percent-encoding. */
function decodeId(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ValidationError(`malformed dead-letter id in the path: ${JSON.stringify(segment.slice(0, 80))}`);
  }
}

/** The tenant whose letters `principal` may see (undefined: every tenant), after the admin check. */
function scope(principal: Principal, asked: string | undefined): string | undefined {
  requirePermission(principal, 'deadletters:manage', 'dead letters');
  if (principal === ANONYMOUS_ADMIN) return asked;
  if (asked !== undefined && asked !== principal.tenant)
    throw gatewayError('forbidden', `an admin of tenant ${principal.tenant} may not read tenant ${asked}'s dead letters`);
  return principal.tenant;
}

/** The `/deadletters` route over `deps.system`'s dead-letter store. */
export function deadLettersRoute(deps: GatewayDeps): HttpRoute {
  const store = (): GatewayDeps['system']['deadLetters'] => deps.system.deadLetters;

  /** One letter the caller may see, else `not_found` (another tenant's letter is not there for them). */
  async function visible(principal: Principal, id: string): Promise<StoredDeadLetter> {
    const tenant = scope(principal, undefined);
    const l = await store().get(id);
    if (l === undefined || (tenant !== undefined && l.envelope.tenant !== tenant)) throw gatewayError('not_found', `no dead letter ${id}`);
    return l;
  }

  return {
    prefix: '/deadletters',
    async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
      const parts = path.split('/').filter((p) => p.length > 0);
      if (parts.length === 0) {
        if (req.method !== 'GET') throw methodNotAllowedError('GET /deadletters');
        const raw: Record<string, string> = {};
        for (const [k, v] of new URL(req.url ?? '/', 'http://gateway.invalid').searchParams) raw[k] = v;
        const q = deadLetterQuerySchema.strict().safeParse(raw);
        if (!q.success) throw new ValidationError(`bad dead-letter query: ${formatIssues(q.error.issues)}`);
        const tenant = scope(principal, q.data.tenant);
        const { address, limit, ...rest } = q.data;
        const items = await store().list({ ...rest, tenant, to: address, limit: limit + 1 });
        const page = items.slice(0, limit);
        sendJson(res, 200, { items: page.map(view), ...(items.length > limit ? { next: page.at(-1)?.id } : {}) });
        return;
      }
      const id = decodeId(parts[0] as string);
      if (parts.length === 1) {
        if (req.method !== 'GET') throw methodNotAllowedError(`GET /deadletters/${id}`);
        sendJson(res, 200, view(await visible(principal, id)));
        return;
      }
      if (parts.length === 2 && parts[1] === 'redrive') {
        if (req.method !== 'POST') throw methodNotAllowedError(`POST /deadletters/${id}/redrive`);
        const letter = await visible(principal, id);
        // The address's actor is activated first where the catalog knows it (an agent or tool of the tenant).
        await deps.ensure(letter.envelope.to, letter.envelope.tenant).catch((e: unknown) => {
          if (!isTroupeError(e, 'not_found') && !isTroupeError(e, 'internal')) throw e;
        });
        const r = await redriveDeadLetter(deps.system, id);
        sendJson(res, 200, { status: r.status, letter: view(r.letter) });
        return;
      }
      throw gatewayError('not_found', `no such dead-letter endpoint: ${path}`);
    },
  };
}
