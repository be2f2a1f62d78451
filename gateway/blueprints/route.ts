/**
 * `/blueprints` (admins; docs/blueprints.md): install, list, stage and remove blueprints in the node's storage, where
 * every node of the mesh sees them (actors/registry, ADR 0045).
 *
 * - `POST /blueprints` `{files, tenant?, stage?, upgrade?}`: checks the bundle (every file and field), its requirements
 *   (Troupe version, other blueprints, environment variables and secrets of this node) before anything is written,
 *   then records it. `tenant` is the caller's by default; `*` installs for every tenant (an admin of the default
 *   tenant, or auth off). `stage`: record it as `<name>@next/…` for an upgrade's evals; `upgrade`: replace an
 *   installed version (and drop its staged copy).
 * - `POST /blueprints/{name}/knowledge` `{tenant?, pack, documents: [{id, content}]}`: ingests documents the install
 *   declared (by id and sha256) into the pack's collection.
 * - `GET /blueprints[?tenant=]`, `GET /blueprints/{name}[?tenant=]`: what is installed.
 * - `DELETE /blueprints/{name}[?tenant=&staged=1]`: removes exactly what the install wrote, and stops its actors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BlueprintError,
  checkBlueprint,
  missingRequirements,
  satisfies,
  sha256,
  MAX_BUNDLE_BYTES,
  type CheckedBlueprint,
  type WorkflowDefinition,
} from '../../config/index.js';
import {
  ALL_TENANTS,
  BLUEPRINTS_BUCKET,
  MEMORY_BUCKET,
  claimKey,
  RAG_DELETE,
  RAG_INGEST,
  STAGED,
  TROUPE_VERSION,
  assertScope,
  expandCases,
  guessFormat,
  parseSuite,
  PromptLibrary,
  recordKey,
  registryOf,
  stagedView,
  type BlueprintRegistry,
  type IngestReply,
  type InstalledBlueprint,
  type InstalledPack,
  type WrittenEntry,
} from '../../actors/index.js';
import { DEFAULT_TENANT, NotFoundError, ValidationError, scrubbedMessage } from '../../protocols/index.js';
import { ANONYMOUS_ADMIN, requirePermission } from '../auth/index.js';
import { gatewayError, methodNotAllowedError, readJson, sendJson } from '../http.js';
import type { GatewayDeps, HttpRoute, Principal } from '../types.js';

/**
 * The scope a caller may install to or read: its tenant; for an admin of the default tenant (the operator) or auth off
 * also `*` (every tenant) or any one tenant — the operator may install for every tenant, so for one as well.
 */
function scopeOf(principal: Principal, asked: unknown): string {
  requirePermission(principal, 'blueprints:manage', 'blueprints');
  if (asked !== undefined && typeof asked !== 'string') throw new ValidationError('tenant: expected a tenant name or "*"');
  const scope = asked ?? (principal === ANONYMOUS_ADMIN ? ALL_TENANTS : principal.tenant);
  assertScope(scope);
  if (principal === ANONYMOUS_ADMIN || scope === principal.tenant) return scope;
  if (principal.tenant === DEFAULT_TENANT) return scope;
  throw gatewayError(
    'forbidden',
    `an admin of tenant ${principal.tenant} may not manage blueprints of ${scope === ALL_TENANTS ? 'every tenant' : `tenant ${scope}`}`,
  );
}

/** A summary of a record as `GET /blueprints` lists it. */
export function blueprintSummary(r: InstalledBlueprint): Record<string, unknown> {
  const m = r.manifest;
  return {
    name: r.name,
    version: r.version,
    tenant: r.scope,
    description: m.description,
    author: m.author,
    license: m.license,
    category: m.category,
    pricing: m.pricing,
    digest: r.digest,
    installed_at: new Date(r.installedAt).toISOString(),
    agents: r.agents.map((a) => a.name),
    workflows: r.workflows.map((w) => w.name),
    tools: r.tools.map((t) => ({ name: t.name, sha256: t.sha256 })),
    prompts: r.prompts.map((p) => p.name),
    knowledge: r.knowledge.map((k) => ({ name: k.name, collection: k.collection, documents: k.documents.length })),
    evals: r.evals.map((e) => e.file),
    mcp_servers: r.mcpServers.map((s) => s.name),
    guardrails: r.guardrails !== undefined,
    keys_written: r.written.length,
  };
}

/** The record an install of `bp` in `scope` writes. */
function recordOf(bp: CheckedBlueprint, scope: string, now: number, staged: boolean): InstalledBlueprint {
  const name = bp.manifest.name;
  const packTenant = dataTenant(scope);
  const knowledge: InstalledPack[] = bp.knowledge.map((k) => ({
    name: k.name,
    collection: k.collection,
    tenant: packTenant,
    documents: k.documents.map((d) => `${d.id}#${sha256(d.content)}`),
    ...(k.chunking === undefined ? {} : { chunking: k.chunking }),
    ...(k.description === undefined ? {} : { description: k.description }),
  }));
  return {
    name,
    version: bp.manifest.version,
    scope,
    digest: bp.digest,
    installedAt: now,
    manifest: bp.manifest,
    agents: bp.agents,
    prompts: bp.prompts,
    workflows: scopedTriggers(bp.workflows, scope),
    tools: bp.tools,
    evals: bp.evals,
    // A staged copy ingests nothing: its evals read the installed version's knowledge.
    knowledge: staged ? [] : knowledge,
    ...(bp.guardrails === undefined ? {} : { guardrails: bp.guardrails }),
    mcpServers: bp.mcpServers,
    written: [
      { bucket: BLUEPRINTS_BUCKET, key: recordKey(scope, name, staged) },
      // The name's claim goes with the installed record (a staged copy claims nothing: the install holds the name).
      ...(staged ? [] : [{ bucket: BLUEPRINTS_BUCKET, key: claimKey(name) }]),
      ...(staged ? [] : knowledge.map((k) => ({ bucket: MEMORY_BUCKET, key: ['rag', k.tenant, k.collection], prefix: true }))),
      ...(staged ? [] : bp.prompts.flatMap((t) => promptEntries(packTenant, t.name))),
    ],
  };
}

/** Where the prompt library keeps templates (actors/prompt/library.ts). */
const PROMPTS_BUCKET = 'prompts';

/** The prompt store entries of template `name` in `tenant`: its versions, head and labels (what remove deletes). */
function promptEntries(tenant: string, name: string): WrittenEntry[] {
  return [
    { bucket: PROMPTS_BUCKET, key: [tenant, 'v', name], prefix: true },
    { bucket: PROMPTS_BUCKET, key: [tenant, 'head', name] },
    { bucket: PROMPTS_BUCKET, key: [tenant, 'label', name], prefix: true },
  ];
}

/** The tenant whose prompt store and collections hold an install's templates and knowledge (`*`: the default tenant). */
const dataTenant = (scope: string): string => (scope === ALL_TENANTS ? DEFAULT_TENANT : scope);

/**
 * The workflows with their schedule and topic triggers in the install's tenant: an install for one tenant fires them
 * there only (whatever tenants the bundle named — a tenant's blueprint never starts runs in another tenant); one for
 * every tenant keeps the tenants the bundle named (default: the default tenant).
 */
function scopedTriggers(workflows: readonly WorkflowDefinition[], scope: string): WorkflowDefinition[] {
  if (scope === ALL_TENANTS) return [...workflows];
  return workflows.map((w) => ({
    ...w,
    triggers: w.triggers.map((t) => ('schedule' in t || 'topic' in t ? { ...t, tenants: [scope] } : t)),
  }));
}

/** Requirements the node does not meet, as lines (empty: none). Nothing is written before they are met. */
async function unmet(bp: CheckedBlueprint, registry: BlueprintRegistry, scope: string): Promise<string[]> {
  const m = bp.manifest;
  const out: string[] = [];
  if (!satisfies(TROUPE_VERSION, m.requires.troupe)) out.push(`troupe ${m.requires.troupe} (this node runs ${TROUPE_VERSION})`);
  for (const [name, range] of Object.entries(m.requires.blueprints)) {
    const have = (await registry.get(scope, name)) ?? (await registry.get(ALL_TENANTS, name));
    if (have === undefined) out.push(`blueprint ${name} ${range} (not installed)`);
    else if (!satisfies(have.version, range)) out.push(`blueprint ${name} ${range} (${have.version} is installed)`);
  }
  const missing = missingRequirements(m, process.env);
  if (missing.env.length > 0) out.push(`environment variables ${missing.env.join(', ')}`);
  if (missing.secrets.length > 0) out.push(`secrets ${missing.secrets.join(', ')}`);
  return out;
}

function one(q: URLSearchParams, name: string): string | undefined {
  const all = q.getAll(name);
  if (all.length > 1 || all[0] === '') throw new ValidationError(`${name}: expected one non-empty value`);
  return all[0];
}

/** Stops the running actors of what `record` serves (in its tenants) so a removed or replaced part answers no more. */
async function stopActors(deps: GatewayDeps, record: InstalledBlueprint): Promise<void> {
  const addresses = [
    ...record.agents.map((a) => `agent/${a.name}`),
    ...record.workflows.map((w) => `workflow/${w.name}`),
    ...record.tools.map((t) => `tool/${t.name}`),
    ...record.knowledge.map((k) => `collection/${k.collection}`),
  ];
  const tenants = record.scope === ALL_TENANTS ? undefined : new Set([record.scope]);
  for (const ref of deps.system.actors()) {
    if (!addresses.includes(ref.address) || (tenants !== undefined && !tenants.has(ref.tenant))) continue;
    await deps.system.stop(ref).catch(() => undefined);
  }
}

/** The `/blueprints` route over `deps`. */
export function blueprintsRoute(deps: GatewayDeps): HttpRoute {
  let registry: Promise<BlueprintRegistry> | undefined;
  const reg = (): Promise<BlueprintRegistry> => (registry ??= registryOf(deps.system.storage, (m) => deps.system.warn(m)));
  const now = (): number => (deps.clock ?? deps.system.clock).now();

  async function install(req: IncomingMessage, res: ServerResponse, principal: Principal): Promise<void> {
    // Who may install is settled before the body is read: a caller without the permission learns nothing from it.
    requirePermission(principal, 'blueprints:manage', 'blueprints');
    const body = (await readJson(req, MAX_BUNDLE_BYTES * 2)) as Record<string, unknown> | null | undefined;
    if (body === undefined || body === null || typeof body !== 'object' || typeof body['files'] !== 'object' || body['files'] === null)
      throw new ValidationError('expected {files: {path: text}, tenant?, stage?, upgrade?}');
    const files = body['files'] as Record<string, unknown>;
    for (const [p, v] of Object.entries(files))
      if (typeof v !== 'string') throw new ValidationError(`files.${p.slice(0, 100)}: expected text`);
    const scope = scopeOf(principal, body['tenant']);
    const staged = body['stage'] === true;
    let bp: CheckedBlueprint;
    try {
      bp = checkBlueprint(files as Record<string, string>);
    } catch (e) {
      if (e instanceof BlueprintError) throw gatewayError('bad_request', e.message, { issues: e.issues });
      throw e;
    }
    // Tool modules and MCP servers run code in the nodes' processes, which every tenant shares: only the operator (an
    // admin of the default tenant, or auth off) installs them; a tenant's admin installs agents, prompts, workflows, knowledge.
    if ((bp.tools.length > 0 || bp.mcpServers.length > 0) && principal !== ANONYMOUS_ADMIN && principal.tenant !== DEFAULT_TENANT)
      throw gatewayError(
        'forbidden',
        `blueprint ${bp.manifest.name} carries tool modules or MCP servers, which run code on the mesh's nodes: ` +
          'only an admin of the default tenant may install it',
      );
    // Eval suites are checked with the trainer's parser (config cannot import it), each problem naming its file.
    const evalIssues = bp.evals.flatMap((e) => {
      try {
        expandCases(parseSuite(e.text, e.file), e.file);
        return [];
      } catch (err) {
        return [{ file: e.file, path: '', message: scrubbedMessage(err) }];
      }
    });
    if (evalIssues.length > 0) {
      const err = new BlueprintError(evalIssues);
      throw gatewayError('bad_request', err.message, { issues: err.issues });
    }
    const r = await reg();
    const missing = await unmet(bp, r, scope);
    if (missing.length > 0)
      throw gatewayError('unprocessable', `blueprint ${bp.manifest.name} needs ${missing.join('; ')}; nothing was installed`, { missing });
    // Blueprint names are the mesh's: the kinds serve `<name>/<agent>` once, so one name in two scopes would let one
    // tenant's install define what another tenant's runs execute. The scope holding it is not named (another tenant's).
    const taken = (): never => {
      throw gatewayError('conflict', `the blueprint name ${bp.manifest.name} is taken on this mesh: rename the blueprint`);
    };
    if ((await r.list()).some((o) => o.name === bp.manifest.name && o.scope !== scope)) taken();
    const old = await r.get(scope, bp.manifest.name);
    if (staged) {
      if (old === undefined)
        throw new NotFoundError(`blueprint ${bp.manifest.name} is not installed in ${scope}: install it before staging an upgrade`);
      const rec = recordOf(bp, scope, now(), true);
      await r.put(rec, true);
      const view = stagedView(rec);
      return sendJson(res, 201, { status: 'staged', ...blueprintSummary(view), namespace: `${rec.name}${STAGED}` });
    }
    if (old !== undefined && body['upgrade'] !== true)
      throw gatewayError('conflict', `blueprint ${old.name} ${old.version} is installed in ${scope}: use upgrade (or remove it first)`);
    // Templates go to the tenant's prompt store (`/prompts` lists them): one of the same name not written by this
    // blueprint (created over `/prompts`) is not overwritten.
    const library = new PromptLibrary(deps.system.storage, { prompts: [], personas: [] }, now);
    const promptTenant = dataTenant(scope);
    for (const t of bp.prompts)
      if (old?.prompts.some((p) => p.name === t.name) !== true && (await library.summary(promptTenant, t.name)) !== undefined)
        throw gatewayError('conflict', `prompt template ${t.name} exists in tenant ${promptTenant} and is not this blueprint's`);
    // The name is claimed with a create-only write: of two concurrent installs in two scopes, one gets 409.
    const claim = await r.claim(bp.manifest.name, scope);
    if (!claim.held) taken();
    const rec = recordOf(bp, scope, now(), false);
    try {
      await r.put(rec);
    } catch (e) {
      if (claim.created) await r.unclaim(rec.name, scope).catch(() => undefined);
      throw e;
    }
    await writePrompts(library, promptTenant, old, rec);
    if (old !== undefined) {
      await cleanUpgrade(old, rec);
      await r.unstage(scope, rec.name);
      await stopActors(deps, old);
    }
    sendJson(res, old === undefined ? 201 : 200, {
      status: old === undefined ? 'installed' : 'upgraded',
      ...(old === undefined ? {} : { previous: old.version }),
      ...blueprintSummary(rec),
    });
  }

  /** Writes the install's templates to the prompt store, in place of the previous version's (an upgrade). */
  async function writePrompts(
    library: PromptLibrary,
    tenant: string,
    old: InstalledBlueprint | undefined,
    rec: InstalledBlueprint,
  ): Promise<void> {
    const bucket = deps.system.storage.bucket(PROMPTS_BUCKET);
    for (const t of old?.prompts ?? [])
      for (const e of promptEntries(tenant, t.name)) await (e.prefix === true ? bucket.deletePrefix(e.key) : bucket.delete(e.key));
    for (const t of rec.prompts) {
      // Version numbers are never reused (nodes cache versions by number): a new install or upgrade numbers its
      // versions after the highest this tenant's template of that name ever had, kept beside it (not removed).
      const mark: string[] = [tenant, 'blueprint-seq', t.name];
      const from = (await bucket.get<{ version: number }>(mark))?.version ?? 0;
      if (from > 0) await bucket.put([tenant, 'head', t.name], { version: from });
      for (const v of t.versions) await library.create(tenant, t.name, v);
      await bucket.put(mark, { version: from + t.versions.length });
      // As in config: the newest version is production unless a version says otherwise.
      if (!t.versions.some((v) => v.labels.includes('production')))
        await library.setLabel(tenant, t.name, 'production', from + t.versions.length);
    }
  }

  /** What the old version wrote that the new one does not: packs it dropped, documents it dropped from a pack. */
  async function cleanUpgrade(old: InstalledBlueprint, next: InstalledBlueprint): Promise<void> {
    for (const k of old.knowledge) {
      const kept = next.knowledge.find((n) => n.collection === k.collection);
      if (kept === undefined) {
        await deps.system.storage.bucket(MEMORY_BUCKET).deletePrefix(['rag', k.tenant, k.collection]);
        continue;
      }
      const ids = new Set(kept.documents.map((d) => d.slice(0, d.lastIndexOf('#'))));
      const gone = k.documents.map((d) => d.slice(0, d.lastIndexOf('#'))).filter((d) => !ids.has(d));
      if (gone.length > 0) await (await deps.ensure(`collection/${k.collection}`, k.tenant)).ask(RAG_DELETE, { documentIds: gone });
    }
  }

  async function knowledge(req: IncomingMessage, res: ServerResponse, principal: Principal, name: string): Promise<void> {
    const body = (await readJson(req, MAX_BUNDLE_BYTES * 2)) as Record<string, unknown> | undefined;
    if (body === undefined || typeof body['pack'] !== 'string' || !Array.isArray(body['documents']))
      throw new ValidationError('expected {pack, documents: [{id, content}], tenant?}');
    const scope = scopeOf(principal, body['tenant']);
    const rec = (await (await reg()).get(scope, name)) ?? notInstalled(name, scope);
    const pack =
      rec.knowledge.find((k) => k.name === body['pack']) ?? notInstalled(`${name} knowledge pack ${String(body['pack'])}`, scope);
    const declared = new Set(pack.documents);
    const documents = (body['documents'] as unknown[]).map((d, i) => {
      const doc = d as { id?: unknown; content?: unknown };
      if (typeof doc?.id !== 'string' || typeof doc.content !== 'string')
        throw new ValidationError(`documents.${i}: expected {id, content}`);
      if (!declared.has(`${doc.id}#${sha256(doc.content)}`))
        throw new ValidationError(
          `documents.${i}: ${doc.id.slice(0, 200)} is not a document of pack ${pack.name} as installed (id and sha256)`,
        );
      return { id: doc.id, content: doc.content, format: guessFormat(doc.id), metadata: { source: doc.id, blueprint: name } };
    });
    if (documents.length === 0) throw new ValidationError('documents: expected at least one');
    const ref = await deps.ensure(`collection/${pack.collection}`, pack.tenant);
    const reply = await ref.ask<IngestReply>(RAG_INGEST, { documents }, { timeoutMs: 300_000 });
    sendJson(res, 200, { collection: pack.collection, tenant: pack.tenant, documents: reply.documents });
  }

  return {
    prefix: '/blueprints',
    async handle(req, res, principal, path) {
      const url = new URL(req.url ?? '/', 'http://x');
      const segments = path.split('/').filter((s) => s !== '');
      if (segments.length > 2 || (segments.length === 2 && segments[1] !== 'knowledge'))
        throw gatewayError('not_found', `no route /blueprints${path}`);
      const name = segments[0] === undefined ? undefined : decodeURIComponent(segments[0]);
      try {
        if (name === undefined) {
          if (req.method === 'POST') return await install(req, res, principal);
          if (req.method !== 'GET') throw methodNotAllowedError('GET, POST /blueprints');
          const asked = one(url.searchParams, 'tenant');
          const scope = scopeOf(principal, asked);
          const r = await reg();
          // A tenant's view: its own installs and those for every tenant.
          const scopes =
            asked === undefined && principal === ANONYMOUS_ADMIN ? undefined : scope === ALL_TENANTS ? [ALL_TENANTS] : [scope, ALL_TENANTS];
          const records = scopes === undefined ? await r.list() : (await Promise.all(scopes.map((s) => r.list(s)))).flat();
          return sendJson(res, 200, { items: records.map(blueprintSummary) });
        }
        if (segments[1] === 'knowledge') {
          if (req.method !== 'POST') throw methodNotAllowedError('POST /blueprints/{name}/knowledge');
          return await knowledge(req, res, principal, name);
        }
        const scope = scopeOf(principal, one(url.searchParams, 'tenant'));
        const staged = one(url.searchParams, 'staged') === '1';
        const r = await reg();
        const rec = (await r.get(scope, name, staged)) ?? notInstalled(name, scope, staged);
        if (req.method === 'GET') return sendJson(res, 200, { ...blueprintSummary(rec), staged });
        if (req.method !== 'DELETE') throw methodNotAllowedError('GET, DELETE /blueprints/{name}');
        const deleted = await r.delete(rec, staged);
        await stopActors(deps, staged ? stagedView(rec) : rec);
        return sendJson(res, 200, { status: 'removed', name, version: rec.version, tenant: scope, staged, deleted });
      } catch (e) {
        if (e instanceof SyntaxError || e instanceof URIError) throw new ValidationError(scrubbedMessage(e));
        throw e;
      }
    },
  };
}

function notInstalled(name: string, scope: string, staged = false): never {
  throw new NotFoundError(
    `blueprint ${name} is not ${staged ? 'staged' : 'installed'} in ${scope === ALL_TENANTS ? 'every tenant' : `tenant ${scope}`}`,
  );
}
