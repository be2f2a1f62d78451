/** Agents on the mesh with the offline model: runs, tools, delegation, handoff, approvals, limits. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { defineTool, spawnTool } from '../../actors/tool/index.js';
import { RUN_CANCEL, RUN_CREATE, RUN_RESUME, type RunEvent } from '../../protocols/index.js';
import { inspectCell, type ActorSystem, type Behavior } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { RunStore, agentBehavior, waitForRun, type AgentDefinition, type AgentState } from '../../actors/agent/index.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import { TOOL_CALL, TOOL_DESCRIBE, type ToolCallRequest } from '../../actors/tool/types.js';

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

/** A minimal tool actor (the real function-tool actor lives in actors/tool). */
function tool(name: string, run: (args: Record<string, unknown>) => unknown): Behavior<undefined> {
  return {
    async receive(msg) {
      if (msg.type === TOOL_DESCRIBE) return { name, description: `${name} tool`, parameters: { type: 'object' } };
      if (msg.type !== TOOL_CALL) return undefined;
      try {
        const out = await run((msg.payload as ToolCallRequest).arguments);
        return { content: [{ type: 'text', text: typeof out === 'string' ? out : JSON.stringify(out) }] };
      } catch (e) {
        return { content: [{ type: 'text', text: (e as Error).message }], isError: true };
      }
    },
  };
}

async function mesh(): Promise<ActorSystem> {
  system = await createSystem();
  await system.spawn(
    'tool/add',
    tool('add', (a) => Number(a['a']) + Number(a['b'])),
    { pool: true },
  );
  await system.spawn(
    'tool/boom',
    tool('boom', () => {
      throw new Error('the tool broke');
    }),
    { pool: true },
  );
  return system;
}

const provider = new OfflineProvider();
function agent(name: string, extra: Partial<AgentDefinition> = {}): Behavior<AgentState> {
  return agentBehavior({ name, instructions: `You are ${name}.`, provider, model: 'offline', tools: ['add', 'boom'], ...extra });
}

async function run(s: ActorSystem, agentName: string, content: string, opts: { thread_id?: string; onEvent?: (e: RunEvent) => void } = {}) {
  const runId = `r${Math.random().toString(16).slice(2)}`;
  const done = waitForRun(s, runId, 'default', 10_000, opts.onEvent);
  const created = await s.ref(`agent/${agentName}`).ask<{ run_id: string; thread_id: string }>(RUN_CREATE, {
    run_id: runId,
    thread_id: opts.thread_id,
    input: { messages: [{ role: 'user', content }] },
  });
  return { created, result: await done };
}

function gapFree(events: RunEvent[]): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
}

describe('agents', () => {
  it('streams tokens, ends with the answer, numbers events without gaps and keeps the thread', async () => {
    const s = await mesh();
    const ref = await s.spawn('agent/assistant', agent('assistant', { prices: { promptPer1k: 1, completionPer1k: 2 } }));
    const { created, result } = await run(s, 'assistant', 'hello there');
    expect(result.status).toBe('success');
    expect(result.output).toContain('offline model');
    expect(result.output).toContain('hello there');
    gapFree(result.events);
    expect(
      result.events
        .filter((e) => e.event === 'token')
        .map((e) => (e.data as { text: string }).text)
        .join(''),
    ).toBe(result.output);
    const end = result.events.at(-1)!.data as { usage: { prompt_tokens: number; completion_tokens: number; cost: number } };
    expect(end.usage.prompt_tokens).toBeGreaterThan(0);
    expect(end.usage.cost).toBeCloseTo((end.usage.prompt_tokens + 2 * end.usage.completion_tokens) / 1000);
    await run(s, 'assistant', 'and again', { thread_id: created.thread_id });
    expect(inspectCell(s, ref)?.actorState).toBeDefined();
    const thread = await (inspectCell(s, ref)!.actorState as AgentState).store.thread('default', created.thread_id);
    expect(thread.values.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(thread.status).toBe('idle');
  });

  it('calls tools in parallel; a failing or missing tool is an error the model sees, not a failed run', async () => {
    const s = await mesh();
    await s.spawn('agent/assistant', agent('assistant', { tools: ['add', 'boom', 'missing'] }));
    const { result } = await run(s, 'assistant', '/tool add {"a":2,"b":3}\n/tool boom {}');
    expect(result.status).toBe('success');
    const results = result.events
      .filter((e) => e.event === 'tool_result')
      .map((e) => e.data as { name: string; is_error: boolean; content: string });
    expect(results).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'add', is_error: false, content: '5' }),
        expect.objectContaining({ name: 'boom', is_error: true, content: 'the tool broke' }),
      ]),
    );
    expect(result.output).toContain('add: 5');
    gapFree(result.events);
  });

  it('delegates to two agents in parallel and uses their answers', async () => {
    const s = await mesh();
    await s.spawn('agent/lead', agent('lead', { delegates: ['left', 'right'] }));
    await s.spawn('agent/left', agent('left'));
    await s.spawn('agent/right', agent('right'));
    const { result } = await run(s, 'lead', '/ask left what is up\n/ask right what is down');
    expect(result.status).toBe('success');
    expect(result.output).toContain('ask_left: [offline model]');
    expect(result.output).toContain('what is up');
    expect(result.output).toContain('what is down');
  });

  it('stops a delegation cycle at the depth limit with a clear error', async () => {
    const s = await mesh();
    await s.spawn('agent/loop', agent('loop', { delegates: ['loop'], maxDepth: 2 }));
    const { result } = await run(s, 'loop', '/ask loop /ask loop /ask loop /ask loop deeper');
    expect(result.status).toBe('success');
    expect(JSON.stringify(result.events)).toContain('delegation depth limit 2 reached');
  });

  it('hands off: the specialist continues the same run and the sequence stays gap-free', async () => {
    const s = await mesh();
    await s.spawn('agent/triage', agent('triage', { handoffs: ['billing'] }));
    await s.spawn('agent/billing', agent('billing'));
    const { result } = await run(s, 'triage', '/handoff billing');
    expect(result.status).toBe('success');
    const handoff = result.events.find((e) => e.event === 'handoff');
    expect(handoff?.data).toEqual({ from: 'triage', to: 'billing' });
    expect(result.events.at(-1)?.agent).toBe('billing');
    gapFree(result.events);
  });

  it('interrupts for approval: approve, edit or reject the call', async () => {
    const s = await mesh();
    await s.spawn('agent/careful', agent('careful', { approvals: ['add'] }));
    for (const [answer, expected] of [
      [{ approve: true }, 'add: 3'],
      [{ approve: true, arguments: { a: 10, b: 20 } }, 'add: 30'],
      [{ approve: false, reason: 'not today' }, 'rejected by a human: not today'],
    ] as const) {
      const runId = `r${Math.random().toString(16).slice(2)}`;
      const done = waitForRun(s, runId, 'default', 10_000, (e) => {
        if (e.event === 'interrupt') void s.ref('agent/careful').ask(RUN_RESUME, { run_id: runId, resume: answer });
      });
      await s
        .ref('agent/careful')
        .ask(RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content: '/tool add {"a":1,"b":2}' }] } });
      const result = await done;
      expect(result.status).toBe('success');
      expect(result.output).toContain(expected);
      expect(result.events.filter((e) => e.event === 'status').map((e) => (e.data as { status: string }).status)).toEqual([
        'running',
        'interrupted',
        'running',
        'success',
      ]);
    }
  });

  it('fails a run past max turns, and cancels a waiting run', async () => {
    const s = await mesh();
    await s.spawn('agent/short', agent('short', { maxTurns: 1, approvals: ['boom'] }));
    const { result } = await run(s, 'short', '/tool add {"a":1,"b":1}');
    expect(result.status).toBe('error');
    expect(result.error).toContain('max turns exceeded');
    const runId = 'to-cancel';
    const done = waitForRun(s, runId, 'default', 10_000, (e) => {
      if (e.event === 'interrupt') void s.ref('agent/short').ask(RUN_CANCEL, { run_id: runId });
    });
    await s.ref('agent/short').ask(RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content: '/tool boom {}' }] } });
    expect((await done).status).toBe('cancelled');
  });

  it('cancelling a run cancels its tool call where the call runs', async () => {
    const s = await mesh();
    let aborted: unknown;
    const started = { at: 0 };
    await spawnTool(
      s,
      defineTool({
        name: 'wait',
        description: 'Waits until cancelled',
        input: z.object({}),
        timeoutMs: 60_000,
        run: (_input, ctx) =>
          new Promise((resolve) => {
            started.at = Date.now();
            ctx.signal.addEventListener('abort', () => {
              aborted = ctx.signal.reason;
              resolve('stopped');
            });
          }),
      }),
    );
    await s.spawn('agent/waiter', agent('waiter', { tools: ['wait'], toolTimeoutMs: 60_000 }));
    const runId = 'cancel-tool';
    const done = waitForRun(s, runId, 'default', 10_000, (e) => {
      if (e.event === 'tool_call') setTimeout(() => void s.ref('agent/waiter').ask(RUN_CANCEL, { run_id: runId }), 20);
    });
    await s.ref('agent/waiter').ask(RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content: '/tool wait {}' }] } });
    expect((await done).status).toBe('cancelled');
    await vi.waitFor(() => expect(aborted).toBeInstanceOf(Error), { timeout: 5_000 });
    expect((aborted as Error).message).toMatch(new RegExp(`^tool wait: call ${runId}:call_\\d+ cancelled$`));
  });

  it('refuses a second run on a busy thread (409-style conflict) and bad payloads (bad_request)', async () => {
    const s = await mesh();
    await s.spawn('agent/careful', agent('careful', { approvals: ['add'] }));
    const first = await s
      .ref('agent/careful')
      .ask<{ thread_id: string }>(RUN_CREATE, { input: { messages: [{ role: 'user', content: '/tool add {}' }] } });
    await expect(
      s.ref('agent/careful').ask(RUN_CREATE, { thread_id: first.thread_id, input: { messages: [{ role: 'user', content: 'x' }] } }),
    ).rejects.toMatchObject({ code: 'conflict' });
    await expect(s.ref('agent/careful').ask(RUN_CREATE, { input: { messages: [] } })).rejects.toMatchObject({ code: 'bad_request' });
  });
});

describe('agent thread memory', () => {
  it('keeps threads in storage: a new activation of the agent continues them, and history lists every step', async () => {
    const s = await mesh();
    const ref = await s.spawn('agent/keeper', agent('keeper'));
    const a = (await run(s, 'keeper', 'one')).created.thread_id;
    await s.stop(ref);
    await s.spawn('agent/keeper', agent('keeper'));
    const { result } = await run(s, 'keeper', 'two', { thread_id: a });
    expect(result.output).toContain('two');
    const store = new RunStore(s.storage);
    const thread = await store.thread('default', a);
    expect(thread.values.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['one', 'two']);
    const history = await store.history('default', a, 10);
    expect(history.map((h) => h.step)).toEqual([1, 0]);
    expect(history[0]!.parent_checkpoint_id).toBe(history[1]!.checkpoint_id);
    expect(await store.threadRuns('default', a)).toHaveLength(2);
  });
});
