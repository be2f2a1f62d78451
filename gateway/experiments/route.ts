/**
 * `/experiments` (docs/trainers.md): the prompt experiments of the caller's tenant over HTTP. Every endpoint needs
 * `experiments:manage` (admin and developer keys; 403 for others). Creates, stops and promotes are messages to the
 * experiment's actor (`trainer/exp-<id>`), its one writer; listings and events are read from storage.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ExperimentStore } from '../../actors/index.js';
import {
  ConflictError,
  EXPERIMENT_CREATE,
  EXPERIMENT_ID,
  EXPERIMENT_PROMOTE,
  EXPERIMENT_STOP,
  NotFoundError,
  ValidationError,
  experimentAddress,
  experimentCreateSchema,
  experimentPromoteSchema,
  formatIssues,
  type ExperimentRecord,
} from '../../protocols/index.js';
import type { z } from 'zod';
import { requirePermission } from '../auth/index.js';
import { methodNotAllowedError, pathSegments, readJson, sendJson } from '../http.js';
import type { GatewayDeps, HttpRoute, Principal } from '../types.js';

/** Reads and validates a JSON body (an absent body is `{}`); the first problem names the field. */
export async function bodyOf<T>(req: IncomingMessage, schema: z.ZodType<T>, what: string): Promise<T> {
  const raw = (await readJson(req)) ?? {};
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`bad ${what}: ${formatIssues(parsed.error.issues)}`);
  return parsed.data;
}

function idOf(segment: string): string {
  if (!EXPERIMENT_ID.test(segment))
    throw new ValidationError(`bad experiment id ${JSON.stringify(segment)}: expected [a-z0-9][a-z0-9-]{0,47}`);
  return segment;
}

/**
 * `GET /experiments` list · `POST /experiments` create · `GET /experiments/{id}` one · `GET /experiments/{id}/events?after=`
 * its event log · `POST /experiments/{id}/stop` · `POST /experiments/{id}/promote` `{version?}`.
 */
export function experimentsRoute(deps: GatewayDeps): HttpRoute {
  const store = new ExperimentStore(deps.system.storage);
  const actor = (p: Principal, id: string) => deps.ensure(experimentAddress(id), p.tenant);
  return {
    prefix: '/experiments',
    async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
      requirePermission(principal, 'experiments:manage', 'experiments');
      const tenant = principal.tenant;
      const method = (req.method ?? 'GET').toUpperCase();
      const [first, second, ...rest] = pathSegments(path);
      if (rest.length > 0) throw new NotFoundError(`no experiments endpoint ${path}`);
      if (first === undefined) {
        if (method === 'GET') {
          sendJson(res, 200, { experiments: await store.list(tenant) });
          return;
        }
        if (method !== 'POST') throw methodNotAllowedError('GET /experiments lists; POST /experiments creates');
        const b = await bodyOf(req, experimentCreateSchema, 'experiment {agent, versions, key?, min_samples?, credibility?, …}');
        if (!deps.agents().some((a) => a.name === b.agent)) throw new NotFoundError(`agent ${b.agent} not found`);
        const id = b.id ?? randomBytes(4).toString('hex');
        const busy = (await store.list(tenant)).find(
          (e) => e.agent === b.agent && e.id !== id && (e.status === 'running' || e.status === 'monitoring'),
        );
        if (busy !== undefined)
          throw new ConflictError(`agent ${b.agent} is already in experiment ${busy.id} (${busy.status}): stop it first`);
        const rec = await (await actor(principal, id)).ask<ExperimentRecord>(EXPERIMENT_CREATE, { ...b, id });
        sendJson(res, 201, rec);
        return;
      }
      const id = idOf(first);
      if (second === undefined) {
        if (method !== 'GET') throw methodNotAllowedError(`GET /experiments/${id}`);
        const rec = await store.get(tenant, id);
        if (rec === undefined) throw new NotFoundError(`experiment ${id} not found`);
        sendJson(res, 200, rec);
        return;
      }
      if (second === 'events') {
        if (method !== 'GET') throw methodNotAllowedError(`GET /experiments/${id}/events?after=0`);
        const after = new URL(req.url ?? '/', 'http://gateway.invalid').searchParams.get('after') ?? '0';
        if (!/^[0-9]{1,9}$/.test(after)) throw new ValidationError(`bad after ${JSON.stringify(after)}: expected an integer >= 0`);
        if ((await store.get(tenant, id)) === undefined) throw new NotFoundError(`experiment ${id} not found`);
        sendJson(res, 200, { events: await store.events(tenant, id, Number(after)) });
        return;
      }
      if (second !== 'stop' && second !== 'promote') throw new NotFoundError(`no experiments endpoint ${path}`);
      if (method !== 'POST') throw methodNotAllowedError(`POST /experiments/${id}/${second}`);
      if ((await store.get(tenant, id)) === undefined) throw new NotFoundError(`experiment ${id} not found`);
      const payload = second === 'promote' ? await bodyOf(req, experimentPromoteSchema, 'promote {version?}') : {};
      const rec = await (
        await actor(principal, id)
      ).ask<ExperimentRecord>(second === 'stop' ? EXPERIMENT_STOP : EXPERIMENT_PROMOTE, payload);
      sendJson(res, 200, rec);
    },
  };
}
