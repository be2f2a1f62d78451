/**
 * The `tool` kind: function tools (the built-ins, the services' extra tools, and tools other
 * kinds contribute under {@link TOOL_FUNCTIONS}) and the tools of config's MCP servers, each a
 * pool actor `tool/<name>` per tenant. MCP servers are attached once, on nodes hosting tools;
 * their actors live in the default tenant and other tenants' `tool/<server>.<tool>` forward there.
 */
import type { McpServerConfig, TroupeConfig } from '../../config/index.js';
import { DEFAULT_TENANT, NotFoundError } from '../../protocols/index.js';
import { BlobStore, type ActorSystem, type Behavior } from '../../runtime/index.js';
import { contributionKey, type BuiltKind, type KindDescriptor, type KindServices } from '../kinds/index.js';
import { configuredBuiltinTools } from './builtins.js';
import { toolBehavior } from './function-tool.js';
import { attachMcpServer, type McpAttachment } from './mcp.js';
import type { FunctionTool, ToolPolicy } from './types.js';

/**
 * A forwarded call's idempotency key with its tenant in front: the MCP tool actors (and their recorded results)
 * live in the default tenant, and two tenants' runs may have the same ids. The payload also names the calling tenant.
 */
function scopeKey(payload: unknown, tenant: string): unknown {
  if (typeof payload !== 'object' || payload === null) return payload;
  const key = (payload as { idempotencyKey?: unknown }).idempotencyKey;
  // The calling tenant rides along (set here, over whatever the caller sent): media the tool returns is stored as its blob.
  return typeof key === 'string' ? { ...payload, idempotencyKey: `${tenant}/${key}`, tenant } : { ...payload, tenant };
}

/**
 * The behavior of MCP tool `id` in `tenant` (not the default one): the call goes to the attachment's actor in the
 * default tenant, with the calling tenant named and its idempotency key prefixed ({@link scopeKey}).
 */
export function forwardMcpTool(system: ActorSystem, id: string, tenant: string): Behavior<unknown> {
  return {
    receive: (msg) =>
      system.ref(`tool/${id}`, DEFAULT_TENANT).ask(msg.type, scopeKey(msg.payload, tenant), {
        timeoutMs: msg.deadline === undefined ? undefined : Math.max(1, msg.deadline - Date.now()),
      }),
  };
}

/** Where media a tool answers is kept: blobs of the calling tenant, under config `media`'s limits (media.ts). */
export function toolMedia(system: ActorSystem, config: TroupeConfig): { blobs: BlobStore; policy: TroupeConfig['media'] } {
  return { blobs: new BlobStore(system.storage, { maxBytes: config.media.maxBlobBytes }), policy: config.media };
}

/** Attaches MCP server `spec` (a config `mcpServers` entry): its idempotency lists become each tool's policy. */
export function attachConfiguredMcpServer(
  system: ActorSystem,
  spec: McpServerConfig,
  media: ReturnType<typeof toolMedia>,
): Promise<McpAttachment> {
  const idempotent = new Set(spec.idempotent);
  const byKey = new Set(spec.idempotentByKey);
  const { idempotent: _ignored, idempotentByKey: _alsoIgnored, resultTtlHours, ...server } = spec;
  const policyFor = (tool: string): ToolPolicy => ({
    idempotent: idempotent.has(tool),
    idempotentByKey: byKey.has(tool),
    resultTtlMs: resultTtlHours * 3_600_000,
  });
  return attachMcpServer(system, server, { stderr: 'ignore', policyFor, media });
}

/** Function tools other kinds add (e.g. a collection's `search_<name>`), served like the built-ins. */
export const TOOL_FUNCTIONS = contributionKey<FunctionTool<never>>('tool.functions');

/** Function and MCP tools, pooled on every node hosting the kind. */
export const toolKind: KindDescriptor = {
  name: 'tool',
  serves: 'tool',
  stateful: false,
  build(services: KindServices): BuiltKind {
    const { system, config } = services;
    const functions = new Map<string, FunctionTool<never>>();
    // `blob` inputs of the media tools read the calling tenant's blobs (docs/content-parts.md); another tenant's are not found.
    const media = toolMedia(system, config);
    const { blobs } = media;
    const readBlob = async (ref: string, ctx: { readonly tenant?: string }) => blobs.bytesOf(ctx.tenant ?? DEFAULT_TENANT, { blob: ref });
    for (const t of [...configuredBuiltinTools(config, { readBlob }), ...services.tools, ...services.contributions.get(TOOL_FUNCTIONS)])
      functions.set(t.name, t);
    const attachments: McpAttachment[] = [];
    let attached = false;
    const mcpTools = (): string[] => attachments.flatMap((a) => a.tools().map((t) => t.slice('tool/'.length)));
    // Another node may host the MCP servers: a `<server>.<tool>` id is served wherever tools are.
    const servers = config.mcpServers.map((s) => `${s.name}.`);
    return {
      ids: () => [...functions.keys(), ...mcpTools()],
      accepts: (id) => functions.has(id) || mcpTools().includes(id) || servers.some((s) => id.startsWith(s)),
      tools: () => [...functions.keys(), ...mcpTools()],
      behavior(id, tenant): Behavior<unknown> {
        const fn = functions.get(id);
        if (fn !== undefined) return toolBehavior(fn, { media }) as Behavior<unknown>;
        // In the default tenant an MCP tool is the attachment's own actor.
        if (tenant === DEFAULT_TENANT || (attached && !mcpTools().includes(id))) throw new NotFoundError(`no tool ${id}`);
        return forwardMcpTool(system, id, tenant);
      },
      async start() {
        for (const spec of config.mcpServers) attachments.push(await attachConfiguredMcpServer(system, spec, media));
        attached = true;
      },
      async close() {
        for (const a of attachments.splice(0)) await a.close();
      },
    };
  },
};
