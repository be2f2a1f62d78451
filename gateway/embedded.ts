/**
 * Composition of a node's gateway: {@link GatewayDeps} over the agent catalog, every part
 * (/acp, /mcp, /a2a and the agent card) mounted, and the server started as config says.
 */
import { blobsRoute } from './blobs/index.js';
import { TroupeError } from '../protocols/index.js';
import type { TroupeConfig } from '../config/index.js';
import type { Catalog, PromptLibrary } from '../actors/index.js';
import type { ActorSystem } from '../runtime/index.js';
import { a2aRoutes, type WorkflowSkillInfo } from './a2a/index.js';
import { consoleRoute } from './console/index.js';
import { acpRoute } from './acp/index.js';
import { guardrailMcpTool, guardrailsRoute } from './guardrails/index.js';
import { collectionResources, mcpFixturesFromEnv, mcpRoute, storeResources, workflowMcpTools } from './mcp/index.js';
import { personasRoute, promptsRoute, templatePromptSource } from './prompts/index.js';
import { profilesRoute } from './profiles/index.js';
import { usageRoute, withBudgets, type ModelPrices } from './usage/index.js';
import { deadLettersRoute } from './ops/index.js';
import { finetuneRoute } from './finetune/index.js';
import { experimentsRoute, optimizationsRoute } from './experiments/index.js';
import { hooksRoute } from './hooks/index.js';
import { blueprintsRoute } from './blueprints/index.js';
import { billingRoute } from './billing/index.js';
import { meshRoute, timelineRoute, type MeshRoute } from './mesh/index.js';
import { Gateway, gatewayOptionsFromConfig, type GatewayOptions } from './server.js';
import type { GatewayDeps, HttpRoute } from './types.js';

/** Deps over a catalog: its agents and tools, activated per tenant on first use. */
export function catalogDeps(system: ActorSystem, catalog: Catalog | undefined, ready: () => boolean = () => true): GatewayDeps {
  return {
    system,
    agents: () => catalog?.agents() ?? [],
    workflows: () => catalog?.ids('workflow') ?? [],
    tools: () => catalog?.tools() ?? [],
    collections: () => catalog?.ids('collection') ?? [],
    ensure: (address, tenant) =>
      catalog === undefined
        ? Promise.reject(new TroupeError('internal', 'this node serves no agents or tools'))
        : catalog.ensure(address, tenant),
    ready,
  };
}

/** Every HTTP part of the gateway over `deps`. */
export function allRoutes(
  deps: GatewayDeps,
  options: {
    allowedOrigins?: readonly string[];
    auth?: boolean;
    sendBufferBytes?: number;
    prompts?: PromptLibrary;
    /** Model prices for `/usage` costs (config `gateway.usage.prices`). */
    prices?: ModelPrices;
    /** Webhook name → workflow (`POST /hooks/<name>`, config `workflowWebhooks`). */
    webhooks?: Readonly<Record<string, string>>;
    /** The workflows' descriptions and input fields for their A2A skills (config `workflows`). */
    workflows?: readonly WorkflowSkillInfo[];
  } = {},
): HttpRoute[] {
  const buffer = options.sendBufferBytes;
  return [
    // The console at `/` (docs/console.md): matched last, after every longer prefix.
    consoleRoute(),
    acpRoute(deps, { sendBufferBytes: buffer }),
    mcpRoute(deps, {
      allowedOrigins: options.allowedOrigins ?? [],
      builtins: [guardrailMcpTool(deps), ...workflowMcpTools(deps)],
      resources: [storeResources(deps), collectionResources(deps)],
      fixtures: mcpFixturesFromEnv(),
      ...(options.prompts === undefined ? {} : { prompts: [templatePromptSource(options.prompts)] }),
    }),
    guardrailsRoute(deps),
    profilesRoute(deps),
    usageRoute(deps, options.prices),
    blueprintsRoute(deps),
    billingRoute(deps),
    deadLettersRoute(deps),
    finetuneRoute(deps),
    experimentsRoute(deps),
    optimizationsRoute(deps),
    ...a2aRoutes(deps, {
      auth: options.auth ?? true,
      maxStreamBuffer: buffer,
      ...(options.workflows === undefined ? {} : { workflows: options.workflows }),
    }),
    ...(options.prompts === undefined ? [] : [promptsRoute(options.prompts), personasRoute(options.prompts)]),
    hooksRoute(deps, options.webhooks ?? {}),
    blobsRoute(deps),
    meshRoute(deps, { ...(buffer === undefined ? {} : { sendBufferBytes: buffer }) }),
    timelineRoute(deps, options.prices),
  ];
}

/**
 * Tells the mesh where `gateway` serves: the mesh view's node table (`/mesh`) shows it, here and on every other node
 * (through membership). A failed announce is only a missing URL in that table.
 */
export async function announceGateway(deps: GatewayDeps, routes: readonly HttpRoute[], url: string): Promise<void> {
  for (const r of routes) if ('view' in r) (r as MeshRoute).view.gatewayUrl = url;
  await deps.system.transport.cluster?.membership
    .announce({ gateway: url })
    .catch((e: unknown) => deps.system.warn(`gateway: announcing ${url} to the mesh failed: ${(e as Error).message}`));
}

/**
 * Starts the gateway config's `gateway` section describes, serving `deps` with every part mounted
 * (`/prompts` and `/personas` when `parts.prompts` is given) and the section's tenant budgets enforced;
 * `extra.readiness` adds to config's (e.g. the data directory).
 */
export async function startGateway(
  deps: GatewayDeps,
  gateway: TroupeConfig['gateway'],
  extra: Partial<GatewayOptions> = {},
  parts: { prompts?: PromptLibrary; webhooks?: Readonly<Record<string, string>>; workflows?: readonly WorkflowSkillInfo[] } = {},
): Promise<Gateway> {
  const options = gatewayOptionsFromConfig(gateway);
  const readiness = { ...options.readiness, ...extra.readiness };
  const authOn = gateway.auth.keys.length > 0 || gateway.auth.jwt !== undefined;
  // New runs of a tenant past its budget are refused on every surface (gateway/usage/budget.ts).
  const metered = withBudgets(deps, gateway.usage);
  const routes = allRoutes(metered, {
    allowedOrigins: gateway.allowedOrigins,
    auth: authOn,
    sendBufferBytes: gateway.limits.sendBufferBytes,
    prices: gateway.usage.prices,
    ...(parts.prompts === undefined ? {} : { prompts: parts.prompts }),
    ...(parts.webhooks === undefined ? {} : { webhooks: parts.webhooks }),
    ...(parts.workflows === undefined ? {} : { workflows: parts.workflows }),
  });
  const g = await Gateway.start({ ...options, deps: metered, routes, ...extra, readiness });
  await announceGateway(metered, extra.routes ?? routes, g.url);
  return g;
}
