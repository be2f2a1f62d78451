/**
 * The prompt library of a node: templates and personas from config (read-only, the same on every node)
 * and those created over the HTTP API, kept per tenant in the node's storage (bucket `prompts`), so
 * every node of a mesh renders the same version (ADR 0023). Versions are immutable once written, so
 * each node caches them compiled; labels are read from storage on every resolve, so moving
 * `production` is seen by the next run on any node.
 *
 * Keys: `[tenant, 'v', name, seq(version)]` a version, `[tenant, 'head', name]` the newest version
 * number, `[tenant, 'label', name, label]` a label, `[tenant, 'persona', name]` a persona.
 */
import { diffLines, createTwoFilesPatch } from 'diff';
import {
  ConflictError,
  NotFoundError,
  ValidationError,
  parsePromptRef,
  type Persona,
  type PromptRef,
  type RenderedPrompt,
  type TemplateBody,
  type TemplateVersion,
} from '../../protocols/index.js';
import { findCycle, type ConfiguredTemplate } from '../../config/index.js';
import { seqKey, type KvBucket, type Storage } from '../../runtime/index.js';
import { compileTemplate, renderCompiled, type CompiledTemplate, type Rendered } from './render.js';

/** A template as listed: its versions, labels, where it comes from. */
export interface TemplateSummary {
  readonly name: string;
  readonly description: string;
  /** The newest version number. */
  readonly latest: number;
  /** Label → version. */
  readonly labels: Readonly<Record<string, number>>;
  /** `config`: its first versions come from config (later ones may come from the API). */
  readonly source: 'config' | 'api';
}

/** A line diff of two versions. */
export interface TemplateDiff {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  /** Unified diff of the template texts (and of the variables and sections as JSON). */
  readonly patch: string;
  /** Runs of lines: added, removed or unchanged. */
  readonly changes: readonly { readonly added: boolean; readonly removed: boolean; readonly count: number; readonly value: string }[];
}

/** A render and which version it used. */
export interface PromptRender extends Rendered {
  readonly prompt: RenderedPrompt;
  /** The compiled template (its variables, to know which builtins it used). */
  readonly template: CompiledTemplate;
}

const EPOCH = new Date(0).toISOString();
const MAX_PARTIAL_DEPTH = 16;
const CACHE_MAX = 2000;

/** Templates and personas: config's and the API's, per tenant. */
export class PromptLibrary {
  private readonly bucket: KvBucket;
  private readonly configured = new Map<string, { versions: CompiledTemplate[]; labels: Record<string, number> }>();
  private readonly configPersonas: ReadonlyMap<string, Persona>;
  private readonly cache = new Map<string, CompiledTemplate>();

  constructor(
    storage: Storage,
    config: { readonly prompts: readonly ConfiguredTemplate[]; readonly personas: readonly Persona[] },
    private readonly now: () => number = Date.now,
  ) {
    this.bucket = storage.bucket('prompts');
    for (const t of config.prompts) {
      const labels: Record<string, number> = {};
      const versions = t.versions.map((b, i) => {
        for (const l of b.labels) labels[l] = i + 1;
        return compileTemplate(toVersion(t.name, i + 1, b, 'config', EPOCH));
      });
      labels['production'] ??= versions.length;
      this.configured.set(t.name, { versions, labels });
    }
    this.configPersonas = new Map(config.personas.map((p) => [p.name, p]));
  }

  // ---- templates: reads ----

  /** Every template the tenant sees, by name. */
  async list(tenant: string): Promise<TemplateSummary[]> {
    const names = new Set(this.configured.keys());
    for (const e of await this.bucket.list<{ version: number }>([tenant, 'head'])) names.add(e.key[2] as string);
    const out: TemplateSummary[] = [];
    for (const n of [...names].sort()) {
      const s = await this.summary(tenant, n);
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  /** One template's summary, or undefined. */
  async summary(tenant: string, name: string): Promise<TemplateSummary | undefined> {
    const conf = this.configured.get(name);
    const head = await this.bucket.get<{ version: number }>([tenant, 'head', name]);
    if (conf === undefined && head === undefined) return undefined;
    const latest = Math.max(head?.version ?? 0, conf?.versions.length ?? 0);
    const newest = await this.version(tenant, name, latest);
    return {
      name,
      description: newest.version.description,
      latest,
      labels: await this.labels(tenant, name),
      source: conf ? 'config' : 'api',
    };
  }

  /** Label → version of template `name` (stored labels over config's). */
  async labels(tenant: string, name: string): Promise<Record<string, number>> {
    const out: Record<string, number> = { ...(this.configured.get(name)?.labels ?? {}) };
    for (const e of await this.bucket.list<{ version: number }>([tenant, 'label', name])) out[e.key[3] as string] = e.value.version;
    return out;
  }

  /** Version `version` of `name`, compiled; not_found when there is none. */
  async version(tenant: string, name: string, version: number): Promise<CompiledTemplate> {
    const conf = this.configured.get(name);
    if (conf !== undefined && version <= conf.versions.length && version >= 1) return conf.versions[version - 1] as CompiledTemplate;
    const key = `${tenant}\u0000${name}\u0000${version}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const stored = await this.bucket.get<TemplateVersion>([tenant, 'v', name, seqKey(version)]);
    if (stored === undefined)
      throw new NotFoundError(
        conf === undefined && (await this.bucket.get([tenant, 'head', name])) === undefined
          ? `prompt template ${name} not found`
          : `prompt template ${name} has no version ${version}`,
      );
    const compiled = compileTemplate(stored);
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, compiled);
    return compiled;
  }

  /** The version `ref` names (`name`, `name@label`, `name@3`); not_found for an unknown name, label or version. */
  async resolve(tenant: string, ref: string | PromptRef): Promise<{ template: CompiledTemplate; label?: string }> {
    const r = typeof ref === 'string' ? parsePromptRef(ref) : ref;
    if ('version' in r) return { template: await this.version(tenant, r.name, r.version) };
    const stored = await this.bucket.get<{ version: number }>([tenant, 'label', r.name, r.label]);
    const version = stored?.version ?? this.configured.get(r.name)?.labels[r.label];
    if (version === undefined) {
      if ((await this.summary(tenant, r.name)) === undefined) throw new NotFoundError(`prompt template ${r.name} not found`);
      throw new NotFoundError(`prompt template ${r.name} has no version labelled ${r.label}`);
    }
    return { template: await this.version(tenant, r.name, version), label: r.label };
  }

  // ---- templates: writes ----

  /**
   * Adds the next version of `name` (the first version of a new name is labelled `production` unless it
   * names labels). Refused (bad_request) when it does not parse, uses an undeclared variable, or its
   * partials would include each other in a cycle.
   */
  async create(tenant: string, name: string, body: TemplateBody): Promise<TemplateVersion> {
    const head = await this.bucket.get<{ version: number }>([tenant, 'head', name]);
    const conf = this.configured.get(name);
    const next = Math.max(head?.version ?? 0, conf?.versions.length ?? 0) + 1;
    const version = toVersion(name, next, body, 'api', new Date(this.now()).toISOString());
    const compiled = compileTemplate(version);
    await this.checkPartials(tenant, compiled);
    const labels = body.labels.length > 0 || next > 1 ? body.labels : ['production'];
    await this.bucket.putMany([
      { key: [tenant, 'v', name, seqKey(next)], value: version },
      { key: [tenant, 'head', name], value: { version: next } },
      ...labels.map((l) => ({ key: [tenant, 'label', name, l], value: { version: next } })),
    ]);
    return version;
  }

  /** Points `label` of `name` at `version` (which must exist). */
  async setLabel(tenant: string, name: string, label: string, version: number): Promise<void> {
    await this.version(tenant, name, version);
    await this.bucket.put([tenant, 'label', name, label], { version });
  }

  /** A line diff of two versions of `name`. */
  async diff(tenant: string, name: string, from: number, to: number): Promise<TemplateDiff> {
    const [a, b] = await Promise.all([this.version(tenant, name, from), this.version(tenant, name, to)]);
    const text = (t: CompiledTemplate): string =>
      [
        t.version.template,
        ...t.version.sections.map(
          (s) => `--- section ${s.name} (priority ${s.priority}${s.maxTokens ? `, ${s.maxTokens} tokens` : ''})\n${s.template}`,
        ),
        `--- variables\n${JSON.stringify(t.version.variables, null, 2)}`,
      ].join('\n') + '\n';
    const [ta, tb] = [text(a), text(b)];
    return {
      name,
      from,
      to,
      patch: createTwoFilesPatch(`${name}@${from}`, `${name}@${to}`, ta, tb),
      changes: diffLines(ta, tb).map((c) => ({ added: c.added, removed: c.removed, count: c.count, value: c.value })),
    };
  }

  // ---- rendering ----

  /**
   * Renders `ref` with `variables` (checked against each template's schema) and `builtins`; partials are
   * resolved per reference (`{{> name}}` = its production label) and a partial that includes itself, at
   * any depth, fails with the chain.
   */
  async render(
    tenant: string,
    ref: string | PromptRef,
    variables: Readonly<Record<string, unknown>>,
    builtins: Readonly<Record<string, unknown>> = {},
  ): Promise<PromptRender> {
    const { template, label } = await this.resolve(tenant, ref);
    const partials = await this.partials(tenant, template);
    const out = renderCompiled(template, variables, builtins, partials);
    const used = Object.fromEntries([...partials.values()].map((p) => [p.version.name, p.version.version]));
    const prompt: RenderedPrompt = {
      name: template.version.name,
      version: template.version.version,
      ...(label === undefined ? {} : { label }),
      ...(partials.size === 0 ? {} : { partials: used }),
      ...(out.dropped.length === 0 ? {} : { dropped: [...out.dropped] }),
    };
    return { ...out, prompt, template };
  }

  /** Every partial the template includes, transitively, by reference; a cycle is a bad_request naming it. */
  async partials(tenant: string, root: CompiledTemplate): Promise<Map<string, CompiledTemplate>> {
    const out = new Map<string, CompiledTemplate>();
    const visit = async (t: CompiledTemplate, chain: string[]): Promise<void> => {
      const refs = [...t.shape.partials, ...t.sections.flatMap((s) => s.shape.partials)];
      for (const ref of refs) {
        const name = parsePromptRef(ref).name;
        if (chain.includes(name) || chain.length > MAX_PARTIAL_DEPTH)
          throw new ValidationError(`recursive partial: ${[...chain, name].join(' → ')}`);
        let p = out.get(ref);
        if (p === undefined) {
          try {
            p = (await this.resolve(tenant, ref)).template;
          } catch (e) {
            if (e instanceof NotFoundError) throw new NotFoundError(`template ${chain.join(' → ')} includes partial ${ref}: ${e.message}`);
            throw e;
          }
          out.set(ref, p);
        }
        await visit(p, [...chain, name]);
      }
    };
    await visit(root, [root.version.name]);
    return out;
  }

  /** Refuses a new version whose partials (as they resolve now) lead back to itself. */
  private async checkPartials(tenant: string, t: CompiledTemplate): Promise<void> {
    const edges = new Map<string, string[]>();
    const pending = [t];
    const seen = new Set<string>();
    while (pending.length > 0) {
      const cur = pending.pop() as CompiledTemplate;
      if (seen.has(cur.version.name)) continue;
      seen.add(cur.version.name);
      const refs = [...cur.shape.partials, ...cur.sections.flatMap((s) => s.shape.partials)];
      edges.set(
        cur.version.name,
        refs.map((r) => parsePromptRef(r).name),
      );
      for (const r of refs) {
        if (parsePromptRef(r).name === t.version.name) continue;
        const next = await this.resolve(tenant, r).catch(() => undefined);
        if (next !== undefined) pending.push(next.template);
      }
    }
    const cycle = findCycle(edges);
    if (cycle !== undefined) throw new ValidationError(`recursive partial: ${cycle.join(' → ')}`);
  }

  // ---- personas ----

  /** Every persona the tenant sees (stored ones over config's of the same name). */
  async personas(tenant: string): Promise<Persona[]> {
    const out = new Map(this.configPersonas);
    for (const e of await this.bucket.list<Persona>([tenant, 'persona'])) out.set(e.value.name, e.value);
    return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Persona `name`; not_found when there is none. */
  async persona(tenant: string, name: string): Promise<Persona> {
    const p = (await this.bucket.get<Persona>([tenant, 'persona', name])) ?? this.configPersonas.get(name);
    if (p === undefined) throw new NotFoundError(`persona ${name} not found`);
    return p;
  }

  /** Creates or replaces a persona of the tenant. */
  async putPersona(tenant: string, persona: Persona): Promise<void> {
    await this.bucket.put([tenant, 'persona', persona.name], persona);
  }

  /** Deletes a stored persona; a config persona cannot be deleted (conflict). */
  async deletePersona(tenant: string, name: string): Promise<boolean> {
    const removed = await this.bucket.delete([tenant, 'persona', name]);
    if (!removed && this.configPersonas.has(name)) throw new ConflictError(`persona ${name} comes from config and cannot be deleted`);
    return removed;
  }
}

function toVersion(name: string, version: number, b: TemplateBody, source: 'config' | 'api', created: string): TemplateVersion {
  const { labels: _labels, ...rest } = b;
  return { ...rest, name, version, created_at: created, source };
}
