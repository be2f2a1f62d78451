/**
 * `/guardrails` (docs/guardrails.md): `POST /guardrails/check` runs every enabled detector on a text and answers what
 * the tenant's policy for the stage (and agent) decides; `GET /guardrails/audit` pages through the tenant's audit log
 * (admins only). Auth, tenancy, limits and the error shape are the server's, as on every route.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuditLog } from '../../actors/index.js';
import { formatIssues, guardAuditQuerySchema, ValidationError } from '../../protocols/index.js';
import { gatewayError, methodNotAllowedError, readJson, sendJson } from '../http.js';
import { requirePermission } from '../auth/index.js';
import type { GatewayDeps, HttpRoute, Principal } from '../types.js';
import { guardrailCheck } from './check.js';

/** The `/guardrails` route over `deps` (its audit log is read from `deps.system.storage`). */
export function guardrailsRoute(deps: GatewayDeps): HttpRoute {
  const audit = new AuditLog(deps.system.storage);
  return {
    prefix: '/guardrails',
    async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
      if (path === '/check') {
        if (req.method !== 'POST') throw methodNotAllowedError('POST a JSON body {"text", "stage"?, "agent"?} to /guardrails/check');
        requirePermission(principal, 'guardrails:check', 'guardrail checks');
        const body = await readJson(req);
        if (body === undefined) throw new ValidationError('empty body: send {"text", "stage"?, "agent"?}');
        sendJson(res, 200, await guardrailCheck(deps, principal, body));
        return;
      }
      if (path === '/audit') {
        if (req.method !== 'GET') throw methodNotAllowedError('GET /guardrails/audit');
        requirePermission(principal, 'guardrails:audit', 'the guardrail audit log');
        const params = new URL(req.url ?? '/', 'http://gateway.invalid').searchParams;
        const raw: Record<string, string> = {};
        for (const [k, v] of params) raw[k] = v;
        const q = guardAuditQuerySchema.strict().safeParse(raw);
        if (!q.success) throw new ValidationError(`bad audit query: ${formatIssues(q.error.issues)}`);
        sendJson(res, 200, await audit.query(principal.tenant, q.data));
        return;
      }
      throw gatewayError('not_found', `no such guardrails endpoint: ${path || '/'}`);
    },
  };
}
