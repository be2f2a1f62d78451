/** /mcp with the real MCP SDK client over Streamable HTTP against real tool actors. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { mcpRoute } from '../../gateway/mcp/index.js';
import { MemoryHub, MemoryStorage } from '../../runtime/index.js';
import { startTestGateway, type TestGateway } from './mcp-fixture.js';

const run = promisify(execFile);
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway((deps) => [mcpRoute(deps, { allowedOrigins: ['https://app.example'] })]);
});
afterAll(async () => {
  await gw.close();
});

async function connect(tenant: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'mcp-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${tenant}`, ...headers } },
  });
  await client.connect(transport);
  return client;
}

const text = (r: CallToolResult): string => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

/** A streamed response body read as text: up to a marker, or (no marker) to its end; returns all read so far. */
function textStream(res: Response): { readUntil(marker?: string): Promise<string> } {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  return {
    async readUntil(marker) {
      while (marker === undefined || !text.includes(marker)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      return text;
    },
  };
}

describe('/mcp with the MCP SDK client', () => {
  it('initializes, answers ping and lists the tenant’s tools with their JSON Schemas', async () => {
    const client = await connect('acme');
    expect(client.getServerVersion()).toMatchObject({ name: 'troupe' });
    expect(client.getServerCapabilities()?.tools).toBeDefined();
    await expect(client.ping()).resolves.toEqual({});
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['acme.secret', 'calculator', 'clock', 'test.steps']);
    const calc = tools.find((t) => t.name === 'calculator');
    expect(calc?.inputSchema).toMatchObject({ type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] });
    await client.close();
  });

  it('calls a tool and answers its result (text and structured content)', async () => {
    const client = await connect('acme');
    const r = (await client.callTool({ name: 'calculator', arguments: { expression: '(2 + 3) * 4' } })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toEqual({ expression: '(2 + 3) * 4', value: 20 });
    expect(JSON.parse(text(r))).toEqual({ expression: '(2 + 3) * 4', value: 20 });
    await client.close();
  });

  it('answers tool failures as results with isError: true (bad input, a failing tool, bad arguments)', async () => {
    const client = await connect('acme');
    const div = (await client.callTool({ name: 'calculator', arguments: { expression: '1 +' } })) as CallToolResult;
    expect(div.isError).toBe(true);
    expect(text(div)).toMatch(/cannot evaluate/);
    const failed = (await client.callTool({ name: 'test.steps', arguments: { steps: 1, delayMs: 0, fail: true } })) as CallToolResult;
    expect(failed).toMatchObject({ isError: true, content: [{ type: 'text', text: 'failed after 1 steps' }] });
    const badArgs = (await client.callTool({ name: 'calculator', arguments: { expression: 42 } })) as CallToolResult;
    expect(badArgs.isError).toBe(true);
    expect(text(badArgs)).toMatch(/invalid arguments for calculator: expression/);
    await client.close();
  });

  it('rejects an unknown tool with JSON-RPC error -32602', async () => {
    const client = await connect('acme');
    const e = await client.callTool({ name: 'no.such.tool', arguments: {} }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(McpError);
    expect((e as McpError).code).toBe(ErrorCode.InvalidParams);
    expect((e as McpError).message).toMatch(/Unknown tool: no\.such\.tool/);
    await client.close();
  });

  it('keeps tenants apart: another tenant neither sees nor calls a tool it may not reach', async () => {
    const globex = await connect('globex');
    const names = (await globex.listTools()).tools.map((t) => t.name);
    expect(names).toContain('calculator');
    expect(names).not.toContain('acme.secret');
    const e = await globex.callTool({ name: 'acme.secret', arguments: {} }).catch((x: unknown) => x);
    expect((e as McpError).code).toBe(ErrorCode.InvalidParams);
    const acme = await connect('acme');
    expect(text((await acme.callTool({ name: 'acme.secret', arguments: {} })) as CallToolResult)).toBe('the secret');
    // Each tenant got its own tool actor.
    expect(gw.system.actors('acme').map((r) => r.address)).toContain('tool/acme.secret');
    expect(gw.system.actors('globex').map((r) => r.address)).not.toContain('tool/acme.secret');
    await Promise.all([globex.close(), acme.close()]);
  });

  it('forwards the tool’s progress as notifications/progress when the client asks for it', async () => {
    const client = await connect('acme');
    const seen: { progress: number; total?: number; message?: string }[] = [];
    const r = (await client.callTool({ name: 'test.steps', arguments: { steps: 3, delayMs: 5 } }, undefined, {
      onprogress: (p) => seen.push(p),
    })) as CallToolResult;
    expect(text(r)).toBe('counted to 3');
    expect(seen).toEqual([
      { progress: 1, total: 3, message: 'step 1' },
      { progress: 2, total: 3, message: 'step 2' },
      { progress: 3, total: 3, message: 'step 3' },
    ]);
    await client.close();
  });

  it('cancels a call: the client’s notifications/cancelled reaches the call over the mesh', async () => {
    const client = await connect('acme');
    const cancels: unknown[] = [];
    const sub = gw.system.subscribe('mcp.cancel.>', (env) => cancels.push(env.payload), { tenant: 'acme' });
    const steps: number[] = [];
    const progressSub = gw.system.subscribe('tool.progress.>', (env) => steps.push((env.payload as { progress: number }).progress), {
      tenant: 'acme',
    });
    const ac = new AbortController();
    let progressed = 0;
    const call = client.callTool({ name: 'test.steps', arguments: { steps: 30, delayMs: 10 } }, undefined, {
      signal: ac.signal,
      onprogress: () => {
        if (++progressed === 2) ac.abort('enough');
      },
    });
    await expect(call).rejects.toThrow();
    await expect.poll(() => cancels.length).toBe(1);
    expect(cancels[0]).toMatchObject({ subject: 'key:acme', reason: 'enough' });
    sub.unsubscribe();
    // The tool itself stopped: it would have reported all 30 steps by now.
    await new Promise((r) => setTimeout(r, 600));
    progressSub.unsubscribe();
    expect(steps.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...steps)).toBeLessThan(30);
    // The client and server carry on.
    expect(text((await client.callTool({ name: 'calculator', arguments: { expression: '1+1' } })) as CallToolResult)).toContain(
      '"value":2',
    );
    await client.close();
  });

  it('ends a cancelled call’s stream without an answer (raw Streamable HTTP)', async () => {
    const headers = { authorization: 'Bearer acme', 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const init = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    });
    const session = init.headers.get('mcp-session-id');
    expect(session).toMatch(/^[0-9a-f-]{36}$/);
    await init.text();
    const withSession = { ...headers, 'mcp-session-id': session!, 'mcp-protocol-version': '2025-06-18' };
    const call = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: withSession,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'test.steps', arguments: { steps: 30, delayMs: 10 }, _meta: { progressToken: 'p7' } },
      }),
    });
    expect(call.headers.get('content-type')).toMatch(/text\/event-stream/);
    const body = textStream(call);
    expect(await body.readUntil('notifications/progress')).toContain('"progressToken":"p7"');
    const cancel = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: withSession,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'user gave up' } }),
    });
    expect(cancel.status).toBe(202);
    const received = await body.readUntil();
    expect(received).not.toContain('"result"');
    expect(received).not.toContain('counted to');
  });

  it('refuses foreign origins with 403 and allows loopback and configured ones', async () => {
    const e = await connect('acme', { origin: 'https://evil.example' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 403 });
    expect(String(e)).toMatch(/origin .*evil\.example.* is not allowed/);
    const raw = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer acme',
        origin: 'http://evil.example:7700',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: '{}',
    });
    expect(raw.status).toBe(403);
    expect(await raw.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'https://app.example']) {
      const client = await connect('acme', { origin });
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      await client.close();
    }
  });

  it('answers malformed requests with JSON-RPC errors and the wrong verbs with 405', async () => {
    const post = (body: string) =>
      fetch(`${gw.url}/mcp`, {
        method: 'POST',
        headers: { authorization: 'Bearer acme', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body,
      });
    const bad = await post('{"jsonrpc":');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: -32700 } });
    const notRpc = await post('{"hello":1}');
    expect(notRpc.status).toBe(400);
    expect((await notRpc.json()) as unknown).toMatchObject({ error: { code: expect.any(Number) } });
    const empty = await post('[]');
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 }, id: null });
    const get = await fetch(`${gw.url}/mcp`, { headers: { authorization: 'Bearer acme', accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    const unauth = await fetch(`${gw.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unauth.status).toBe(401);
  });
});

describe('/mcp with @modelcontextprotocol/inspector-cli', () => {
  const cli = fileURLToPath(new URL('../../node_modules/.bin/mcp-inspector-cli', import.meta.url));
  // The CLI finds its package.json relative to the working directory (a bug of 1.0.3): run it from its build folder.
  const inspectorDir = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/inspector-cli/build', import.meta.url));
  const inspect = async (...args: string[]): Promise<unknown> => {
    const { stdout } = await run(
      process.execPath,
      [cli, '--cli', `${gw.url}/mcp`, '--transport', 'http', '--header', 'Authorization: Bearer acme', ...args],
      { timeout: 30_000, cwd: inspectorDir },
    );
    return JSON.parse(stdout) as unknown;
  };

  it('lists the tools', async () => {
    const out = (await inspect('--method', 'tools/list')) as { tools: { name: string }[] };
    expect(out.tools.map((t) => t.name).sort()).toEqual(['acme.secret', 'calculator', 'clock', 'test.steps']);
  });

  it('calls a tool with arguments', async () => {
    const out = await inspect('--method', 'tools/call', '--tool-name', 'calculator', '--tool-arg', 'expression=6*7');
    expect(out).toMatchObject({ content: [{ type: 'text', text: '{"expression":"6*7","value":42}' }], structuredContent: { value: 42 } });
  });

  it('shows a failing tool as an isError result', async () => {
    const out = await inspect('--method', 'tools/call', '--tool-name', 'calculator', '--tool-arg', 'expression=1/');
    expect(out).toMatchObject({ isError: true });
  });
});

describe('/mcp across two gateway nodes of one mesh', () => {
  it('cancels a call running on one node from a notifications/cancelled sent to the other', async () => {
    const mesh = { hub: new MemoryHub(), storage: new MemoryStorage() };
    const one = await startTestGateway((deps) => [mcpRoute(deps)], undefined, { mesh });
    const two = await startTestGateway((deps) => [mcpRoute(deps)], undefined, { mesh });
    try {
      const headers = { authorization: 'Bearer globex', 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const init = await fetch(`${one.url}/mcp`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
        }),
      });
      const session = init.headers.get('mcp-session-id') as string;
      await init.text();
      const withSession = { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
      const call = await fetch(`${one.url}/mcp`, {
        method: 'POST',
        headers: withSession,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 'c1',
          method: 'tools/call',
          params: { name: 'test.steps', arguments: { steps: 100, delayMs: 10 }, _meta: { progressToken: 1 } },
        }),
      });
      const body = textStream(call);
      await body.readUntil('notifications/progress');
      const started = Date.now();
      const cancel = await fetch(`${two.url}/mcp`, {
        method: 'POST',
        headers: withSession,
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'c1' } }),
      });
      expect(cancel.status).toBe(202);
      const received = await body.readUntil();
      expect(Date.now() - started).toBeLessThan(700); // the tool alone takes over 1 s
      expect(received).not.toContain('"result"');
      // Another session's (or tenant's) cancellation of the same request id does nothing.
      const other = await fetch(`${one.url}/mcp`, {
        method: 'POST',
        headers: { ...withSession, 'mcp-session-id': 'another-session' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 'c1',
          method: 'tools/call',
          params: { name: 'test.steps', arguments: { steps: 10, delayMs: 10 } },
        }),
      });
      await fetch(`${two.url}/mcp`, {
        method: 'POST',
        headers: withSession,
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'c1' } }),
      });
      expect(await other.text()).toContain('counted to 10');
    } finally {
      await one.close();
      await two.close();
    }
  });
});
