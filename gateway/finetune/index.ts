/**
 * `/finetune` (admins only, docs/trainers.md "Datasets and fine-tuning"): `POST /finetune/datasets/export` exports runs
 * as chat or preference JSONL or an eval suite; `POST /finetune/jobs` starts a fine-tune job, `GET /finetune/jobs[/{id}]`
 * lists or shows them, `POST /finetune/jobs/{id}/cancel` cancels one; `GET /finetune/models` lists the model registry
 * and the agents switched to its models, `POST /finetune/models/use` switches an agent (`name: null` switches it back).
 * Everything is the caller's tenant's; job progress streams on the /ws topic `sys.finetune.<id>`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ZodType } from 'zod';
import { ValidationError, formatIssues } from '../../protocols/index.js';
import {
  FINETUNE_BUCKET,
  FINETUNE_CANCEL,
  FINETUNE_START,
  JOB_ID,
  MODELS_ADDRESS,
  MODELS_LIST,
  MODELS_USE,
  datasetRedactor,
  exportDataset,
  exportRequestSchema,
  jobAddress,
  jobSpecSchema,
  useSchema,
  type JobRecord,
  type Redact,
} from '../../actors/index.js';
import { requirePermission } from '../auth/index.js';
import { gatewayError, methodNotAllowedError, readJson, sendJson } from '../http.js';
import type { GatewayDeps, HttpRoute, Principal } from '../types.js';

/** `body` parsed by `schema`; the first problems, by field, as a bad_request. */
function parse<T>(schema: ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new ValidationError(`invalid ${what}: ${formatIssues(r.error.issues)}`);
  return r.data;
}

/** The job id of a path segment; not_found for one no job can have. */
function jobId(segment: string): string {
  if (!JOB_ID.test(segment)) throw gatewayError('not_found', `no fine-tune job ${JSON.stringify(segment.slice(0, 80))}`);
  return segment;
}

/** The `/finetune` route over `deps`. */
export function finetuneRoute(deps: GatewayDeps): HttpRoute {
  let redactor: Promise<Redact> | undefined;

  async function jobs(req: IncomingMessage, res: ServerResponse, p: Principal, rest: readonly string[]): Promise<void> {
    if (rest.length === 0) {
      if (req.method === 'POST') {
        const spec = parse(jobSpecSchema, await readJson(req), 'fine-tune job');
        const id = randomUUID();
        const job = await (await deps.ensure(jobAddress(id), p.tenant)).ask<JobRecord>(FINETUNE_START, { spec });
        sendJson(res, 201, job);
        return;
      }
      if (req.method !== 'GET') throw methodNotAllowedError('GET or POST /finetune/jobs');
      const all = await deps.system.storage.bucket(FINETUNE_BUCKET).list<JobRecord>([p.tenant, 'job']);
      sendJson(res, 200, { jobs: all.map((e) => e.value).sort((a, b) => b.created_at.localeCompare(a.created_at)) });
      return;
    }
    const id = jobId(rest[0] as string);
    // Read from storage (the job's actor may be busy uploading); only a job the tenant has is activated.
    const record = await deps.system.storage.bucket(FINETUNE_BUCKET).get<JobRecord>([p.tenant, 'job', id]);
    if (record === undefined) throw gatewayError('not_found', `no fine-tune job ${id}`);
    if (rest.length === 1) {
      if (req.method !== 'GET') throw methodNotAllowedError(`GET /finetune/jobs/${id}`);
      sendJson(res, 200, record);
      return;
    }
    if (rest.length === 2 && rest[1] === 'cancel') {
      if (req.method !== 'POST') throw methodNotAllowedError(`POST /finetune/jobs/${id}/cancel`);
      sendJson(res, 200, await (await deps.ensure(jobAddress(id), p.tenant)).ask<JobRecord>(FINETUNE_CANCEL, {}));
      return;
    }
    throw gatewayError('not_found', `no such fine-tune endpoint`);
  }

  async function models(req: IncomingMessage, res: ServerResponse, p: Principal, rest: readonly string[]): Promise<void> {
    const registry = await deps.ensure(MODELS_ADDRESS, p.tenant);
    if (rest.length === 0) {
      if (req.method !== 'GET') throw methodNotAllowedError('GET /finetune/models');
      sendJson(res, 200, await registry.ask(MODELS_LIST, {}));
      return;
    }
    if (rest.length === 1 && rest[0] === 'use') {
      if (req.method !== 'POST') throw methodNotAllowedError('POST /finetune/models/use');
      const use = parse(useSchema, await readJson(req), 'model switch');
      if (!deps.agents().some((a) => a.name === use.agent)) throw gatewayError('not_found', `no agent ${use.agent}`);
      sendJson(res, 200, { use: await registry.ask(MODELS_USE, use) });
      return;
    }
    throw gatewayError('not_found', 'no such model-registry endpoint');
  }

  return {
    prefix: '/finetune',
    async handle(req, res, principal, path) {
      requirePermission(principal, 'finetune:manage', 'fine-tuning');
      const [head, ...rest] = path.split('/').filter((s) => s.length > 0);
      if (head === 'jobs') return jobs(req, res, principal, rest);
      if (head === 'models') return models(req, res, principal, rest);
      if (head === 'datasets' && rest.length === 1 && rest[0] === 'export') {
        if (req.method !== 'POST') throw methodNotAllowedError('POST /finetune/datasets/export');
        const request = parse(exportRequestSchema, await readJson(req), 'dataset export');
        sendJson(res, 200, await exportDataset(deps.system.storage, principal.tenant, request, await (redactor ??= datasetRedactor())));
        return;
      }
      throw gatewayError('not_found', `no such fine-tune endpoint: ${path}`);
    },
  };
}
