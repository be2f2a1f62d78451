/**
 * The cases of the agents suite (bench/agents.bench.ts), each opened in a process of its own by
 * bench/agents-case-host.ts: Troupe on memory and on lmdb storage, the direct loop, and the three peers on the same
 * scripted model. A peer's module is imported only by the process that runs it: LangGraph.js and Mastra turn on
 * AsyncLocalStorage, which in Node 20 installs promise hooks for the whole process, and every other case sharing
 * that process paid for them (about 30 µs per turn measured on Troupe, BENCHMARKS.md).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentBehavior, waitForRun } from '../actors/agent/index.js';
import type { ChatMessage, ModelProvider } from '../actors/llm/types.js';
import { TOOL_CALL, TOOL_DESCRIBE, type ToolCallRequest } from '../actors/tool/types.js';
import { RUN_CREATE } from '../protocols/index.js';
import type { ActorSystem, Behavior, Storage } from '../runtime/index.js';
import { LmdbStorage } from '../runtime/lmdb/index.js';
import { createSystem } from '../supervisors/index.js';
import { add, check, complete, INSTRUCTIONS, QUESTION, SPEC } from './peers/scripted.js';

export type CaseName = 'troupe' | 'troupe-lmdb' | 'direct' | 'langgraph' | 'openai-agents' | 'mastra';

export const CASE_NAMES: readonly CaseName[] = ['troupe', 'troupe-lmdb', 'direct', 'langgraph', 'openai-agents', 'mastra'];

/** The trivial tool actor (same shape as the one in test/agent). */
export const addTool: Behavior<undefined> = {
  receive(msg) {
    if (msg.type === TOOL_DESCRIBE) return SPEC;
    if (msg.type !== TOOL_CALL) return undefined;
    return { content: [{ type: 'text', text: String(add((msg.payload as ToolCallRequest).arguments)) }] };
  },
};

async function troupeMesh(provider: ModelProvider, storage?: Storage): Promise<{ system: ActorSystem; run: () => Promise<void> }> {
  const system = await createSystem(storage === undefined ? {} : { storage });
  await system.spawn('tool/add', addTool, { pool: true });
  await system.spawn(
    'agent/adder',
    agentBehavior({ name: 'adder', instructions: INSTRUCTIONS, provider, model: 'scripted', tools: ['add'] }),
  );
  const agent = system.ref('agent/adder');
  let seq = 0;
  const run = async (): Promise<void> => {
    const runId = `bench-${++seq}`;
    const done = waitForRun(system, runId, 'default', 10_000);
    await agent.ask(RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content: QUESTION }] } });
    const result = await done;
    if (result.status !== 'success') throw new Error(`troupe run ${runId}: ${result.status} ${result.error ?? ''}`);
    check(result.output, 'troupe');
  };
  return { system, run };
}

/** The scripted model and the tool function called directly in a loop: what every case's turn costs at least. */
function directRunner(provider: ModelProvider): () => Promise<void> {
  let tokens = 0;
  const onToken = (): void => void tokens++;
  return async () => {
    const messages: ChatMessage[] = [{ role: 'user', content: QUESTION }];
    for (;;) {
      const reply = await complete(
        provider,
        { model: 'scripted', messages: [{ role: 'system', content: INSTRUCTIONS }, ...messages], tools: [SPEC] },
        onToken,
      );
      messages.push(reply);
      const calls = reply.toolCalls ?? [];
      if (calls.length === 0) return check(reply.content, 'direct');
      const results = await Promise.all(calls.map(async (c) => String(add(c.arguments))));
      for (const [i, c] of calls.entries()) messages.push({ role: 'tool', name: c.name, toolCallId: c.id, content: results[i] as string });
    }
  };
}

/** Opens case `name` in this process: one run of it per `op()`, `close()` ends what it started. */
export async function openCase(name: CaseName, provider: ModelProvider): Promise<{ op: () => Promise<void>; close: () => Promise<void> }> {
  switch (name) {
    case 'troupe': {
      const mesh = await troupeMesh(provider);
      return { op: mesh.run, close: () => mesh.system.shutdown() };
    }
    case 'troupe-lmdb': {
      // lmdb in a fresh data directory (the embedded default's backend), removed on close.
      const dir = await mkdtemp(join(tmpdir(), 'troupe-agents-bench-'));
      const mesh = await troupeMesh(provider, new LmdbStorage(dir));
      return {
        op: mesh.run,
        close: async () => {
          await mesh.system.shutdown();
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    case 'direct':
      return { op: directRunner(provider), close: async () => undefined };
    case 'langgraph':
      return { op: (await import('./peers/langgraph.js')).langGraphRunner(provider), close: async () => undefined };
    case 'openai-agents':
      return { op: (await import('./peers/openai-agents.js')).openAiAgentsRunner(provider), close: async () => undefined };
    case 'mastra':
      return { op: (await import('./peers/mastra.js')).mastraRunner(provider), close: async () => undefined };
  }
}
