/**
 * The one contract every actor kind fills (docs/adding-a-kind.md): a descriptor names the kind,
 * the address kind it serves and how its actors run, and builds, for a config and the shared
 * services, which ids it serves and the behavior of each. The catalog is generic over a list
 * of these; adding a kind is one folder exporting one descriptor plus one line in that list.
 */
import type { TroupeConfig } from '../../config/index.js';
import type { ActorOptions, ActorRef, ActorSystem, Behavior } from '../../runtime/index.js';
import type { ModelProvider } from '../llm/types.js';
import type { Embedder } from '../memory/semantic/types.js';
import type { FunctionTool } from '../tool/types.js';
import type { Contributions } from './contributions.js';

/** A model provider chosen for an agent (tests and benches replace config's choice). */
export interface ProviderChoice {
  readonly provider: ModelProvider;
  readonly model: string;
}

/** What kinds share: config, the system, a way to reach any address, and common services. */
export interface KindServices {
  readonly config: TroupeConfig;
  readonly system: ActorSystem;
  /** The ref of `address` in `tenant`, activated on whichever node hosts its kind (the catalog's ensure). */
  resolve(address: string, tenant?: string): Promise<ActorRef>;
  /** Where secrets named in config (API keys, `remote.authEnv`) are read. */
  readonly env: NodeJS.ProcessEnv;
  /** Replaces config's model provider for an agent when it returns one (tests, benches). */
  readonly provider?: (agent: string) => ProviderChoice | undefined;
  /** Function tools besides the built-ins (served by the tool kind). */
  readonly tools: readonly FunctionTool<never>[];
  /** The embedder config describes, made on the first call and shared; closed with the catalog. */
  embedder(): Promise<Embedder>;
  /** What kinds give each other (see {@link KindDescriptor.contribute}). */
  readonly contributions: Contributions;
}

/** An agent as callers see it listed (ACP assistants, A2A skills). */
export interface CatalogAgent {
  readonly name: string;
  readonly description: string;
  readonly tools: readonly string[];
  readonly handoffs: readonly string[];
  readonly delegates: readonly string[];
  readonly model: string;
  /** Provider name (`offline`, `openai`, `a2a`, …). */
  readonly provider: string;
}

/** A kind built for one config: the ids it serves and how each is made. */
export interface BuiltKind {
  /** The ids (after `<serves>/`) this kind serves, for listings. */
  ids(): readonly string[];
  /** True for the ids this kind serves (default: `ids()` includes it). */
  accepts?(id: string): boolean;
  /** The behavior of `<serves>/<id>` in `tenant`. */
  behavior(id: string, tenant: string): Behavior<unknown>;
  /** Runnable agents this kind lists (ACP assistants, A2A skills, /ws agent names). */
  agents?(): readonly CatalogAgent[];
  /** Tools this kind lists (MCP tools/list, /acp). */
  tools?(): readonly string[];
  /** Runs once the node's mesh started, on nodes hosting the kind (e.g. attach MCP servers). */
  start?(): Promise<void>;
  /** Releases what `build` or `start` took (child processes, workers). */
  close?(): Promise<void>;
}

/** One actor kind: what it serves and how it is built. */
export interface KindDescriptor {
  /** The kind's name, as `troupe node --kinds` takes it (`agent`, `remote`, `tool`, `memory`, …). */
  readonly name: string;
  /** The address kind its actors live at; several descriptors may share one (`remote` serves `agent/<name>`). */
  readonly serves: string;
  /** One activation in the mesh (leased, snapshotted) when true; a pool on every hosting node when false. */
  readonly stateful: boolean;
  /** Kinds (by name) this one cannot work without: a catalog listing this kind but not those is refused. */
  readonly requires?: readonly string[];
  /**
   * Also hosted on every node that hosts one of these kinds (by name): a kind others cannot work without, such as
   * the thread owners agents write their threads through.
   */
  readonly hostedWith?: readonly string[];
  /** Actor options of every actor of the kind (e.g. a longer handler timeout). */
  readonly options?: ActorOptions;
  /** Adds what this kind gives other kinds; every descriptor contributes before any is built. */
  contribute?(services: KindServices): void | Promise<void>;
  /** Builds the kind for `services.config`; reads contributions meant for it. */
  build(services: KindServices): BuiltKind | Promise<BuiltKind>;
}
