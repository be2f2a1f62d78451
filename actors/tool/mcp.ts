/**
 * MCP servers as tool actors. `attachMcpServer` connects an MCP client (stdio child process
 * or Streamable HTTP), lists the server's tools and spawns one pool actor per tool at
 * `tool/<server>.<tool>`. A call forwards to the server and answers its result as is (tool
 * errors are `isError` results already; protocol errors, timeouts and a lost connection
 * become `isError` results too). `notifications/tools/list_changed` re-lists the tools:
 * added ones get an actor, removed ones lose theirs, changed ones describe their new spec.
 * A call's idempotency key goes to the server in the request's `_meta` under `io.troupe/idempotency-key`.
 * Image and audio items (and embedded binary resources) the server answers are stored once as blobs of the calling
 * tenant by the tool actor (runner.ts, media.ts): the result travels on holding references, never the base64.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ToolListChangedNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { DEFAULT_TENANT, IDEMPOTENCY_META_KEY, TroupeError, UnavailableError, ValidationError } from '../../protocols/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import type { ToolSpec } from '../llm/types.js';
import { TOOL_NAME, errorText, toolActor, type ToolActorOptions, type ToolImpl } from './runner.js';
import type { ToolCallResult, ToolPolicy } from './types.js';

/** An MCP server started as a child process, spoken to over its stdin/stdout. */
export interface McpStdioServerSpec {
  /** Prefix of the tools' names: `<name>.<tool>`; 1-64 of `[A-Za-z0-9_-]`. */
  readonly name: string;
  readonly command: string;
  readonly args?: readonly string[];
  /** Added to the SDK's safe default environment (PATH, HOME, ...), not replacing it. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/** An MCP server reached over Streamable HTTP. */
export interface McpHttpServerSpec {
  readonly name: string;
  readonly url: string | URL;
  readonly headers?: Readonly<Record<string, string>>;
}

export type McpServerSpec = McpStdioServerSpec | McpHttpServerSpec;

/** Options of {@link attachMcpServer}. */
export interface AttachMcpOptions extends ToolActorOptions {
  /** Tenant of the tool actors (default tenant when absent). */
  readonly tenant?: string;
  /** Policy of every tool of the server (timeout, retries when idempotent, rate limit, size). */
  readonly policy?: ToolPolicy;
  /** Policy per tool (by its server-side name); overrides `policy`. */
  readonly policyFor?: (tool: string) => ToolPolicy;
  /** Longest the connection handshake and each tools/list may take (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** What happens to a stdio server's stderr (default `inherit`). */
  readonly stderr?: 'inherit' | 'ignore' | 'pipe';
  /** Follow `notifications/tools/list_changed` (default true). */
  readonly watchListChanged?: boolean;
  /** Transport errors the client reports (they do not end the attachment by themselves). */
  readonly onError?: (error: Error) => void;
}

/** A connected MCP server. */
export interface McpAttachment {
  readonly server: string;
  /** Addresses of the tool actors, sorted. */
  tools(): string[];
  /** Re-lists the server's tools now (what a list_changed notification does). */
  refresh(): Promise<void>;
  /** Stops the tool actors and closes the client (a stdio child process is ended). */
  close(): Promise<void>;
}

const SERVER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_PAGES = 1000;

/** The spec a model sees of an MCP tool `server.tool`. */
export function mcpToolSpec(server: string, tool: Tool): ToolSpec {
  return { name: `${server}.${tool.name}`, description: tool.description ?? tool.title ?? '', parameters: { ...tool.inputSchema } };
}

/** Connects to an MCP server and spawns its tools as pool actors `tool/<server>.<tool>`. */
export async function attachMcpServer(system: ActorSystem, spec: McpServerSpec, options: AttachMcpOptions = {}): Promise<McpAttachment> {
  const server = spec.name;
  if (!SERVER_NAME.test(server))
    throw new ValidationError(`invalid MCP server name "${server.slice(0, 80)}": expected 1-64 of [A-Za-z0-9_-]`);
  const tenant = options.tenant ?? DEFAULT_TENANT;
  const policy = options.policy ?? {};
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const client = new Client({ name: 'troupe', version: '0.1.0' }, { capabilities: {} });
  const transport = makeTransport(spec, options);

  /** Tools by their server-side name; actors read their entry on every describe. */
  const tools = new Map<string, { tool: Tool; address: string }>();
  let closed = false;
  let connected = false;
  client.onerror = (e) => options.onError?.(e);
  client.onclose = () => {
    if (!closed && connected) system.warn(`MCP server ${server} disconnected; its tools now answer with errors`);
    connected = false;
  };

  const implFor = (name: string, address: string): ToolImpl<Record<string, unknown>> => ({
    name: address.slice('tool/'.length),
    describe: () => mcpToolSpec(server, tools.get(name)?.tool ?? { name, inputSchema: { type: 'object' } }),
    parse: (args) => ({ ok: true, input: args }),
    async execute(args, ctx, attempt) {
      if (closed || !connected) throw new UnavailableError(`MCP server ${server} is not connected`);
      // The key rides in `_meta` (the SDK adds its progressToken next to it), so the server can dedupe the call.
      const meta = ctx.idempotencyKey === undefined ? {} : { _meta: { [IDEMPOTENCY_META_KEY]: ctx.idempotencyKey } };
      const result = await client.callTool({ name, arguments: args, ...meta }, undefined, {
        signal: ctx.signal,
        // The runner's own timeout fires first and reports it; this only bounds the SDK's wait.
        timeout: attempt.timeoutMs + 1000,
        ...(ctx.callId === undefined ? {} : { onprogress: (p: { progress: number; total?: number; message?: string }) => ctx.progress(p) }),
      });
      return result as ToolCallResult;
    },
  });

  const listAll = async (): Promise<Tool[]> => {
    const out: Tool[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await client.listTools(cursor === undefined ? undefined : { cursor }, { timeout: requestTimeoutMs });
      out.push(...r.tools);
      cursor = r.nextCursor;
      if (cursor === undefined) return out;
      if (seen.has(cursor)) throw new UnavailableError(`MCP server ${server} repeated the tools/list cursor ${JSON.stringify(cursor)}`);
      seen.add(cursor);
    }
    throw new UnavailableError(`MCP server ${server} listed more than ${MAX_PAGES} pages of tools`);
  };

  const stopActor = async (address: string): Promise<void> => {
    try {
      await system.stop(system.ref(address, tenant));
    } catch (e) {
      system.warn(`MCP server ${server}: stopping ${address} failed: ${errorText(e)}`);
    }
  };

  const sync = async (): Promise<void> => {
    if (closed) return;
    const listed = await listAll();
    if (closed) return;
    const next = new Map<string, Tool>();
    for (const t of listed) {
      if (!TOOL_NAME.test(t.name))
        system.warn(`MCP server ${server}: tool name ${JSON.stringify(t.name.slice(0, 80))} is not usable in an address; skipped`);
      else if (!next.has(t.name)) next.set(t.name, t);
    }
    for (const [name, entry] of [...tools]) {
      if (next.has(name)) continue;
      tools.delete(name);
      await stopActor(entry.address);
    }
    for (const [name, tool] of next) {
      const known = tools.get(name);
      if (known !== undefined) {
        tools.set(name, { tool, address: known.address });
        continue;
      }
      const address = `tool/${server}.${name}`;
      tools.set(name, { tool, address });
      try {
        await system.spawn(address, toolActor(implFor(name, address), options.policyFor?.(name) ?? policy, options), {
          pool: true,
          tenant,
        });
      } catch (e) {
        tools.delete(name);
        throw e;
      }
      if (closed) await stopActor(address);
    }
  };

  // Refreshes run one at a time; notifications arriving while one is queued share it.
  let chain: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    if (queued !== undefined) return queued;
    const p = chain.then(() => {
      queued = undefined;
      return sync();
    });
    queued = p;
    chain = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      closed = true;
      for (const { address } of [...tools.values()]) await stopActor(address);
      tools.clear();
      if (transport instanceof StreamableHTTPClientTransport && connected) await transport.terminateSession().catch(() => undefined);
      connected = false;
      await client.close().catch((e: unknown) => system.warn(`MCP server ${server}: close failed: ${errorText(e)}`));
    })());

  try {
    await client.connect(transport, { timeout: requestTimeoutMs });
    connected = true;
    if (options.watchListChanged !== false) {
      client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
        try {
          await refresh();
        } catch (e) {
          system.warn(`MCP server ${server}: re-listing tools failed: ${errorText(e)}`);
        }
      });
    }
    await refresh();
  } catch (e) {
    await close();
    throw new TroupeError('unavailable', `MCP server ${server}: ${errorText(e)}`, { cause: e });
  }

  return {
    server,
    tools: () => [...tools.values()].map((t) => t.address).sort(),
    refresh,
    close,
  };
}

function makeTransport(spec: McpServerSpec, options: AttachMcpOptions): Transport {
  if ('command' in spec) {
    return new StdioClientTransport({
      command: spec.command,
      args: [...(spec.args ?? [])],
      env: { ...getDefaultEnvironment(), ...spec.env },
      stderr: options.stderr ?? 'inherit',
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
    });
  }
  return new StreamableHTTPClientTransport(
    new URL(spec.url),
    spec.headers === undefined ? undefined : { requestInit: { headers: { ...spec.headers } } },
  );
}
