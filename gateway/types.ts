/**
 * What every part of the gateway (WS, /acp, /mcp, /a2a, ops) is given: the actor system, who
 * is calling, and the catalog of agents and tools this mesh exposes. Parts are mounted on the
 * one HTTP server as {@link HttpRoute}s; the server does auth, limits and error framing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ActorRef, ActorSystem, Clock, MediaPolicy } from '../runtime/index.js';
import type { CatalogAgent, SpeechConfig } from '../actors/index.js';
import { gatewayRoles } from '../config/index.js';

/** Roles an API key or token may carry (config's list; what each may do: auth/permissions.ts). */
export const ROLES = gatewayRoles;
export type Role = (typeof ROLES)[number];

/** The authenticated caller; everything it reaches is scoped to `tenant`. */
export interface Principal {
  readonly tenant: string;
  readonly roles: readonly Role[];
  /** Key id or token subject, for logs and rate limits (never the secret). */
  readonly subject: string;
}

/** An agent as the gateway lists it (ACP assistant, A2A skill): the catalog's listing. */
export type AgentInfo = Omit<CatalogAgent, 'provider'>;

/** The mesh as the gateway sees it. */
export interface GatewayDeps {
  readonly system: ActorSystem;
  /** Agents callers may run (the same list on every node of a mesh). */
  agents(): readonly AgentInfo[];
  /** Workflows callers may run like agents (`workflow/<name>`, docs/workflows.md); absent = none. */
  workflows?(): readonly string[];
  /** Tool names callers may list and call through /mcp. */
  tools(): readonly string[];
  /** RAG collection names (`collection/<name>`) whose documents /mcp serves as resources; absent = none. */
  collections?(): readonly string[];
  /**
   * The ref of `address` for `tenant`, activated if it is not yet running (agents and tools
   * are per tenant, so one tenant's threads never meet another's). Rejects with not_found
   * for an unknown agent or tool.
   */
  ensure(address: string, tenant: string): Promise<ActorRef>;
  /** Refuses a new run of `tenant` before it starts (`budget_exceeded` past its budget, gateway/usage); absent: any run may start. */
  admit?(tenant: string): Promise<void>;
  /** True when the node can serve (transport connected, actors started). */
  ready(): boolean;
  /** Time and timers of every gateway part built on these deps (default the system clock; tests pass a simulated one). */
  readonly clock?: Clock;
  /** Media limits and allowed types (config `media`; default `DEFAULT_MEDIA_POLICY`): parts and blob uploads (ADR 0043). */
  readonly media?: MediaPolicy;
  /**
   * Speech (config `media.speech`, docs/media.md): with a speech-to-text provider, an audio part of a client's message
   * is transcribed as it enters the mesh (a voice note becomes a user message); absent or `none`: audio stays audio.
   */
  readonly speech?: SpeechConfig;
}

/** One mounted part of the gateway: handles requests whose path starts with `prefix`. */
export interface HttpRoute {
  readonly prefix: string;
  /** True when the route checks `Origin` itself (answering in its own error shape, as /mcp does). */
  readonly checksOrigin?: boolean;
  /** Paths under `prefix` that need no credentials (e.g. the agent card); default none. */
  readonly public?: (path: string) => boolean;
  /**
   * Set when the route reads raw (non-JSON) bodies itself, up to this many bytes (blob uploads): the server's JSON
   * content-type check and its body limit do not apply to it.
   */
  readonly rawBodyBytes?: number;
  /**
   * Handles one request; `path` is the part after `prefix` (starting with `/` or empty).
   * Throw a TroupeError (bad_request, not_found, …) to get the standard error response.
   */
  handle(req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void>;
}
