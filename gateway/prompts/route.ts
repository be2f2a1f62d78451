/**
 * `/prompts` and `/personas` (docs/prompts.md): templates and personas of the caller's tenant over HTTP.
 * Any authenticated caller of a tenant reads (list, get, versions, diff, render); writes (create a
 * version, move a label, put or delete a persona) need the `admin` role, and land in the caller's tenant
 * only. Auth, tenancy, limits and the error shape are the server's, as on every route.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PromptLibrary } from '../../actors/index.js';
import {
  NotFoundError,
  PROMPT_NAME,
  ValidationError,
  formatIssues,
  personaSchema,
  templateBodySchema,
  type TemplateVersion,
} from '../../protocols/index.js';
import { z } from 'zod';
import { methodNotAllowedError, pathSegments, readJson, sendJson } from '../http.js';
import { requirePermission } from '../auth/index.js';
import type { HttpRoute, Principal } from '../types.js';

const labelBody = z.strictObject({ version: z.int().min(1) });
const renderBody = z.strictObject({
  version: z.union([z.int().min(1), z.string().regex(PROMPT_NAME)]).optional(),
  variables: z.record(z.string(), z.unknown()).default(() => ({})),
});

/** Writes need `prompts:manage`; every read (and render) `prompts:read` (gateway/auth/permissions.ts). */
function manage(principal: Principal, what: string): void {
  requirePermission(principal, 'prompts:manage', what);
}

function name(segment: string | undefined, what: string): string {
  if (segment === undefined || !PROMPT_NAME.test(segment))
    throw new ValidationError(`bad ${what} ${JSON.stringify(segment)}: expected [a-z][a-z0-9_.-]{0,63}`);
  return segment;
}

function versionNumber(segment: string | undefined): number {
  if (segment === undefined || !/^[1-9][0-9]{0,8}$/.test(segment))
    throw new ValidationError(`bad version ${JSON.stringify(segment)}: expected an integer >= 1`);
  return Number(segment);
}

async function body<T>(req: IncomingMessage, schema: z.ZodType<T>, what: string): Promise<T> {
  const raw = await readJson(req);
  if (raw === undefined) throw new ValidationError(`empty body: send ${what}`);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`bad ${what}: ${formatIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** A stored version as the API shows it. */
const shown = (v: TemplateVersion) => ({ ...v });

/**
 * `/prompts`: `GET /` list · `GET /{name}` summary and versions · `POST /{name}/versions` create ·
 * `GET /{name}/versions/{n|label}` one version · `PUT /{name}/labels/{label}` `{version}` move a label ·
 * `GET /{name}/diff?from=&to=` line diff · `POST /{name}/render` `{version?, variables}` render.
 */
export function promptsRoute(library: PromptLibrary): HttpRoute {
  return {
    prefix: '/prompts',
    async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
      requirePermission(principal, 'prompts:read', 'prompt templates');
      const tenant = principal.tenant;
      const method = (req.method ?? 'GET').toUpperCase();
      const [first, second, third, ...rest] = pathSegments(path);
      if (rest.length > 0) throw new NotFoundError(`no prompts endpoint ${path}`);
      if (first === undefined) {
        if (method !== 'GET') throw methodNotAllowedError('GET /prompts lists templates; POST /prompts/{name}/versions creates one');
        sendJson(res, 200, { prompts: await library.list(tenant) });
        return;
      }
      const n = name(first, 'template name');
      if (second === undefined) {
        if (method !== 'GET') throw methodNotAllowedError(`GET /prompts/${n}`);
        const summary = await library.summary(tenant, n);
        if (summary === undefined) throw new NotFoundError(`prompt template ${n} not found`);
        const versions = [];
        for (let v = 1; v <= summary.latest; v++) {
          const t = await library.version(tenant, n, v).catch(() => undefined);
          if (t !== undefined)
            versions.push({ version: v, created_at: t.version.created_at, source: t.version.source, description: t.version.description });
        }
        sendJson(res, 200, { ...summary, versions });
        return;
      }
      switch (second) {
        case 'versions': {
          if (third === undefined) {
            if (method !== 'POST') throw methodNotAllowedError(`POST /prompts/${n}/versions with a template body`);
            manage(principal, 'creating a template version');
            const b = await body(req, templateBodySchema, 'template {template, variables?, sections?, maxTokens?, labels?, description?}');
            sendJson(res, 201, shown(await library.create(tenant, n, b)));
            return;
          }
          if (method !== 'GET') throw methodNotAllowedError(`GET /prompts/${n}/versions/${third}`);
          const ref = /^[0-9]+$/.test(third) ? `${n}@${versionNumber(third)}` : `${n}@${name(third, 'label')}`;
          const { template, label } = await library.resolve(tenant, ref);
          sendJson(res, 200, { ...shown(template.version), ...(label === undefined ? {} : { label }) });
          return;
        }
        case 'labels': {
          const label = name(third, 'label');
          if (method !== 'PUT') throw methodNotAllowedError(`PUT /prompts/${n}/labels/${label} with {"version": n}`);
          manage(principal, 'moving a label');
          const b = await body(req, labelBody, 'label {"version": n}');
          await library.setLabel(tenant, n, label, b.version);
          sendJson(res, 200, { name: n, label, version: b.version });
          return;
        }
        case 'diff': {
          if (third !== undefined || method !== 'GET') throw methodNotAllowedError(`GET /prompts/${n}/diff?from=1&to=2`);
          const q = new URL(req.url ?? '/', 'http://gateway.invalid').searchParams;
          sendJson(
            res,
            200,
            await library.diff(tenant, n, versionNumber(q.get('from') ?? undefined), versionNumber(q.get('to') ?? undefined)),
          );
          return;
        }
        case 'render': {
          if (third !== undefined || method !== 'POST')
            throw methodNotAllowedError(`POST /prompts/${n}/render with {"version"?, "variables"}`);
          const b = await body(req, renderBody, 'render {"version"?: n | label, "variables": {...}}');
          const out = await library.render(tenant, b.version === undefined ? n : `${n}@${b.version}`, b.variables, {
            agent: '',
            persona: '',
            metadata: {},
            now: new Date().toISOString(),
            context: {},
          });
          sendJson(res, 200, { text: out.text, prompt: out.prompt, ...(out.tokens === undefined ? {} : { tokens: out.tokens }) });
          return;
        }
        default:
          throw new NotFoundError(`no prompts endpoint ${path}`);
      }
    },
  };
}

/** `/personas`: `GET /` list · `GET /{name}` · `PUT /{name}` (`prompts:manage`) create or replace · `DELETE /{name}` (`prompts:manage`). */
export function personasRoute(library: PromptLibrary): HttpRoute {
  return {
    prefix: '/personas',
    async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
      requirePermission(principal, 'prompts:read', 'personas');
      const tenant = principal.tenant;
      const method = (req.method ?? 'GET').toUpperCase();
      const [first, ...rest] = pathSegments(path);
      if (rest.length > 0) throw new NotFoundError(`no personas endpoint ${path}`);
      if (first === undefined) {
        if (method !== 'GET') throw methodNotAllowedError('GET /personas; PUT /personas/{name}');
        sendJson(res, 200, { personas: await library.personas(tenant) });
        return;
      }
      const n = name(first, 'persona name');
      switch (method) {
        case 'GET':
          sendJson(res, 200, await library.persona(tenant, n));
          return;
        case 'PUT': {
          manage(principal, 'writing a persona');
          const raw = await readJson(req);
          if (raw === undefined || typeof raw !== 'object' || raw === null) throw new ValidationError('empty body: send a persona');
          const parsed = personaSchema.safeParse({ ...raw, name: n });
          if (!parsed.success) throw new ValidationError(`bad persona: ${formatIssues(parsed.error.issues)}`);
          await library.putPersona(tenant, parsed.data);
          sendJson(res, 200, parsed.data);
          return;
        }
        case 'DELETE': {
          manage(principal, 'deleting a persona');
          if (!(await library.deletePersona(tenant, n))) throw new NotFoundError(`persona ${n} not found`);
          sendJson(res, 200, { name: n, deleted: true });
          return;
        }
        default:
          throw methodNotAllowedError(`${method} is not allowed on /personas/${n}`);
      }
    },
  };
}
