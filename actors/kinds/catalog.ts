/**
 * The actors a mesh serves, generic over a list of kind descriptors (docs/adding-a-kind.md):
 * every descriptor is built for the config on every node, so the catalog knows every id of every
 * kind; a node hosts only the kinds it is told to, and `ensure` activates any address on
 * whichever node hosts its kind. Actors are activated per tenant on first use.
 */
import { DEFAULT_TENANT, NotFoundError, TroupeError, ValidationError } from '../../protocols/index.js';
import type { TroupeConfig } from '../../config/index.js';
import type { ActorOptions, ActorRef, ActorSystem, Behavior, MeshNode } from '../../runtime/index.js';
import type { Embedder } from '../memory/semantic/types.js';
import type { FunctionTool } from '../tool/types.js';
import { Contributions } from './contributions.js';
import type { BuiltKind, CatalogAgent, KindDescriptor, KindServices, ProviderChoice } from './descriptor.js';

/** What a catalog is made of. */
export interface CatalogOptions {
  readonly system: ActorSystem;
  readonly config: TroupeConfig;
  /** The kinds, in order (contributions are added and listings are made in this order). */
  readonly kinds: readonly KindDescriptor[];
  /** Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Replaces config's model provider for the agents it returns one for (tests, benches). */
  readonly provider?: (agent: string) => ProviderChoice | undefined;
  /** Function tools besides the built-ins. */
  readonly tools?: readonly FunctionTool<never>[];
  /** Makes the shared embedder (default: the one `config.memory` describes), at most once. */
  readonly embedder?: () => Promise<Embedder>;
  /**
   * Names of the kinds this node hosts (descriptor names or address kinds; default all). A node
   * hosting one descriptor of an address kind hosts every descriptor of it: placement ranks nodes
   * by address kind, so a node announcing `agent` must be able to build every `agent/<name>`.
   */
  readonly hosts?: readonly string[];
}

interface Entry {
  readonly descriptor: KindDescriptor;
  readonly built: BuiltKind;
}

/** The kinds of a mesh, activated per tenant through a {@link MeshNode}. */
export class Catalog {
  private readonly entries: Entry[] = [];
  private readonly hosted: ReadonlySet<string>;
  private mesh: MeshNode | undefined;
  private embedder: Promise<Embedder> | undefined;
  private started = false;

  private constructor(private readonly options: CatalogOptions) {
    this.hosted = hostedNames(options.kinds, options.hosts);
  }

  /** Builds every kind for `options.config` (contributions first, then the kinds, in list order). */
  static async create(options: CatalogOptions): Promise<Catalog> {
    const catalog = new Catalog(options);
    await catalog.build();
    return catalog;
  }

  private async build(): Promise<void> {
    const { config, system, kinds } = this.options;
    const names = new Set(kinds.map((k) => k.name));
    for (const k of kinds) {
      const missing = (k.requires ?? []).filter((r) => !names.has(r));
      if (missing.length > 0)
        throw new ValidationError(`kind ${k.name} needs kind(s) ${missing.join(', ')}: add their descriptors to the list`);
    }
    const make = this.options.embedder ?? (async () => (await import('../memory/embedders/spec.js')).embedderFromConfig(config.memory));
    const services: KindServices = {
      config,
      system,
      resolve: (address, tenant) => this.ensure(address, tenant),
      env: this.options.env ?? process.env,
      ...(this.options.provider === undefined ? {} : { provider: this.options.provider }),
      tools: this.options.tools ?? [],
      embedder: () => (this.embedder ??= make()),
      contributions: new Contributions(),
    };
    for (const d of kinds) await d.contribute?.(services);
    services.contributions.close();
    for (const d of kinds) this.entries.push({ descriptor: d, built: await d.build(services) });
  }

  /** Names of the descriptors this node hosts. */
  get hostedKinds(): string[] {
    return this.entries.filter((e) => this.hosted.has(e.descriptor.name)).map((e) => e.descriptor.name);
  }

  /** Registers the hosted kinds on a node, one spec per address kind (before `mesh.start()`). */
  install(mesh: MeshNode): this {
    this.mesh = mesh;
    for (const serves of new Set(this.entries.map((e) => e.descriptor.serves))) {
      const group = this.entries.filter((e) => e.descriptor.serves === serves);
      if (!group.some((e) => this.hosted.has(e.descriptor.name))) continue;
      const first = group[0] as Entry;
      const options = mergedOptions(serves, group);
      mesh.host({
        kind: serves,
        pool: !first.descriptor.stateful,
        ...(options === undefined ? {} : { options }),
        behavior: (address: string, tenant: string): Behavior<unknown> => {
          const id = address.slice(serves.length + 1);
          const entry = group.find((e) => accepts(e.built, id));
          if (entry === undefined) throw new NotFoundError(`no ${serves} ${id}`);
          return entry.built.behavior(id, tenant);
        },
      });
    }
    return this;
  }

  /** Starts the hosted kinds once the mesh runs (attaches config's MCP servers, …). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const e of this.entries) if (this.hosted.has(e.descriptor.name)) await e.built.start?.();
  }

  /** Today's name of {@link start}: attaches the configured MCP servers (when this node hosts tools). */
  async attachMcpServers(_system?: ActorSystem): Promise<void> {
    await this.start();
  }

  /** The agents callers may run, in config order (the default agent, the first configured, stays first). */
  agents(): CatalogAgent[] {
    const order = new Map(this.options.config.agents.map((a, i) => [a.name, i]));
    return this.entries.flatMap((e) => e.built.agents?.() ?? []).sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  }

  /** Tool names callers may list and call. */
  tools(): string[] {
    return this.entries.flatMap((e) => e.built.tools?.() ?? []).sort();
  }

  /** The ids the catalog serves under address kind `serves` (e.g. the collections' names for `collection`). */
  ids(serves: string): string[] {
    return this.entries.filter((e) => e.descriptor.serves === serves).flatMap((e) => e.built.ids());
  }

  /** True when some kind of the catalog serves `address`. */
  has(address: string): boolean {
    const slash = address.indexOf('/');
    if (slash < 0) return false;
    const serves = address.slice(0, slash);
    const id = address.slice(slash + 1);
    return this.entries.some((e) => e.descriptor.serves === serves && accepts(e.built, id));
  }

  /** The ref of `address` in `tenant`, activated if needed (here or on a node hosting its kind); not_found otherwise. */
  async ensure(address: string, tenant: string = DEFAULT_TENANT): Promise<ActorRef> {
    if (!this.has(address)) {
      const slash = address.indexOf('/');
      throw new NotFoundError(`no ${slash < 0 ? 'actor' : address.slice(0, slash)} ${address.slice(slash + 1)}`);
    }
    if (this.mesh === undefined) throw new TroupeError('internal', 'Catalog.install(mesh) must be called before ensure');
    const ref = this.mesh.system.ref(address, tenant);
    if (ref.state !== undefined) return ref;
    return this.mesh.activate(address, tenant);
  }

  /** Closes every kind (MCP servers, …), last first, then the shared embedder if one was made. */
  async close(): Promise<void> {
    for (const e of [...this.entries].reverse()) await e.built.close?.();
    const embedder = this.embedder;
    this.embedder = undefined;
    if (embedder !== undefined) await (await embedder.catch(() => undefined))?.close();
  }
}

function accepts(built: BuiltKind, id: string): boolean {
  return built.accepts?.(id) ?? built.ids().includes(id);
}

/** The descriptor names `hosts` selects, each widened to every descriptor of its address kind. */
function hostedNames(kinds: readonly KindDescriptor[], hosts: readonly string[] | undefined): Set<string> {
  if (hosts === undefined) return new Set(kinds.map((k) => k.name));
  const known = new Set(kinds.flatMap((k) => [k.name, k.serves]));
  const unknown = hosts.filter((h) => !known.has(h));
  if (unknown.length > 0)
    throw new ValidationError(
      `unknown kind(s) ${unknown.join(', ')}: known kinds are ${[...new Set(kinds.map((k) => k.name))].join(', ')}`,
    );
  const serves = new Set(kinds.filter((k) => hosts.includes(k.name) || hosts.includes(k.serves)).map((k) => k.serves));
  const named = kinds.filter((k) => serves.has(k.serves)).map((k) => k.name);
  // Kinds others cannot work without come along with them (and with every kind of their address kind).
  const companions = kinds.filter((k) => k.hostedWith?.some((w) => named.includes(w)) === true).map((k) => k.serves);
  for (const s of companions) serves.add(s);
  return new Set(kinds.filter((k) => serves.has(k.serves)).map((k) => k.name));
}

/** The actor options of an address kind: its descriptors must agree on how its actors run. */
function mergedOptions(serves: string, group: readonly Entry[]): ActorOptions | undefined {
  const [first, ...rest] = group as [Entry, ...Entry[]];
  for (const e of rest) {
    const same =
      e.descriptor.stateful === first.descriptor.stateful &&
      JSON.stringify(e.descriptor.options) === JSON.stringify(first.descriptor.options);
    if (!same)
      throw new ValidationError(
        `kinds ${first.descriptor.name} and ${e.descriptor.name} both serve ${serves}/… but differ in stateful or options`,
      );
  }
  return first.descriptor.options;
}
