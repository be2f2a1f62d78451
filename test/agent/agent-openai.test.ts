/** An agent on the real `openai` SDK against a local server speaking the OpenAI wire format. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RUN_CREATE } from '../../protocols/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { agentBehavior, waitForRun } from '../../actors/agent/index.js';
import { OpenAIProvider, withRetry } from '../../actors/llm/index.js';
import { builtinTools, spawnTool } from '../../actors/tool/index.js';
import { OAI_DONE, jsonError, oaiChunk, oaiText, oaiUsage, sse, startServer, type FakeServer } from '../llm/fake-servers.js';

let server: FakeServer;
let system: ActorSystem | undefined;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  server.reset();
  await system?.shutdown();
  system = undefined;
});

async function mesh(): Promise<ActorSystem> {
  system = await createSystem();
  for (const t of builtinTools) await spawnTool(system, t);
  const provider = withRetry(new OpenAIProvider({ baseURL: `${server.url}/v1`, apiKey: 'test-key' }), {
    retries: 2,
    baseDelayMs: 1,
    maxDelayMs: 5,
  });
  await system.spawn(
    'agent/math',
    agentBehavior({ name: 'math', instructions: 'Use the calculator.', provider, model: 'gpt-test', tools: ['calculator'] }),
  );
  return system;
}

async function ask(s: ActorSystem, content: string) {
  const runId = `r${Math.random().toString(16).slice(2)}`;
  const done = waitForRun(s, runId, 'default', 15_000);
  await s.ref('agent/math').ask(RUN_CREATE, { run_id: runId, input: { messages: [{ role: 'user', content }] } });
  return done;
}

describe('agent on the OpenAI wire format', () => {
  it('survives a 429, calls the calculator through a streamed tool call, and answers', async () => {
    const s = await mesh();
    const toolCall = [
      oaiChunk({
        role: 'assistant',
        content: null,
        tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'calculator', arguments: '' } }],
      }),
      oaiChunk({ tool_calls: [{ index: 0, function: { arguments: '{"expression":' } }] }),
      oaiChunk({ tool_calls: [{ index: 0, function: { arguments: '"6*7"}' } }] }),
      oaiChunk({}, 'tool_calls'),
      oaiUsage(40, 12),
      OAI_DONE,
    ];
    server.script(
      jsonError(429, { error: { message: 'slow down', type: 'rate_limit' } }, { 'retry-after': '0' }),
      sse(toolCall),
      sse(oaiText(['The answer ', 'is 42.'])),
    );
    const result = await ask(s, 'what is six times seven?');
    expect(result.status).toBe('success');
    expect(result.output).toBe('The answer is 42.');
    const toolResult = result.events.find((e) => e.event === 'tool_result')?.data as { content: string; is_error: boolean };
    expect(toolResult.is_error).toBe(false);
    expect(JSON.parse(toolResult.content)).toMatchObject({ value: 42 });
    expect(server.requests).toHaveLength(3);
    const followUp = server.requests[2]!.body as {
      messages: { role: string; tool_call_id?: string }[];
      tools: { function: { name: string } }[];
    };
    expect(followUp.messages.find((m) => m.role === 'tool')?.tool_call_id).toBe('call_abc');
    expect(followUp.tools.map((t) => t.function.name)).toEqual(['calculator']);
    const end = result.events.at(-1)!.data as { usage: { prompt_tokens: number } };
    expect(end.usage.prompt_tokens).toBeGreaterThanOrEqual(40);
  });

  it('ends with a clear failure when the stream breaks after output (no replayed tokens, no hang)', async () => {
    const s = await mesh();
    server.script(sse(oaiText(['Half ', 'an ', 'answer']), { cutAfter: 2 }));
    const result = await ask(s, 'tell me something');
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/openai/i);
    const streamed = result.events
      .filter((e) => e.event === 'token')
      .map((e) => (e.data as { text: string }).text)
      .join('');
    expect(streamed.length).toBeGreaterThan(0);
    expect('Half an answer'.startsWith(streamed)).toBe(true); // what came before the cut, once
    expect(server.requests).toHaveLength(1);
  });
});
