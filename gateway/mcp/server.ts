/**
 * The MCP server the gateway builds for one HTTP request (ADR 0009): the mesh's tool actors
 * of the caller's tenant as MCP tools. `tools/list` describes every tool the tenant can reach;
 * `tools/call` asks `tool/<name>` and answers its result as is (tool failures are results with
 * `isError: true`), forwards the tool's progress when the client sent a progress token, and
 * answers images and audio a tool returned (blob references in the mesh) as MCP `image`/`audio` content (media.ts),
 * stops waiting — and stops the tool — when the client cancels; the cancellation travels over the mesh, so it works
 * whichever node the `notifications/cancelled` POST lands on.
 */
import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  CancelledNotificationSchema,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CallToolResult,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { CancelledError, isTroupeError, scrubbedMessage } from '../../protocols/index.js';
import {
  TOOL_CALL,
  TOOL_DESCRIBE,
  cancelTopic as toolCancelTopic,
  progressTopic,
  type ToolCallResult,
  type ToolProgressEvent,
} from '../../actors/index.js';
import type { ToolSpec } from '../../protocols/index.js';
import type { Subscription } from '../../runtime/index.js';
import type { GatewayDeps, Principal } from '../types.js';
import { getPrompt, listPrompts, type McpPromptSource } from './prompts.js';
import { mcpResultContent, type McpMediaOptions } from './media.js';
import { listResources, readResource, type McpResourceSource } from './resources.js';
import { sessionToken, updateSubscription } from './sessions.js';

/** Name and version the gateway's MCP server announces in `initialize`. */
export const MCP_SERVER_INFO = { name: 'troupe', version: '0.1.0' } as const;

/** Limits of the MCP part. */
export interface McpLimits {
  /** Longest a `tools/call` waits for the tool actor (default 60 s, the MCP SDK client's default). */
  readonly callTimeoutMs: number;
  /** Longest a tool may take to describe itself during `tools/list` (default 5 s; slower tools are left out). */
  readonly describeTimeoutMs: number;
}

/** Defaults of {@link McpLimits}. */
export const DEFAULT_MCP_LIMITS: McpLimits = { callTimeoutMs: 60_000, describeTimeoutMs: 5_000 };

/** What a cancellation carries over the mesh. */
interface CancelMessage {
  readonly requestId: string | number;
  readonly subject: string;
  readonly reason?: string;
}

/**
 * Topic cancellations of MCP session `session` travel on (in the caller's tenant). Session ids
 * come from clients, so anything outside `[A-Za-z0-9_-]{1,100}` is hashed into a token.
 */
export function cancelTopic(session: string): string {
  return `mcp.cancel.${sessionToken(session)}`;
}

/** An MCP tool from a tool actor's spec; names stay as they are (MCP allows dots). */
export function mcpTool(spec: ToolSpec): Tool {
  const schema = spec.parameters as Tool['inputSchema'];
  return { name: spec.name, description: spec.description, inputSchema: { ...schema, type: 'object' } };
}

/** The tools `principal`'s tenant can reach, described by their actors (unreachable ones are left out). */
export async function listTools(deps: GatewayDeps, principal: Principal, limits: McpLimits): Promise<Tool[]> {
  const specs = await Promise.all(
    deps.tools().map(async (name) => {
      try {
        const ref = await deps.ensure(`tool/${name}`, principal.tenant);
        const spec = await ref.ask<ToolSpec>(TOOL_DESCRIBE, {}, { timeoutMs: limits.describeTimeoutMs });
        return mcpTool({ ...spec, name });
      } catch (e) {
        if (!isTroupeError(e, 'not_found') && !isTroupeError(e, 'no_recipient'))
          deps.system.warn(`mcp: tool ${name} left out of tools/list: ${(e as Error).message}`);
        return undefined;
      }
    }),
  );
  return specs.filter((t): t is Tool => t !== undefined);
}

/** What a builtin tool's call may use besides its arguments: the SDK's request extra (notifications, requests to the client). */
export type McpCallExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** A tool the gateway serves on /mcp itself (not a tool actor), e.g. `guardrails.check`. */
export interface McpBuiltinTool {
  readonly tool: Tool;
  /** Answers a call; failures become `isError` results. */
  call(args: Record<string, unknown>, principal: Principal, extra: McpCallExtra): Promise<CallToolResult>;
}

/** Options of {@link buildMcpServer}. */
export interface McpServerContext {
  readonly deps: GatewayDeps;
  readonly principal: Principal;
  /** The client's `Mcp-Session-Id` (cancellations are matched within it), if it sent one. */
  readonly session: string | undefined;
  readonly limits: McpLimits;
  /** Called when a call was cancelled, so the request's stream can be closed without an answer. */
  readonly onCancelled: () => void;
  /** Tools the gateway serves itself, listed before the tool actors. */
  readonly builtins?: readonly McpBuiltinTool[];
  /** Resource sources, in `resources/list` order (none: empty lists). */
  readonly resources?: readonly McpResourceSource[];
  /** Prompt sources, in `prompts/list` order (none: empty lists). */
  readonly prompts?: readonly McpPromptSource[];
  /** How tool results' media (blob references) is answered (media.ts); none: results go out as the tools gave them. */
  readonly media?: Omit<McpMediaOptions, 'tenant'>;
}

/** A low-level MCP `Server` serving the tools of `ctx.principal`'s tenant. */
export function buildMcpServer(ctx: McpServerContext): Server {
  const { deps, principal, session, limits } = ctx;
  const server = new Server(MCP_SERVER_INFO, {
    capabilities: {
      tools: { listChanged: false },
      resources: { subscribe: true, listChanged: false },
      prompts: { listChanged: false },
      logging: {},
      completions: {},
    },
  });
  const tenant = principal.tenant;
  const resources = ctx.resources ?? [];
  const prompts = ctx.prompts ?? [];

  server.setRequestHandler(ListResourcesRequestSchema, (request) => listResources(resources, principal, request.params?.cursor));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: resources.flatMap((s) => s.templates()) }));
  server.setRequestHandler(ReadResourceRequestSchema, (request) => readResource(resources, principal, request.params.uri));
  server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    await updateSubscription(deps, principal, session, request.params.uri, true);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    await updateSubscription(deps, principal, session, request.params.uri, false);
    return {};
  });
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: await listPrompts(prompts, principal) }));
  server.setRequestHandler(GetPromptRequestSchema, (request) =>
    getPrompt(prompts, principal, request.params.name, request.params.arguments ?? {}),
  );
  // No argument suggestions yet: an empty completion is the spec's “nothing to suggest”.
  server.setRequestHandler(CompleteRequestSchema, () => ({ completion: { values: [], total: 0, hasMore: false } }));

  const builtins = ctx.builtins ?? [];
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [...builtins.map((b) => b.tool), ...(await listTools(deps, principal, limits))],
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name } = request.params;
    const args = request.params.arguments ?? {};
    const builtin = builtins.find((b) => b.tool.name === name);
    if (builtin !== undefined) {
      // The call's signal also aborts on a cancellation that came on another request (or node), as for tool actors.
      const aborted = new AbortController();
      const sub =
        session === undefined
          ? undefined
          : deps.system.subscribe(
              cancelTopic(session),
              (env) => {
                const c = env.payload as CancelMessage;
                if (c?.requestId === extra.requestId && c.subject === principal.subject) aborted.abort();
              },
              { tenant },
            );
      return builtin
        .call(args, principal, { ...extra, signal: AbortSignal.any([extra.signal, aborted.signal]) })
        .catch((e: unknown): CallToolResult => ({ isError: true, content: [{ type: 'text', text: scrubbedMessage(e) }] }))
        .finally(() => {
          sub?.unsubscribe();
          if (aborted.signal.aborted) ctx.onCancelled();
        });
    }
    if (!deps.tools().includes(name)) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    const ref = await deps.ensure(`tool/${name}`, tenant).catch((e: unknown) => {
      if (isTroupeError(e, 'not_found') || isTroupeError(e, 'no_recipient'))
        throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
      throw e;
    });

    const callId = randomUUID();
    const subs: Subscription[] = [];
    const cancelled = new AbortController();
    const token = request.params._meta?.progressToken;
    if (token !== undefined) {
      subs.push(
        deps.system.subscribe(
          progressTopic(callId),
          (env) => {
            const p = env.payload as ToolProgressEvent;
            if (typeof p?.progress !== 'number') return;
            const params = {
              progressToken: token,
              progress: p.progress,
              ...(p.total === undefined ? {} : { total: p.total }),
              ...(p.message === undefined ? {} : { message: p.message }),
            };
            extra.sendNotification({ method: 'notifications/progress', params }).catch(() => undefined);
          },
          { tenant },
        ),
      );
    }
    if (session !== undefined) {
      subs.push(
        deps.system.subscribe(
          cancelTopic(session),
          (env) => {
            const c = env.payload as CancelMessage;
            if (c?.requestId === extra.requestId && c.subject === principal.subject)
              cancelled.abort(new CancelledError(c.reason ?? 'cancelled by the client'));
          },
          { tenant },
        ),
      );
    }
    try {
      const answer = ref.ask<ToolCallResult>(TOOL_CALL, { name, arguments: args, callId }, { timeoutMs: limits.callTimeoutMs });
      const result = await untilAborted(answer, [extra.signal, cancelled.signal]);
      // Media the tool returned is a blob of this tenant: inline base64 for the client, or a link when large.
      return ctx.media === undefined ? (result as CallToolResult) : await mcpResultContent(result, { ...ctx.media, tenant });
    } catch (e) {
      if (cancelled.signal.aborted || extra.signal.aborted) {
        // Stop the tool too, on whichever node runs it (it listens on its call's cancel topic).
        void deps.system.publish(toolCancelTopic(callId), {}, { tenant }).catch(() => undefined);
        ctx.onCancelled();
        throw e;
      }
      return { isError: true, content: [{ type: 'text', text: `tool ${name} failed: ${scrubbedMessage(e)}` }] };
    } finally {
      for (const s of subs) s.unsubscribe();
    }
  });

  // A cancellation may concern a call running on another request (or node): pass it over the mesh.
  server.setNotificationHandler(CancelledNotificationSchema, async (n) => {
    const requestId = n.params.requestId;
    if (session === undefined || requestId === undefined) return;
    const message: CancelMessage = {
      requestId,
      subject: principal.subject,
      ...(n.params.reason === undefined ? {} : { reason: n.params.reason }),
    };
    await deps.system
      .publish(cancelTopic(session), message, { tenant })
      .catch((e: unknown) => deps.system.warn(`mcp: cancellation not published: ${(e as Error).message}`));
  });
  return server;
}

/** Resolves or rejects with `p`, or rejects as soon as one of `signals` aborts. */
function untilAborted<T>(p: Promise<T>, signals: readonly AbortSignal[]): Promise<T> {
  const fired = signals.find((s) => s.aborted);
  if (fired !== undefined) {
    p.catch(() => undefined);
    return Promise.reject(abortError(fired));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (e: Event): void => {
      cleanup();
      p.catch(() => undefined);
      reject(abortError(e.target as AbortSignal));
    };
    const cleanup = (): void => signals.forEach((s) => s.removeEventListener('abort', onAbort));
    signals.forEach((s) => s.addEventListener('abort', onAbort, { once: true }));
    p.then(
      (v) => {
        cleanup();
        resolve(v);
      },
      (e: unknown) => {
        cleanup();
        reject(e as Error);
      },
    );
  });
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new CancelledError(String(signal.reason ?? 'aborted'));
}
