/** Tools idempotent by key on the real actor system: the key reaches the tool, results are recorded and expire. */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TOOL_CALL, ToolResults, defineTool, spawnTool, type ToolCallResult } from '../../actors/tool/index.js';
import { MemoryStorage, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

const text = (r: ToolCallResult): string => r.content.map((c) => (c.type === 'text' ? String(c.text) : '')).join('');

async function counted(options: { byKey: boolean; fail?: boolean; storage?: MemoryStorage }) {
  const keys: (string | undefined)[] = [];
  const tool = defineTool({
    name: 'charge',
    description: 'charges a card',
    input: z.object({ cents: z.number() }),
    idempotentByKey: options.byKey,
    resultTtlMs: 60_000,
    timeoutMs: 200,
    run: async ({ cents }, ctx) => {
      keys.push(ctx.idempotencyKey);
      if (options.fail === true) await new Promise((r) => setTimeout(r, 1000)); // times out
      return `charged ${cents} (#${keys.length})`;
    },
  });
  const s = (system = await createSystem(options.storage === undefined ? {} : { storage: options.storage }));
  await spawnTool(s, tool);
  await spawnTool(s, tool, { tenant: 'acme' });
  const call = (key: string | undefined, tenant = 'default'): Promise<ToolCallResult> =>
    s
      .ref('tool/charge', tenant)
      .ask<ToolCallResult>(TOOL_CALL, { name: 'charge', arguments: { cents: 5 }, ...(key === undefined ? {} : { idempotencyKey: key }) });
  return { keys, call };
}

describe('tools idempotent by key', () => {
  it('run once per key and tenant; a repeated key is answered with the recorded result', async () => {
    const storage = new MemoryStorage();
    const { keys, call } = await counted({ byKey: true, storage });
    expect(text(await call('r1:c1'))).toBe('charged 5 (#1)');
    expect(text(await call('r1:c1'))).toBe('charged 5 (#1)');
    const both = await Promise.all([call('r1:c2'), call('r1:c2')]); // at the same time: still once
    expect(both.map(text)).toEqual(['charged 5 (#2)', 'charged 5 (#2)']);
    expect(text(await call('r1:c1', 'acme'))).toBe('charged 5 (#3)'); // another tenant's key is another key
    expect(text(await call(undefined))).toBe('charged 5 (#4)'); // no key: runs every time
    expect(text(await call(undefined))).toBe('charged 5 (#5)');
    expect(keys).toEqual(['r1:c1', 'r1:c2', 'r1:c1', undefined, undefined]);
    expect(await new ToolResults(storage).get('default', 'r1:c1', Date.now())).toMatchObject({ content: [{ text: 'charged 5 (#1)' }] });
  });

  it('a tool not declared so sees the key but runs every time', async () => {
    const { keys, call } = await counted({ byKey: false });
    await call('k');
    await call('k');
    expect(keys).toEqual(['k', 'k']);
  });

  it('records expire after the TTL, and writes sweep expired ones', async () => {
    const storage = new MemoryStorage();
    const results = new ToolResults(storage);
    const { keys, call } = await counted({ byKey: true, storage });
    const stale = { content: [{ type: 'text' as const, text: 'stale' }] };
    await results.put('default', 'old', 'charge', stale, Date.now() - 120_000, 60_000); // expired a minute ago
    expect(text(await call('old'))).toBe('charged 5 (#1)'); // expired: run again, and recorded anew
    expect(text(await call('old'))).toBe('charged 5 (#1)');
    expect(keys).toEqual(['old']);
    const now = Date.now();
    await results.put('default', 'a', 'charge', stale, now, 1000);
    expect(await results.get('default', 'a', now + 999)).toEqual(stale);
    expect(await results.get('default', 'a', now + 1000)).toBeUndefined();
    await results.put('default', 'b', 'charge', stale, now + 5000, 60_000); // this write sweeps `a` (expired at now + 1000)
    const left = await storage.bucket('tool-results').list(['default', 'r']);
    expect(left.map((e) => e.key.at(-1))).toEqual(['b', 'old']);
  });

  it('a timed-out call is not recorded: the next call with its key runs the tool', async () => {
    const { keys, call } = await counted({ byKey: true, fail: true });
    expect((await call('t')).isError).toBe(true);
    expect((await call('t')).isError).toBe(true);
    expect(keys).toEqual(['t', 't']);
  });
});
