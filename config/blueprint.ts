/**
 * Blueprints (docs/blueprints.md, ADR 0045): a versioned bundle of agents, prompt templates, workflows, guardrail
 * policies, eval suites, knowledge packs and tool modules, described by a manifest (`blueprint.yaml` or
 * `blueprint.json`). A bundle is handled as a map of its files (path → UTF-8 text), so the CLI and the gateway check
 * the same thing: {@link checkBlueprint} validates the manifest and every part with the config schemas the node's own
 * config uses (agents, prompts, workflows, guardrails), checks each tool module's sha256, and returns the parts with
 * their names namespaced (`<blueprint>/<agent>`, `<blueprint>.<template>`, `<blueprint>.<tool>`, `<blueprint>_<pack>`).
 * Every problem names the file and the field.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import semver from 'semver';
import { parse as parseYaml } from 'yaml';
import { agentsSchema, mcpServerConfigSchema, type AgentConfig, type McpServerConfig } from './agents.js';
import { promptsSchema, type ConfiguredTemplate } from './prompts.js';
import { workflowSchema, checkWorkflowTargets, type WorkflowDefinition } from './workflows.js';
import { guardrailsSchema, type GuardrailsConfig } from './guardrails.js';
import { describeZodIssue } from './errors.js';

/** Manifest file names, in the order they are looked for. */
export const MANIFEST_FILES = ['blueprint.yaml', 'blueprint.yml', 'blueprint.json'] as const;

/** A blueprint's name: lowercase, digits and `-` (no `_`, `.` or `/`: those separate namespaced names). */
export const BLUEPRINT_NAME = /^[a-z][a-z0-9-]{0,39}$/;
/** A part's name inside a blueprint (agents, templates, tools, packs, workflows). */
export const PART_NAME = /^[a-z][a-z0-9-]{0,23}$/;

/** Largest bundle accepted (sum of its files, bytes) and most files. */
export const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;
export const MAX_BUNDLE_FILES = 2_000;

const rel = z
  .string({ error: 'expected a relative path in the bundle' })
  .min(1)
  .max(300)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..') && !p.includes('\\'), {
    error: 'expected a relative path inside the bundle (no "..", no leading "/")',
  });
const partName = (what: string) =>
  z.string({ error: `expected ${what}` }).regex(PART_NAME, { error: `expected ${what}: ${PART_NAME.source}` });
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'expected an environment variable name' });
const money = z.number({ error: 'expected a price >= 0' }).min(0).max(1_000_000);
const range = z.string().refine((r) => semver.validRange(r) !== null, { error: 'expected a semver range, e.g. ^1.2.0' });

/** The manifest (`blueprint.yaml`); its JSON schema is docs/blueprint.schema.json. */
export const blueprintManifestSchema = z.strictObject({
  name: z
    .string({ error: 'expected a blueprint name' })
    .regex(BLUEPRINT_NAME, { error: `expected a blueprint name: ${BLUEPRINT_NAME.source}` }),
  version: z
    .string({ error: 'expected a semver version' })
    .refine((v) => semver.valid(v) === v, { error: 'expected a semver version, e.g. 1.0.0' }),
  description: z.string().max(2_000).default(''),
  author: z.string({ error: 'expected an author' }).min(1).max(200),
  license: z.string({ error: 'expected a license (SPDX id)' }).min(1).max(100),
  category: z.string({ error: 'expected a category' }).min(1).max(60),
  /** What a run of this blueprint's agents costs the tenant (billing, `GET /billing`). */
  pricing: z
    .strictObject({
      perRun: money.default(0),
      per1kTokens: money.default(0),
      perToolCall: money.default(0),
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/, { error: 'expected an ISO 4217 currency code, e.g. USD' })
        .default('USD'),
    })
    .prefault({}),
  requires: z
    .strictObject({
      /** The Troupe versions it runs on. */
      troupe: range.default('*'),
      /** Other blueprints that must be installed, by name → version range. */
      blueprints: z.record(z.string().regex(BLUEPRINT_NAME, { error: 'expected a blueprint name' }), range).default(() => ({})),
      /** Environment variables the node must have. */
      env: z.array(envName).default(() => []),
      /** Secrets (environment variables never shown) the node must have. */
      secrets: z.array(envName).default(() => []),
    })
    .prefault({}),
  /** Agent files (YAML or JSON, one agent each, as in config `agents`). */
  agents: z.array(rel).default(() => []),
  /** Prompt template files (one template each, as in config `prompts`). */
  prompts: z.array(rel).default(() => []),
  /** Workflow files (one workflow each, as in config `workflows`). */
  workflows: z.array(rel).default(() => []),
  /** A guardrail policy file (as config `guardrails`). */
  guardrails: rel.optional(),
  /** Eval suites (docs/evals.md); `upgrade` runs them against the new version before switching. */
  evals: z.array(rel).default(() => []),
  /** Knowledge packs: documents ingested into the collection `<blueprint>_<name>`. */
  knowledge: z
    .array(
      z.strictObject({
        name: partName('a knowledge pack name'),
        description: z.string().max(500).optional(),
        /** Files, or directories ending in `/` (every file under it). */
        documents: z.array(rel).min(1, { error: 'expected at least one document' }),
        chunking: z
          .strictObject({ maxChars: z.int().min(50).max(20_000).default(800), overlapChars: z.int().min(0).max(5_000).default(120) })
          .refine((c) => c.overlapChars < c.maxChars / 2, { error: 'expected overlapChars below half of maxChars', path: ['overlapChars'] })
          .optional(),
        /** The embedder the pack was prepared for (informational; the node embeds with its own). */
        embedding: z
          .strictObject({ model: z.string().min(1).max(200).optional(), dimensions: z.int().min(1).max(8192).optional() })
          .optional(),
      }),
    )
    .default(() => []),
  /** Tool modules: an ES module whose default export is `run(args)`; its sha256 is checked at install and at load. */
  tools: z
    .array(
      z.strictObject({
        name: partName('a tool name'),
        module: rel,
        sha256: z.string().regex(/^[a-f0-9]{64}$/, { error: 'expected the module file sha256 as 64 lowercase hex digits' }),
        description: z.string().min(1).max(2_000),
        /** JSON schema of the arguments (shown to the model). */
        parameters: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .default(() => []),
  /** MCP servers (as config `mcpServers`); recorded and listed. */
  mcpServers: z.array(z.unknown()).default(() => []),
});

/** A parsed manifest. */
export type BlueprintManifest = z.output<typeof blueprintManifestSchema>;

/** A bundle: its files by relative path (UTF-8 text). */
export type BundleFiles = Readonly<Record<string, string>>;

/** One problem with a bundle: the file and the dotted field. */
export interface BlueprintIssue {
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

/** Thrown when a bundle is invalid; lists every issue (`file: field: message`). */
export class BlueprintError extends Error {
  override readonly name = 'BlueprintError';
  readonly code = 'bad_request' as const;
  constructor(readonly issues: readonly BlueprintIssue[]) {
    super(
      `invalid blueprint (${issues.length} issue${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  - ${formatBlueprintIssue(i)}`).join('\n'),
    );
  }
}

/** `file: field: message`. */
export function formatBlueprintIssue(i: BlueprintIssue): string {
  return `${i.file}: ${i.path === '' ? '' : `${i.path}: `}${i.message}`;
}

/** A tool module as installed: declared name and hash, the module text. */
export interface BlueprintTool {
  /** Namespaced: `<blueprint>.<tool>`. */
  readonly name: string;
  readonly description: string;
  readonly parameters?: Record<string, unknown>;
  readonly sha256: string;
  readonly source: string;
}

/** A knowledge pack as installed. */
export interface BlueprintPack {
  readonly name: string;
  /** The collection: `<blueprint>_<pack>`. */
  readonly collection: string;
  readonly description?: string;
  readonly chunking?: { maxChars: number; overlapChars: number };
  readonly documents: readonly { readonly id: string; readonly content: string }[];
}

/** An eval suite of the bundle (its text; cases name the blueprint's agents by their local names). */
export interface BlueprintEval {
  readonly file: string;
  readonly text: string;
}

/** A checked bundle with its names namespaced. */
export interface CheckedBlueprint {
  readonly manifest: BlueprintManifest;
  /** sha256 over the bundle's files (path and content), as `pack` writes them. */
  readonly digest: string;
  readonly agents: readonly AgentConfig[];
  readonly prompts: readonly ConfiguredTemplate[];
  readonly workflows: readonly WorkflowDefinition[];
  readonly guardrails?: GuardrailsConfig;
  readonly evals: readonly BlueprintEval[];
  readonly knowledge: readonly BlueprintPack[];
  readonly tools: readonly BlueprintTool[];
  readonly mcpServers: readonly McpServerConfig[];
}

/** The hex sha256 of a text (as its UTF-8 bytes). */
export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** sha256 over every file, in path order (`path\0content\0`). */
export function bundleDigest(files: BundleFiles): string {
  const h = createHash('sha256');
  for (const p of Object.keys(files).sort()) h.update(`${p}\0${files[p]}\0`);
  return h.digest('hex');
}

/** The manifest file of a bundle, or undefined. */
export function manifestFile(files: BundleFiles): string | undefined {
  return MANIFEST_FILES.find((f) => Object.hasOwn(files, f));
}

class Issues {
  readonly list: BlueprintIssue[] = [];
  add(file: string, path: string, message: string): void {
    this.list.push({ file, path, message });
  }
  zod(file: string, error: z.ZodError, prefix: readonly PropertyKey[] = []): void {
    for (const issue of error.issues)
      for (const d of describeZodIssue({ ...issue, path: [...prefix, ...issue.path] } as z.core.$ZodIssue))
        this.add(file, d.path, d.message);
  }
}

/**
 * The parts read from their files (`raw`), checked as the config list `schema` checks them; each problem is added
 * to the file the part came from (the manifest `mf` for list-wide ones), and a name that is not a blueprint part's
 * ({@link PART_NAME}) too. None when the list does not check.
 */
function checkedParts<T extends { name: string }>(
  schema: z.ZodType<T[]>,
  raw: readonly { file: string; value: unknown }[],
  what: string,
  mf: string,
  issues: Issues,
): T[] {
  const parsed = schema.safeParse(
    raw.map((a) => a.value),
    { reportInput: true },
  );
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [i, ...rest] = issue.path;
      const file = typeof i === 'number' ? (raw[i]?.file ?? mf) : mf;
      for (const d of describeZodIssue({ ...issue, path: rest } as z.core.$ZodIssue)) issues.add(file, d.path, d.message);
    }
    return [];
  }
  parsed.data.forEach((p, i) => {
    if (!PART_NAME.test(p.name)) issues.add(raw[i]?.file ?? mf, 'name', `expected ${what} name of a blueprint: ${PART_NAME.source}`);
  });
  return parsed.data;
}

function parseText(file: string, text: string, issues: Issues): unknown {
  try {
    if (file.toLowerCase().endsWith('.json')) return JSON.parse(text) as unknown;
    if (/\.ya?ml$/i.test(file)) return parseYaml(text, { maxAliasCount: 100 }) as unknown;
    issues.add(file, '', 'expected a .yaml, .yml or .json file');
  } catch (e) {
    issues.add(
      file,
      '',
      `expected valid ${file.toLowerCase().endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0] ?? ''}`,
    );
  }
  return undefined;
}

function read(files: BundleFiles, manifest: string, field: string, path: string, issues: Issues): string | undefined {
  if (Object.hasOwn(files, path)) return files[path];
  issues.add(manifest, field, `expected a file of the bundle, "${path}" is missing`);
  return undefined;
}

/** Parses and checks only the manifest (`validate` and `list` use it); throws {@link BlueprintError}. */
export function parseManifest(files: BundleFiles): BlueprintManifest {
  const issues = new Issues();
  const m = manifestOf(files, issues);
  if (m === undefined || issues.list.length > 0) throw new BlueprintError(issues.list);
  return m;
}

function manifestOf(files: BundleFiles, issues: Issues): BlueprintManifest | undefined {
  const file = manifestFile(files);
  if (file === undefined) {
    issues.add('blueprint.yaml', '', `expected a manifest (${MANIFEST_FILES.join(', ')}) at the bundle's root`);
    return undefined;
  }
  const raw = parseText(file, files[file] as string, issues);
  if (raw === undefined) return undefined;
  const r = blueprintManifestSchema.safeParse(raw, { reportInput: true });
  if (!r.success) {
    issues.zod(file, r.error);
    return undefined;
  }
  return r.data;
}

/** Namespaces a sibling's local name (`triage` → `support/triage`); other names are kept. */
function ns(bp: string, locals: ReadonlySet<string>, sep: string) {
  return (n: string): string => (locals.has(n) ? `${bp}${sep}${n}` : n);
}

/**
 * Checks a whole bundle and returns its parts, namespaced; throws {@link BlueprintError} naming each bad file and
 * field. The agent, template, workflow and guardrail parts go through the node config's own schemas.
 */
export function checkBlueprint(files: BundleFiles): CheckedBlueprint {
  const issues = new Issues();
  const count = Object.keys(files).length;
  const bytes = Object.values(files).reduce((n, t) => n + Buffer.byteLength(t), 0);
  if (count > MAX_BUNDLE_FILES) issues.add('.', '', `expected at most ${MAX_BUNDLE_FILES} files, the bundle has ${count}`);
  if (bytes > MAX_BUNDLE_BYTES) issues.add('.', '', `expected at most ${MAX_BUNDLE_BYTES} bytes, the bundle has ${bytes}`);
  const m = manifestOf(files, issues);
  if (m === undefined) throw new BlueprintError(issues.list);
  const mf = manifestFile(files) as string;
  const bp = m.name;

  // Agents: each file one agent; the list checked as config `agents` is (names unique, handoffs known).
  const rawAgents: { file: string; value: unknown }[] = [];
  m.agents.forEach((p, i) => {
    const text = read(files, mf, `agents.${i}`, p, issues);
    const v = text === undefined ? undefined : parseText(p, text, issues);
    if (v !== undefined) rawAgents.push({ file: p, value: v });
  });
  const agents = checkedParts(agentsSchema, rawAgents, 'an agent', mf, issues);

  // Prompt templates, checked as config `prompts` (a `file` entry names a file of the bundle).
  const rawPrompts: { file: string; value: unknown }[] = [];
  m.prompts.forEach((p, i) => {
    const text = read(files, mf, `prompts.${i}`, p, issues);
    let v = text === undefined ? undefined : parseText(p, text, issues);
    if (v !== null && typeof v === 'object' && typeof (v as { file?: unknown }).file === 'string') {
      const { file: inner, ...rest } = v as { file: string };
      const body = read(files, p, 'file', inner, issues);
      v = body === undefined ? undefined : { ...rest, template: body };
    }
    if (v !== undefined) rawPrompts.push({ file: p, value: v });
  });
  const prompts = checkedParts(promptsSchema, rawPrompts, 'a template', mf, issues);

  // Workflows, each checked as config `workflows`, and their targets against the blueprint's agents and tools.
  const workflows: WorkflowDefinition[] = [];
  m.workflows.forEach((p, i) => {
    const text = read(files, mf, `workflows.${i}`, p, issues);
    const v = text === undefined ? undefined : parseText(p, text, issues);
    if (v === undefined) return;
    const r = workflowSchema.safeParse(v, { reportInput: true });
    if (!r.success) return issues.zod(p, r.error);
    if (!PART_NAME.test(r.data.name)) issues.add(p, 'name', `expected a workflow name of a blueprint: ${PART_NAME.source}`);
    workflows.push({ ...r.data, file: p });
  });
  const toolNames = new Set(['clock', 'calculator', ...m.tools.map((t) => t.name), ...m.knowledge.map((k) => `search_${k.name}`)]);
  const serverList = m.mcpServers.flatMap((s) =>
    typeof s === 'object' && s !== null && typeof (s as { name?: unknown }).name === 'string' ? [(s as { name: string }).name] : [],
  );
  const serverNames = new Set(serverList);
  const targets = { agents: new Set(agents.map((a) => a.name)), tools: toolNames, mcpServers: serverNames };
  for (const problem of checkWorkflowTargets(workflows, targets)) {
    const [i, ...rest] = problem.path;
    issues.add(typeof i === 'number' ? (workflows[i]?.file ?? mf) : mf, rest.join('.'), problem.message);
  }

  // Guardrail policies, as config `guardrails`.
  let guardrails: GuardrailsConfig | undefined;
  if (m.guardrails !== undefined) {
    const text = read(files, mf, 'guardrails', m.guardrails, issues);
    const v = text === undefined ? undefined : parseText(m.guardrails, text, issues);
    if (v !== undefined) {
      const r = guardrailsSchema.safeParse(v, { reportInput: true });
      if (r.success) {
        guardrails = r.data;
        // Only tool modules run a blueprint's code (hash checked): a detector module would run unchecked code.
        r.data.custom.forEach((d, i) => {
          if ('module' in d)
            issues.add(
              m.guardrails as string,
              `custom.${i}.module`,
              'expected patterns or keywords: a blueprint may not load detector modules',
            );
        });
      } else issues.zod(m.guardrails, r.error);
    }
  }

  const evals: BlueprintEval[] = [];
  m.evals.forEach((p, i) => {
    const text = read(files, mf, `evals.${i}`, p, issues);
    if (text !== undefined) evals.push({ file: p, text });
  });

  const knowledge: BlueprintPack[] = m.knowledge.map((k, i) => {
    const documents: { id: string; content: string }[] = [];
    k.documents.forEach((d, j) => {
      const under = d.endsWith('/')
        ? Object.keys(files)
            .filter((f) => f.startsWith(d))
            .sort()
        : [d];
      if (under.length === 0 || (!d.endsWith('/') && !Object.hasOwn(files, d)))
        issues.add(mf, `knowledge.${i}.documents.${j}`, `expected a file or a directory of the bundle, "${d}" is missing or empty`);
      else for (const f of under) documents.push({ id: f, content: files[f] as string });
    });
    return {
      name: k.name,
      collection: `${bp}_${k.name}`,
      documents,
      ...(k.description === undefined ? {} : { description: k.description }),
      ...(k.chunking === undefined ? {} : { chunking: k.chunking }),
    };
  });

  // Tool modules: the file's sha256 must be the declared one (a modified file is refused).
  const tools: BlueprintTool[] = [];
  m.tools.forEach((t, i) => {
    const source = read(files, mf, `tools.${i}.module`, t.module, issues);
    if (source === undefined) return;
    const actual = sha256(source);
    if (actual !== t.sha256) {
      issues.add(mf, `tools.${i}.sha256`, `expected the sha256 of ${t.module} (${actual}); the module differs from what was declared`);
      return;
    }
    tools.push({
      name: `${bp}.${t.name}`,
      description: t.description,
      sha256: t.sha256,
      source,
      ...(t.parameters === undefined ? {} : { parameters: t.parameters }),
    });
  });

  const mcpServers: McpServerConfig[] = [];
  m.mcpServers.forEach((s, i) => {
    const r = mcpServerConfigSchema.safeParse(s, { reportInput: true });
    if (!r.success) return issues.zod(mf, r.error, ['mcpServers', i]);
    if (!PART_NAME.test(r.data.name))
      issues.add(mf, `mcpServers.${i}.name`, `expected an MCP server name of a blueprint: ${PART_NAME.source}`);
    // Installed as `<blueprint>_<server>` (its tools `<blueprint>_<server>.<tool>`): `_` is in no blueprint name.
    mcpServers.push({ ...r.data, name: `${bp}_${r.data.name}` });
  });

  for (const [k, names] of [
    ['agents', agents.map((a) => a.name)],
    ['tools', m.tools.map((t) => t.name)],
    ['knowledge', m.knowledge.map((t) => t.name)],
    ['workflows', workflows.map((w) => w.name)],
    ['mcpServers', serverList],
  ] as const) {
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) issues.add(mf, k, `expected unique names ("${n}" is used twice)`);
      seen.add(n);
    }
  }
  // Recall reads only the blueprint's own knowledge packs.
  const packNames = new Set(m.knowledge.map((k) => k.name));
  agents.forEach((a, i) => {
    a.recall?.collections.forEach((c, j) => {
      if (!packNames.has(c))
        issues.add(rawAgents[i]?.file ?? mf, `recall.collections.${j}`, `expected a knowledge pack of this blueprint, "${c}" is none`);
    });
  });
  if (issues.list.length > 0) throw new BlueprintError(issues.list);

  // Namespacing: every name the blueprint defines gets its prefix, and so does every reference to one of them.
  const agentNs = ns(bp, new Set(agents.map((a) => a.name)), '/');
  const promptNs = ns(bp, new Set(prompts.map((p) => p.name)), '.');
  const packs = new Map(m.knowledge.map((k) => [`search_${k.name}`, `search_${bp}_${k.name}`]));
  const moduleNs = ns(bp, new Set(m.tools.map((t) => t.name)), '.');
  // A tool of one of its MCP servers (`<server>.<tool>`) becomes `<blueprint>_<server>.<tool>`.
  const serverNs = (n: string): string | undefined => {
    const dot = n.indexOf('.');
    return dot > 0 && serverNames.has(n.slice(0, dot)) ? `${bp}_${n}` : undefined;
  };
  const toolNs = (n: string): string => packs.get(n) ?? serverNs(n) ?? moduleNs(n);
  const promptRef = (ref: string): string => {
    const at = ref.indexOf('@');
    return at < 0 ? promptNs(ref) : `${promptNs(ref.slice(0, at))}${ref.slice(at)}`;
  };
  return {
    manifest: m,
    digest: bundleDigest(files),
    agents: agents.map((a) => ({
      ...a,
      name: agentNs(a.name),
      handoffs: a.handoffs.map(agentNs),
      delegates: a.delegates.map(agentNs),
      tools: a.tools.map(toolNs),
      approvals: a.approvals.map(toolNs),
      ...(a.prompt === undefined ? {} : { prompt: promptRef(a.prompt) }),
      // Recall reads the blueprint's own packs (`<blueprint>_<pack>`), through the agent's memory hook.
      ...(a.recall === undefined ? {} : { recall: { ...a.recall, collections: a.recall.collections.map((c) => `${bp}_${c}`) } }),
    })) as AgentConfig[],
    prompts: prompts.map((p) => ({ ...p, name: promptNs(p.name) })),
    workflows: workflows.map((w) => namespaceWorkflow(w, bp, agentNs, toolNs)),
    ...(guardrails === undefined ? {} : { guardrails }),
    evals,
    knowledge,
    tools,
    mcpServers,
  };
}

function namespaceWorkflow(
  w: WorkflowDefinition,
  bp: string,
  agentNs: (n: string) => string,
  toolNs: (n: string) => string,
): WorkflowDefinition {
  const steps = (s: WorkflowDefinition['steps']) =>
    s === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(s).map(([id, step]) => [
            id,
            {
              ...step,
              ...(step.agent === undefined ? {} : { agent: agentNs(step.agent) }),
              ...(step.tool === undefined ? {} : { tool: toolNs(step.tool) }),
              ...(step.workflow === undefined ? {} : { workflow: `${bp}/${step.workflow}` }),
            },
          ]),
        );
  const out = { ...w, name: `${bp}/${w.name}` };
  if (w.steps !== undefined) out.steps = steps(w.steps);
  if (w.states !== undefined) out.states = steps(w.states);
  return out;
}

/** Environment variables and secrets the manifest requires that `env` lacks (reported before anything is written). */
export function missingRequirements(m: BlueprintManifest, env: NodeJS.ProcessEnv): { env: string[]; secrets: string[] } {
  const absent = (n: string): boolean => env[n] === undefined || env[n] === '';
  return { env: m.requires.env.filter(absent), secrets: m.requires.secrets.filter(absent) };
}

/** True when `version` (of Troupe, or of an installed blueprint) satisfies `rangeText`. */
export function satisfies(version: string, rangeText: string): boolean {
  return semver.satisfies(version, rangeText, { includePrerelease: true });
}

/** The manifest's JSON schema (docs/blueprint.schema.json is this, written by `npm run`-free test check). */
export function blueprintJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(blueprintManifestSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://troupe.dev/schemas/blueprint.schema.json', title: 'Troupe blueprint manifest' };
}
