/**
 * `POST /hooks/<name>` (docs/workflows.md, "Triggers"): a webhook trigger of a workflow. The caller needs
 * `runs:create`; the server's auth, rate limits and body limit apply as on every route. The JSON body is the run's
 * input, checked against the workflow's `input` fields by the workflow actor (a mismatch is a 400 naming the field);
 * the answer is 202 with the run id. An `idempotency-key` header names the run, so a retried delivery starts nothing new.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RUN_CREATE, ValidationError } from '../../protocols/index.js';
import { requirePermission } from '../auth/index.js';
import { gatewayError, methodNotAllowedError, readJson, sendJson } from '../http.js';
import type { GatewayDeps, HttpRoute, Principal } from '../types.js';

const RUN_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

/** The `/hooks` route: `webhooks` maps a webhook name to the workflow it starts (config/workflows.ts `workflowWebhooks`). */
export function hooksRoute(deps: GatewayDeps, webhooks: Readonly<Record<string, string>>): HttpRoute {
  return {
    prefix: '/hooks',
    async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
      const name = path.slice(1);
      const workflow = Object.hasOwn(webhooks, name) ? webhooks[name] : undefined;
      if (workflow === undefined) throw gatewayError('not_found', `no webhook "${name.slice(0, 64)}"`);
      if (req.method !== 'POST') throw methodNotAllowedError(`POST /hooks/${name}`);
      requirePermission(principal, 'runs:create', 'a webhook');
      const body = await readJson(req);
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        throw new ValidationError('expected a JSON object: the run input');
      const key = req.headers['idempotency-key'];
      if (key !== undefined && (typeof key !== 'string' || !RUN_ID.test(key)))
        throw new ValidationError('expected an idempotency-key of 1-100 of [A-Za-z0-9_.:-]');
      await deps.admit?.(principal.tenant);
      const ref = await deps.ensure(`workflow/${workflow}`, principal.tenant);
      const created = await deps.system.ask<{ run_id: string; thread_id: string; status: string }>(ref, RUN_CREATE, {
        ...(key === undefined ? {} : { run_id: `hook-${name}-${key}` }),
        input: { messages: [{ role: 'user', content: '' }] },
        config: { input: body },
        metadata: { webhook: name, caller: principal.subject },
      });
      sendJson(res, 202, { run_id: created.run_id, thread_id: created.thread_id, workflow, status: created.status });
    },
  };
}
