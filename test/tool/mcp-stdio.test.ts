/** MCP over stdio: a real child process running a real McpServer (fixtures/mcp-stdio-server.ts). */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  TOOL_CALL,
  TOOL_DESCRIBE,
  attachMcpServer,
  progressTopic,
  type McpAttachment,
  type ToolCallResult,
} from '../../actors/tool/index.js';
import { isTroupeError } from '../../protocols/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { processAlive } from '../../cli/data-dir.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/mcp-stdio-server.ts', import.meta.url));
const stdio = (name: string) => ({ name, command: process.execPath, args: ['--import', 'tsx', fixture], cwd: root });

let system: ActorSystem;
let fx: McpAttachment;
beforeAll(async () => {
  system = await createSystem();
  fx = await attachMcpServer(system, stdio('fx'));
});
afterAll(async () => {
  await fx.close();
  await system.shutdown();
});

const call = (address: string, args: Record<string, unknown>, callId?: string): Promise<ToolCallResult> =>
  system
    .ref(address)
    .ask<ToolCallResult>(TOOL_CALL, { name: address.slice(5), arguments: args, ...(callId === undefined ? {} : { callId }) });
const text = (r: ToolCallResult): string => r.content.map((c) => (c.type === 'text' ? String(c.text) : '')).join('');

describe('attachMcpServer over stdio', () => {
  it('spawns one actor per listed tool, describing it from its inputSchema', async () => {
    expect(fx.tools()).toEqual([
      'tool/fx.add_tool',
      'tool/fx.count',
      'tool/fx.echo',
      'tool/fx.fail',
      'tool/fx.keyed',
      'tool/fx.pid',
      'tool/fx.remove_tool',
    ]);
    expect(await system.ref('tool/fx.echo').ask(TOOL_DESCRIBE)).toEqual({
      name: 'fx.echo',
      description: 'Echoes its text',
      parameters: expect.objectContaining({
        type: 'object',
        properties: { text: { type: 'string', description: 'what to echo' } },
        required: ['text'],
      }) as unknown,
    });
  });

  it('calls a tool and answers its result as is', async () => {
    const r = await call('tool/fx.echo', { text: 'hi' });
    expect(r.isError).toBeFalsy();
    expect(r.content).toEqual([{ type: 'text', text: 'echo: hi' }]);
    const pid = await call('tool/fx.pid', {});
    expect(pid.structuredContent).toEqual({ pid: Number(text(pid)) });
  });

  it('passes the server’s error results through, including its argument validation', async () => {
    const failed = await call('tool/fx.fail', { why: 'testing' });
    expect(failed.isError).toBe(true);
    expect(text(failed)).toMatch(/failed on purpose: testing/);
    const invalid = await call('tool/fx.echo', { text: 5 });
    expect(invalid.isError).toBe(true);
    expect(text(invalid)).toMatch(/text/);
  });

  it('has no actor for a tool the server does not have', async () => {
    const e: unknown = await call('tool/fx.nope', {}).catch((x: unknown) => x);
    expect(isTroupeError(e, 'no_recipient')).toBe(true);
  });

  it('forwards server progress to tool.progress.<callId>', async () => {
    const seen: unknown[] = [];
    const sub = system.subscribe(progressTopic('c-1'), (env) => seen.push(env.payload));
    expect(text(await call('tool/fx.count', { n: 3 }, 'c-1'))).toBe('counted to 3');
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    expect(seen[2]).toEqual({ callId: 'c-1', tool: 'fx.count', progress: 3, total: 3, message: 'step 3' });
    sub.unsubscribe();
  });

  it('follows tools/list_changed: added tools get an actor, removed ones lose it', async () => {
    expect(text(await call('tool/fx.add_tool', { name: 'late' }))).toBe('added late');
    await vi.waitFor(() => expect(fx.tools()).toContain('tool/fx.late'));
    expect(text(await call('tool/fx.late', { x: 2 }))).toBe('late(2)');
    await call('tool/fx.remove_tool', { name: 'late' });
    await vi.waitFor(() => expect(fx.tools()).not.toContain('tool/fx.late'));
    const e: unknown = await call('tool/fx.late', { x: 2 }).catch((x: unknown) => x);
    expect(isTroupeError(e, 'no_recipient')).toBe(true);
  });

  it('answers an error result for a tool the server no longer knows; close stops the actors and kills the child', async () => {
    const fy = await attachMcpServer(system, stdio('fy'), { watchListChanged: false });
    const pid = Number(text(await call('tool/fy.pid', {})));
    expect(processAlive(pid)).toBe(true);
    await call('tool/fy.add_tool', { name: 'temp' });
    expect(fy.tools()).not.toContain('tool/fy.temp');
    await fy.refresh();
    expect(fy.tools()).toContain('tool/fy.temp');
    await call('tool/fy.remove_tool', { name: 'temp' });
    const gone = await call('tool/fy.temp', { x: 1 });
    expect(gone.isError).toBe(true);
    expect(text(gone)).toMatch(/Tool temp not found/);

    await fy.close();
    expect(fy.tools()).toEqual([]);
    expect(
      system
        .actors()
        .map((r) => r.address)
        .filter((a) => a.startsWith('tool/fy.')),
    ).toEqual([]);
    await vi.waitFor(() => expect(processAlive(pid)).toBe(false), { timeout: 5000 });
    expect(fx.tools()).toContain('tool/fx.echo');
  });

  it('rejects with unavailable when the server cannot be started', async () => {
    const e: unknown = await attachMcpServer(system, { name: 'nope', command: '/nonexistent/mcp-server' }, { stderr: 'ignore' }).catch(
      (x: unknown) => x,
    );
    expect(isTroupeError(e, 'unavailable')).toBe(true);
    expect((e as Error).message).toMatch(/^MCP server nope: /);
    expect(system.actors().some((r) => r.address.startsWith('tool/nope.'))).toBe(false);
  });
});
