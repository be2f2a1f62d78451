/**
 * Exactly-once tool effects across a host crash: a run whose tool answered (and the tool actor recorded the
 * result) while the run itself recorded nothing — its host stopped first — is resumed on the same storage by a
 * new host, and the tool, declared idempotent by key, is not run again: the recorded result is used. Once with a
 * function tool, once with an MCP tool over stdio that gets the key in `_meta`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RUN_CREATE, type RunEvent } from '../../protocols/index.js';
import { MemoryStorage, type ActorSystem, type KvBucket, type Storage } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { RunStore, agentBehavior, waitForRun } from '../../actors/agent/index.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import { RESULTS_BUCKET, attachMcpServer, defineTool, spawnTool, type McpAttachment } from '../../actors/tool/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('../tool/fixtures/mcp-stdio-server.ts', import.meta.url));

const systems: ActorSystem[] = [];
const attachments: McpAttachment[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const a of attachments.splice(0)) await a.close();
  for (const s of systems.splice(0)) await s.shutdown();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * The storage of a host that dies the moment a tool result is recorded: from then on its run writes (events,
 * checkpoints) never land, as if the process had been killed right after the tool actor answered.
 */
function dyingAfterRecord(real: MemoryStorage): { storage: Storage; recorded: Promise<void> } {
  let frozen = false;
  let onRecorded = (): void => undefined;
  const recorded = new Promise<void>((r) => (onRecorded = r));
  const never = new Promise<never>(() => undefined);
  const wrap = (b: KvBucket): KvBucket => {
    if (b.name === RESULTS_BUCKET)
      return Object.assign(Object.create(b) as KvBucket, {
        putMany: async (entries: Parameters<KvBucket['putMany']>[0]) => {
          await b.putMany(entries);
          frozen = true;
          onRecorded();
        },
      });
    if (b.name !== 'runs') return b;
    return Object.assign(Object.create(b) as KvBucket, {
      put: (key: Parameters<KvBucket['put']>[0], value: unknown) => (frozen ? never : b.put(key, value)),
      putMany: (entries: Parameters<KvBucket['putMany']>[0]) => (frozen ? never : b.putMany(entries)),
      putFenced: (...args: Parameters<KvBucket['putFenced']>) => (frozen ? never : b.putFenced(...args)),
    });
  };
  const storage: Storage = { kind: 'memory', bucket: (name) => wrap(real.bucket(name)), close: () => Promise.resolve() };
  return { storage, recorded };
}

async function agent(s: ActorSystem, tool: string): Promise<void> {
  await s.spawn(
    'agent/clerk',
    agentBehavior({ name: 'clerk', instructions: 'You use tools.', provider: new OfflineProvider(), model: 'offline', tools: [tool] }),
  );
}

async function start(s: ActorSystem, runId: string, content: string): Promise<void> {
  await s.ref('agent/clerk').ask(RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content }] } });
}

function toolCalls(log: readonly RunEvent[]): string[] {
  return log.filter((e) => e.event === 'tool_call').map((e) => (e.data as { id: string }).id);
}

describe('exactly-once tool effects across a host crash', () => {
  it('a function tool idempotent by key runs once; the resumed run finishes with its recorded result', async () => {
    const real = new MemoryStorage();
    const runs: (string | undefined)[] = [];
    const add = defineTool({
      name: 'add',
      description: 'adds',
      input: z.object({ a: z.number(), b: z.number() }),
      idempotentByKey: true,
      run: ({ a, b }, ctx) => {
        runs.push(ctx.idempotencyKey);
        return `sum ${a + b}`;
      },
    });
    const dying = dyingAfterRecord(real);
    const s1 = await createSystem({ storage: dying.storage });
    systems.push(s1);
    await spawnTool(s1, add);
    await agent(s1, 'add');
    await start(s1, 'x1', '/tool add {"a":2,"b":40}');
    await dying.recorded;
    await s1.shutdown();
    systems.splice(systems.indexOf(s1), 1);
    const store = new RunStore(real);
    expect((await store.events('default', 'x1')).some((e) => e.event === 'tool_result')).toBe(false); // the run recorded nothing
    expect(runs).toHaveLength(1);

    const s2 = await createSystem({ storage: real });
    systems.push(s2);
    await spawnTool(s2, add);
    const done = waitForRun(s2, 'x1', 'default', 10_000);
    await agent(s2, 'add');
    const result = await done;
    expect(result.status).toBe('success');
    expect(result.output).toContain('sum 42');
    expect(runs).toHaveLength(1); // not run again after the resume
    const log = await store.events('default', 'x1');
    const [callId] = toolCalls(log);
    expect(runs).toEqual([`x1:${callId}`]);
    expect(log.filter((e) => e.event === 'tool_result')).toMatchObject([{ data: { content: 'sum 42', is_error: false } }]);
  });

  it('an MCP tool over stdio idempotent by key gets the key in _meta and runs once across the crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'troupe-keyed-'));
    dirs.push(dir);
    const calls = join(dir, 'calls.log');
    const server = { name: 'fx', command: process.execPath, args: ['--import', 'tsx', fixture], cwd: root, env: { FIXTURE_CALLS: calls } };
    const options = { stderr: 'ignore' as const, policyFor: (t: string) => ({ idempotentByKey: t === 'keyed' }) };
    const real = new MemoryStorage();
    const dying = dyingAfterRecord(real);
    const s1 = await createSystem({ storage: dying.storage });
    systems.push(s1);
    const fx1 = await attachMcpServer(s1, server, options);
    attachments.push(fx1);
    await agent(s1, 'fx.keyed');
    await start(s1, 'x2', '/tool fx.keyed {"text":"hi"}');
    await dying.recorded;
    await fx1.close();
    await s1.shutdown();
    systems.splice(systems.indexOf(s1), 1);
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toHaveLength(1);

    const s2 = await createSystem({ storage: real });
    systems.push(s2);
    attachments.push(await attachMcpServer(s2, server, options));
    const done = waitForRun(s2, 'x2', 'default', 15_000);
    await agent(s2, 'fx.keyed');
    const result = await done;
    expect(result.status).toBe('success');
    const log = await new RunStore(real).events('default', 'x2');
    const [callId] = toolCalls(log);
    const key = `x2:${callId}`;
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toEqual([key]); // one execution, which saw the key
    expect(result.output).toContain(`keyed hi: ${key}`);
  });
});
