/** MCP over Streamable HTTP: a real SDK server on 127.0.0.1 (random port), in process. */
import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TOOL_CALL, TOOL_DESCRIBE, attachMcpServer, type McpAttachment, type ToolCallResult } from '../../actors/tool/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';

const object = (properties: Record<string, object>, required: string[]): Tool['inputSchema'] => ({ type: 'object', properties, required });
/** Two pages of tools, so the client has to follow the cursor. */
const PAGES: Record<string, { tools: Tool[]; nextCursor?: string }> = {
  first: {
    tools: [
      { name: 'add', description: 'Adds a and b', inputSchema: object({ a: { type: 'number' }, b: { type: 'number' } }, ['a', 'b']) },
    ],
    nextCursor: 'p2',
  },
  p2: { tools: [{ name: 'broken', inputSchema: object({}, []) }], nextCursor: 'p3' },
  p3: { tools: [{ name: 'sleep', title: 'Sleeps', inputSchema: object({ ms: { type: 'number' } }, ['ms']) }] },
};

const seen = { authorization: new Set<string>(), listCursors: [] as (string | undefined)[], aborted: 0 };

function mcpServer(): Server {
  const server = new Server({ name: 'http-fixture', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, (req) => {
    seen.listCursors.push(req.params?.cursor);
    const page = PAGES[req.params?.cursor ?? 'first'];
    if (page === undefined) throw new McpError(ErrorCode.InvalidParams, 'bad cursor');
    return page;
  });
  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const args = req.params.arguments ?? {};
    switch (req.params.name) {
      case 'add': {
        const sum = Number(args['a']) + Number(args['b']);
        return { content: [{ type: 'text', text: String(sum) }], structuredContent: { sum } };
      }
      case 'sleep':
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Number(args['ms']));
          extra.signal.addEventListener('abort', () => {
            seen.aborted++;
            clearTimeout(t);
            resolve();
          });
        });
        return { content: [{ type: 'text', text: 'slept' }] };
      default:
        throw new Error(`cannot run ${req.params.name}`); // a JSON-RPC error (-32603), not a tool error result
    }
  });
  return server;
}

let http: HttpServer;
let url: string;
const sessions = new Map<string, StreamableHTTPServerTransport>();
let system: ActorSystem;
let attached: McpAttachment;

beforeAll(async () => {
  http = createServer((req, res) => {
    if (typeof req.headers.authorization === 'string') seen.authorization.add(req.headers.authorization);
    const sid = req.headers['mcp-session-id'];
    let transport = typeof sid === 'string' ? sessions.get(sid) : undefined;
    const handle = async (): Promise<void> => {
      if (transport === undefined) {
        const t = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => void sessions.set(id, t),
        });
        t.onclose = () => (t.sessionId === undefined ? undefined : sessions.delete(t.sessionId));
        await mcpServer().connect(t);
        transport = t;
      }
      await transport.handleRequest(req, res);
    };
    handle().catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(e));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  system = await createSystem();
  attached = await attachMcpServer(
    system,
    { name: 'web', url, headers: { authorization: 'Bearer secret-1' } },
    { policy: { timeoutMs: 300 } },
  );
});

afterAll(async () => {
  await attached.close();
  await system.shutdown();
  for (const t of sessions.values()) await t.close();
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
});

const call = (address: string, args: Record<string, unknown>): Promise<ToolCallResult> =>
  system.ref(address).ask<ToolCallResult>(TOOL_CALL, { name: address.slice(5), arguments: args });

describe('attachMcpServer over Streamable HTTP', () => {
  it('lists every page of tools, sending the configured headers', async () => {
    expect(attached.tools()).toEqual(['tool/web.add', 'tool/web.broken', 'tool/web.sleep']);
    expect(seen.listCursors).toEqual([undefined, 'p2', 'p3']);
    expect([...seen.authorization]).toEqual(['Bearer secret-1']);
    expect(await system.ref('tool/web.add').ask(TOOL_DESCRIBE)).toEqual({
      name: 'web.add',
      description: 'Adds a and b',
      parameters: PAGES['first']?.tools[0]?.inputSchema,
    });
    expect(await system.ref('tool/web.sleep').ask(TOOL_DESCRIBE)).toMatchObject({ name: 'web.sleep', description: 'Sleeps' });
  });

  it('calls a tool and answers its result as is', async () => {
    expect(await call('tool/web.add', { a: 2, b: 40 })).toEqual({
      content: [{ type: 'text', text: '42' }],
      structuredContent: { sum: 42 },
    });
  });

  it('turns a protocol error into an isError result', async () => {
    const r = await call('tool/web.broken', {});
    expect(r.isError).toBe(true);
    expect(r.content).toEqual([{ type: 'text', text: 'MCP error -32603: cannot run broken' }]);
  });

  it('times out by policy and cancels the request on the server', async () => {
    const r = await call('tool/web.sleep', { ms: 5000 });
    expect(r).toEqual({ isError: true, content: [{ type: 'text', text: 'tool web.sleep timed out after 300 ms' }] });
    await vi.waitFor(() => expect(seen.aborted).toBe(1));
    expect(text(await call('tool/web.sleep', { ms: 1 }))).toBe('slept');
  });

  it('re-lists on refresh and closes the session on close', async () => {
    await attached.refresh();
    expect(attached.tools()).toHaveLength(3);
    const other = await attachMcpServer(system, { name: 'web2', url });
    expect(sessions.size).toBe(2);
    await other.close();
    await vi.waitFor(() => expect(sessions.size).toBe(1));
    expect(other.tools()).toEqual([]);
  });
});

function text(r: ToolCallResult): string {
  return r.content.map((c) => (c.type === 'text' ? String(c.text) : '')).join('');
}
