/**
 * `/optimizations` (docs/trainers.md): prompt optimisation jobs of the caller's tenant. Every endpoint needs
 * `experiments:manage` (admin and developer keys). A create is a message to the job's actor (`trainer/opt-<id>`),
 * which answers at once and goes on in the background; progress is its event log here and on the topic
 * `trainer.optimizations.<id>` over /ws.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OptimizationStore } from '../../actors/index.js';
import {
  EXPERIMENT_ID,
  NotFoundError,
  OPTIMIZE_CANCEL,
  OPTIMIZE_CREATE,
  ValidationError,
  optimizationAddress,
  optimizeCreateSchema,
  type OptimizeRecord,
} from '../../protocols/index.js';
import { requirePermission } from '../auth/index.js';
import { methodNotAllowedError, pathSegments, sendJson } from '../http.js';
import type { GatewayDeps, HttpRoute, Principal } from '../types.js';
import { bodyOf } from './route.js';

/**
 * `GET /optimizations` list · `POST /optimizations` start `{agent, suite, holdout?, budget?, teacher?, …}` ·
 * `GET /optimizations/{id}` · `GET /optimizations/{id}/events?after=` · `POST /optimizations/{id}/cancel`.
 */
export function optimizationsRoute(deps: GatewayDeps): HttpRoute {
  const store = new OptimizationStore(deps.system.storage);
  const actor = (p: Principal, id: string) => deps.ensure(optimizationAddress(id), p.tenant);
  return {
    prefix: '/optimizations',
    async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
      requirePermission(principal, 'experiments:manage', 'optimisations');
      const tenant = principal.tenant;
      const method = (req.method ?? 'GET').toUpperCase();
      const [first, second, ...rest] = pathSegments(path);
      if (rest.length > 0) throw new NotFoundError(`no optimizations endpoint ${path}`);
      if (first === undefined) {
        if (method === 'GET') {
          sendJson(res, 200, { optimizations: await store.list(tenant) });
          return;
        }
        if (method !== 'POST') throw methodNotAllowedError('GET /optimizations lists; POST /optimizations starts one');
        const b = await bodyOf(req, optimizeCreateSchema, 'optimisation {agent, suite, holdout?, budget?, teacher?, …}');
        for (const a of [b.agent, ...(b.teacher === undefined ? [] : [b.teacher])])
          if (!deps.agents().some((x) => x.name === a)) throw new NotFoundError(`agent ${a} not found`);
        const id = b.id ?? randomBytes(4).toString('hex');
        sendJson(res, 202, await (await actor(principal, id)).ask<OptimizeRecord>(OPTIMIZE_CREATE, { ...b, id }));
        return;
      }
      if (!EXPERIMENT_ID.test(first))
        throw new ValidationError(`bad optimisation id ${JSON.stringify(first)}: expected [a-z0-9][a-z0-9-]{0,47}`);
      const id = first;
      const rec = await store.get(tenant, id);
      if (rec === undefined) throw new NotFoundError(`optimisation ${id} not found`);
      if (second === undefined) {
        if (method !== 'GET') throw methodNotAllowedError(`GET /optimizations/${id}`);
        sendJson(res, 200, rec);
        return;
      }
      if (second === 'events') {
        if (method !== 'GET') throw methodNotAllowedError(`GET /optimizations/${id}/events?after=0`);
        const after = new URL(req.url ?? '/', 'http://gateway.invalid').searchParams.get('after') ?? '0';
        if (!/^[0-9]{1,9}$/.test(after)) throw new ValidationError(`bad after ${JSON.stringify(after)}: expected an integer >= 0`);
        sendJson(res, 200, { events: await store.events(tenant, id, Number(after)) });
        return;
      }
      if (second !== 'cancel') throw new NotFoundError(`no optimizations endpoint ${path}`);
      if (method !== 'POST') throw methodNotAllowedError(`POST /optimizations/${id}/cancel`);
      sendJson(res, 200, await (await actor(principal, id)).ask<OptimizeRecord>(OPTIMIZE_CANCEL, {}));
    },
  };
}
