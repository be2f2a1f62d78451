/**
 * The storage-backed blueprint registry (ADR 0045): what `troupe blueprint install` wrote, in the node's storage
 * (bucket `blueprints`), read by every node of the mesh and watched, so a blueprint installed on one node is served
 * by all without a restart. Keys start with the install's scope — a tenant, or `*` for every tenant:
 * `[scope, 'installed', name]` the installed version, `[scope, 'staged', name]` an upgrade being evaluated,
 * `['*', 'claim', name]` the scope holding a name on the mesh (written create-only), and
 * `['*', 'rev']` a counter bumped after every change (what nodes watch: in process on lmdb and memory, a JetStream
 * KV watch on a cluster). A record lists every storage entry its install wrote, so `remove` deletes exactly those.
 */
import type {
  AgentConfig,
  BlueprintManifest,
  BlueprintTool,
  ConfiguredTemplate,
  GuardrailsConfig,
  McpServerConfig,
  WorkflowDefinition,
} from '../../config/index.js';
import { NotFoundError, TooLargeError, ValidationError } from '../../protocols/index.js';
import type { KvBucket, Storage, StorageKey } from '../../runtime/index.js';

/** The bucket of install records. */
export const BLUEPRINTS_BUCKET = 'blueprints';
/** The scope of an install for every tenant (no tenant name can be `*`). */
export const ALL_TENANTS = '*';
/** The version of Troupe blueprints' `requires.troupe` is checked against. */
export const TROUPE_VERSION = '0.1.0';
/** Suffix of a staged (being evaluated) blueprint's agent and workflow namespace: `<name>@next/<agent>`. */
export const STAGED = '@next';
/** Largest install record (bytes of JSON): under JetStream's default 1 MB message. */
const MAX_RECORD_BYTES = 900_000;
const REV_KEY: StorageKey = [ALL_TENANTS, 'rev'];

/** The key of a blueprint name's claim: which scope holds the name on this mesh (one scope per name). */
export function claimKey(name: string): string[] {
  return [ALL_TENANTS, 'claim', name];
}

/** A storage entry an install wrote (a key, or every key under a prefix). */
export interface WrittenEntry {
  readonly bucket: string;
  readonly key: readonly string[];
  readonly prefix?: boolean;
}

/** A knowledge pack as recorded: its collection and the document ids ingested. */
export interface InstalledPack {
  readonly name: string;
  readonly collection: string;
  /** The tenant whose collection holds the documents (an install for every tenant uses `default`). */
  readonly tenant: string;
  readonly documents: readonly string[];
  readonly chunking?: { maxChars: number; overlapChars: number };
  readonly description?: string;
}

/** One installed (or staged) blueprint. */
export interface InstalledBlueprint {
  readonly name: string;
  readonly version: string;
  /** A tenant, or `*` for every tenant. */
  readonly scope: string;
  readonly digest: string;
  readonly installedAt: number;
  readonly manifest: BlueprintManifest;
  readonly agents: readonly AgentConfig[];
  readonly prompts: readonly ConfiguredTemplate[];
  readonly workflows: readonly WorkflowDefinition[];
  readonly tools: readonly BlueprintTool[];
  readonly evals: readonly { file: string; text: string }[];
  readonly knowledge: readonly InstalledPack[];
  readonly guardrails?: GuardrailsConfig;
  /** MCP servers, named `<blueprint>_<server>` (attached on the nodes hosting tools). */
  readonly mcpServers: readonly McpServerConfig[];
  /** Every storage entry the install wrote (this record included). */
  readonly written: readonly WrittenEntry[];
}

/** An agent the registry serves, with what its build needs. */
export interface RegistryAgent {
  readonly config: AgentConfig;
  readonly prompts: readonly ConfiguredTemplate[];
  readonly blueprint: string;
  readonly version: string;
  readonly scope: string;
  /** The blueprint's guardrail policy, enforced on its agents (beside the node's own). */
  readonly guardrails?: GuardrailsConfig;
}

interface Served<T> {
  readonly value: T;
  readonly scope: string;
  readonly stamp: string;
}

/** In-process change listeners per storage object (lmdb and memory: the only writers are in this process). */
const LOCAL = new WeakMap<Storage, Set<() => void>>();

/** The stored record's key. */
export function recordKey(scope: string, name: string, staged = false): string[] {
  return [scope, staged ? 'staged' : 'installed', name];
}

/**
 * A staged record as served: agents `<name>@next/<agent>`, workflows likewise (without their schedule and topic
 * triggers: only the installed version fires them), tools `<name>.<tool>.next`.
 */
export function stagedView(r: InstalledBlueprint): InstalledBlueprint {
  const a = (n: string): string => (n.startsWith(`${r.name}/`) ? `${r.name}${STAGED}/${n.slice(r.name.length + 1)}` : n);
  const tools = new Set(r.tools.map((t) => t.name));
  const t = (n: string): string => (tools.has(n) ? `${n}.next` : n);
  return {
    ...r,
    agents: r.agents.map((x) => ({
      ...x,
      name: a(x.name),
      handoffs: x.handoffs.map(a),
      delegates: x.delegates.map(a),
      tools: x.tools.map(t),
    })),
    workflows: r.workflows.map((w) => ({
      ...w,
      name: a(w.name),
      triggers: w.triggers.filter((tr) => !('schedule' in tr || 'topic' in tr)),
      ...(w.steps === undefined ? {} : { steps: mapSteps(w.steps, a, t) }),
      ...(w.states === undefined ? {} : { states: mapSteps(w.states, a, t) }),
    })),
    tools: r.tools.map((x) => ({ ...x, name: t(x.name) })),
  };
}

function mapSteps<S extends { agent?: string | undefined; tool?: string | undefined; workflow?: string | undefined }>(
  steps: Record<string, S>,
  a: (n: string) => string,
  t: (n: string) => string,
): Record<string, S> {
  return Object.fromEntries(
    Object.entries(steps).map(([id, s]) => [
      id,
      {
        ...s,
        ...(s.agent === undefined ? {} : { agent: a(s.agent) }),
        ...(s.tool === undefined ? {} : { tool: t(s.tool) }),
        ...(s.workflow === undefined ? {} : { workflow: a(s.workflow) }),
      },
    ]),
  );
}

/** The registry over one storage: records, and an in-memory index of what they serve, kept current by a watch. */
export class BlueprintRegistry {
  private readonly bucket: KvBucket;
  private agentsById = new Map<string, Served<RegistryAgent>>();
  private workflowsById = new Map<string, Served<WorkflowDefinition>>();
  private toolsById = new Map<string, Served<BlueprintTool>>();
  private packsById = new Map<string, Served<InstalledPack>>();
  private serversById = new Map<string, Served<McpServerConfig>>();
  private readonly listeners = new Set<() => void>();
  private stopWatch: (() => void) | undefined;
  private loading: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly storage: Storage,
    private readonly warn: (message: string) => void = () => undefined,
  ) {
    this.bucket = storage.bucket(BLUEPRINTS_BUCKET);
  }

  // ---- records ----

  /** Every record of `scope` (undefined: every scope), installed ones, or staged ones. */
  async list(scope?: string, staged = false): Promise<InstalledBlueprint[]> {
    const prefix = scope === undefined ? [] : [scope];
    const all = await this.bucket.list<InstalledBlueprint>(prefix);
    return all.filter((e) => e.key.length === 3 && e.key[1] === (staged ? 'staged' : 'installed')).map((e) => e.value);
  }

  /** One record, or undefined. */
  get(scope: string, name: string, staged = false): Promise<InstalledBlueprint | undefined> {
    return this.bucket.get<InstalledBlueprint>(recordKey(scope, name, staged));
  }

  /** Writes a record (installed or staged) and tells every node. */
  async put(record: InstalledBlueprint, staged = false): Promise<void> {
    const bytes = Buffer.byteLength(JSON.stringify(record));
    if (bytes > MAX_RECORD_BYTES)
      throw new TooLargeError(
        `blueprint ${record.name}: its parts take ${bytes} bytes; at most ${MAX_RECORD_BYTES} (knowledge documents excluded)`,
      );
    await this.bucket.put(recordKey(record.scope, record.name, staged), record);
    await this.changed();
  }

  /**
   * Deletes exactly what `record` lists as written (its collections' data, its record) and tells every node. Returns
   * the entries deleted.
   */
  async delete(record: InstalledBlueprint, staged = false): Promise<WrittenEntry[]> {
    const done: WrittenEntry[] = [];
    for (const w of record.written) {
      const b = this.storage.bucket(w.bucket);
      if (w.prefix === true) await b.deletePrefix(w.key);
      else await b.delete(w.key);
      done.push(w);
    }
    await this.bucket.delete(recordKey(record.scope, record.name, staged));
    await this.changed();
    return done;
  }

  /**
   * Claims blueprint `name` for `scope` on this mesh: true when the scope holds it now (it did, or the claim was
   * created), false when another scope does. The claim is a create-only write (`putFenced` at epoch 0 over a claim
   * carrying epoch 1: an existing claim refuses it — atomically on memory and lmdb, by compare-and-set on JetStream),
   * so two concurrent installs of one name in two scopes cannot both take it. `created` tells the caller whether to
   * release it when the install then fails.
   */
  async claim(name: string, scope: string): Promise<{ held: boolean; created: boolean }> {
    const key = claimKey(name);
    const had = await this.bucket.get<{ scope: string }>(key);
    if (had !== undefined) return { held: had.scope === scope, created: false };
    const created = await this.bucket.putFenced(key, 0, [{ key, value: { scope, epoch: 1 } }]);
    if (created) return { held: true, created };
    return { held: (await this.bucket.get<{ scope: string }>(key))?.scope === scope, created: false };
  }

  /** Lets go of a claim this scope made (an install that failed after claiming). */
  async unclaim(name: string, scope: string): Promise<void> {
    const key = claimKey(name);
    if ((await this.bucket.get<{ scope: string }>(key))?.scope === scope) await this.bucket.delete(key);
  }

  /** Removes a staged record (an upgrade that failed its evals, or was switched to). */
  async unstage(scope: string, name: string): Promise<void> {
    if (await this.bucket.delete(recordKey(scope, name, true))) await this.changed();
  }

  // ---- what is served ----

  /** The agent `id` (`<blueprint>/<agent>`), if some install serves it in `tenant` (or in any tenant when undefined). */
  agent(id: string, tenant?: string): RegistryAgent | undefined {
    return visible(this.agentsById.get(id), tenant);
  }
  workflow(id: string, tenant?: string): WorkflowDefinition | undefined {
    return visible(this.workflowsById.get(id), tenant);
  }
  tool(id: string, tenant?: string): BlueprintTool | undefined {
    return visible(this.toolsById.get(id), tenant);
  }
  pack(collection: string, tenant?: string): InstalledPack | undefined {
    return visible(this.packsById.get(collection), tenant);
  }
  /** The MCP server `name` (`<blueprint>_<server>`), if some install serves it in `tenant` (any tenant when undefined). */
  mcpServer(name: string, tenant?: string): McpServerConfig | undefined {
    return visible(this.serversById.get(name), tenant);
  }
  mcpServerIds(): string[] {
    return [...this.serversById.keys()];
  }
  /** The scope of an install serving `id` of `kind`. */
  scopeOf(kind: 'agent' | 'workflow' | 'tool' | 'collection', id: string): string | undefined {
    const map = { agent: this.agentsById, workflow: this.workflowsById, tool: this.toolsById, collection: this.packsById }[kind];
    return map.get(id)?.scope;
  }
  /** A stamp that changes when what `id` serves changes (a new version): builds are cached by it. */
  stamp(kind: 'agent' | 'workflow' | 'tool', id: string): string | undefined {
    const map = { agent: this.agentsById, workflow: this.workflowsById, tool: this.toolsById }[kind];
    return map.get(id)?.stamp;
  }
  agentIds(): string[] {
    return [...this.agentsById.keys()];
  }
  workflowIds(): string[] {
    return [...this.workflowsById.keys()];
  }
  toolIds(): string[] {
    return [...this.toolsById.keys()];
  }
  packIds(): string[] {
    return [...this.packsById.keys()];
  }

  /** Called after every reload of the index. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads every record into the index (again when a reload was asked for while one ran). */
  reload(): Promise<void> {
    if (this.loading !== undefined) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.again = false;
        await this.index();
      } while (this.again);
    })().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async index(): Promise<void> {
    const agents = new Map<string, Served<RegistryAgent>>();
    const workflows = new Map<string, Served<WorkflowDefinition>>();
    const tools = new Map<string, Served<BlueprintTool>>();
    const packs = new Map<string, Served<InstalledPack>>();
    const servers = new Map<string, Served<McpServerConfig>>();
    const installed = await this.list();
    const records = [...installed, ...(await this.list(undefined, true)).map(stagedView)];
    for (const r of records) {
      const stamp = `${r.scope}:${r.name}:${r.version}:${r.digest}:${r.installedAt}`;
      const add = <T>(map: Map<string, Served<T>>, id: string, value: T): void => {
        const had = map.get(id);
        // Two installs of one blueprint in different scopes: the same names, served to the union of their tenants.
        map.set(id, { value, scope: had === undefined || had.scope === r.scope ? r.scope : mergeScopes(had.scope, r.scope), stamp });
      };
      for (const a of r.agents)
        add(agents, a.name, {
          config: a,
          prompts: r.prompts,
          blueprint: r.name,
          version: r.version,
          scope: r.scope,
          ...(r.guardrails === undefined ? {} : { guardrails: r.guardrails }),
        });
      for (const w of r.workflows) add(workflows, w.name, w);
      for (const t of r.tools) add(tools, t.name, t);
      for (const k of r.knowledge) add(packs, k.collection, k);
      // A staged version's agents use the installed version's servers (one attachment per name).
      if (installed.includes(r)) for (const m of r.mcpServers) add(servers, m.name, m);
    }
    this.agentsById = agents;
    this.workflowsById = workflows;
    this.toolsById = tools;
    this.packsById = packs;
    this.serversById = servers;
    for (const l of this.listeners) l();
  }

  /** Bumps the change counter and reloads every registry of this storage in this process (a cluster's watch does the rest). */
  private async changed(): Promise<void> {
    const rev = (await this.bucket.get<{ rev: number }>(REV_KEY))?.rev ?? 0;
    await this.bucket.put(REV_KEY, { rev: rev + 1, at: Date.now() });
    await this.reload();
    for (const l of LOCAL.get(this.storage) ?? []) l();
  }

  /** Loads the index and keeps it current: in process, and on JetStream through a KV watch of the change counter. */
  async start(): Promise<void> {
    if (this.stopWatch !== undefined) return;
    const local = (): void => void this.reload().catch((e: unknown) => this.warn(`blueprints: reload failed: ${(e as Error).message}`));
    let set = LOCAL.get(this.storage);
    if (set === undefined) LOCAL.set(this.storage, (set = new Set()));
    set.add(local);
    const stops: (() => void)[] = [() => set.delete(local)];
    this.stopWatch = () => stops.forEach((s) => s());
    await this.bucket.get(REV_KEY); // creates the bucket, so a watch has something to watch
    if (this.storage.kind === 'jetstream') stops.push(await watchJetStream(this.storage, local, this.warn));
    await this.reload();
  }

  /** Stops watching. */
  stop(): void {
    this.stopWatch?.();
    this.stopWatch = undefined;
  }
}

function mergeScopes(a: string, b: string): string {
  return a === ALL_TENANTS || b === ALL_TENANTS ? ALL_TENANTS : [...new Set([...a.split(','), ...b.split(',')])].sort().join(',');
}

function visible<T>(s: Served<T> | undefined, tenant: string | undefined): T | undefined {
  if (s === undefined) return undefined;
  if (tenant === undefined || s.scope === ALL_TENANTS || s.scope.split(',').includes(tenant)) return s.value;
  return undefined;
}

/** Watches the change counter's KV key; every update reloads. Loaded only on a JetStream node. */
async function watchJetStream(storage: Storage, onChange: () => void, warn: (m: string) => void): Promise<() => void> {
  const { JetStreamStorage, encodeKvKey } = await import('../../runtime/jetstream/index.js');
  if (!(storage instanceof JetStreamStorage)) return () => undefined;
  const { Kvm } = await import('@nats-io/kv');
  const kv = await new Kvm(storage.js).open(`${storage.prefix}_${BLUEPRINTS_BUCKET}`);
  const iter = await kv.watch({ key: encodeKvKey(REV_KEY) });
  let stopped = false;
  void (async () => {
    try {
      for await (const _ of iter) onChange();
    } catch (e) {
      if (!stopped) warn(`blueprints: the registry watch ended: ${(e as Error).message}`);
    }
  })();
  return () => {
    stopped = true;
    iter.stop();
  };
}

/** The registries of each storage object, one per storage in a process, started once. */
const REGISTRIES = new WeakMap<Storage, { registry: BlueprintRegistry; ready: Promise<void>; users: number }>();

/** The shared registry of `storage`, started (loaded and watched); release it with {@link releaseRegistry}. */
export async function registryOf(storage: Storage, warn?: (message: string) => void): Promise<BlueprintRegistry> {
  let entry = REGISTRIES.get(storage);
  if (entry === undefined) {
    const registry = new BlueprintRegistry(storage, warn);
    entry = { registry, ready: registry.start(), users: 0 };
    REGISTRIES.set(storage, entry);
  }
  entry.users++;
  await entry.ready;
  return entry.registry;
}

/** Lets go of one {@link registryOf}; the last one stops the watch. */
export function releaseRegistry(storage: Storage): void {
  const entry = REGISTRIES.get(storage);
  if (entry === undefined || --entry.users > 0) return;
  entry.registry.stop();
  REGISTRIES.delete(storage);
}

/** Throws not_found naming what is missing. */
export function noSuch(what: string, id: string): never {
  throw new NotFoundError(`no ${what} ${id}`);
}

/** Throws bad_request when a scope is neither `*` nor a tenant name. */
export function assertScope(scope: string): void {
  if (scope !== ALL_TENANTS && !/^[A-Za-z0-9_-]{1,64}$/.test(scope))
    throw new ValidationError(`tenant: expected a tenant name or "*" (every tenant), got ${JSON.stringify(scope).slice(0, 70)}`);
}
