/**
 * Peer baseline: the OpenAI Agents SDK for JavaScript (`@openai/agents`) on the scripted model. A custom `Model`
 * (what `OpenAIResponsesModel` is to the real API) turns the SDK's input items into the scripted provider's
 * conversation and its reply back into output items (a message, then `function_call` items); a `ModelProvider`
 * hands it to a `Runner` with tracing disabled. One `Agent` with the zod-typed `tool()` `add`; `runner.run` per run:
 * the SDK's loop calls the model, runs the tool, calls the model again. No session (nothing persisted), no
 * streaming (`getResponse`, not `getStreamedResponse`), no tracing, no logging (its debug logger is off).
 */
import { Agent, Runner, tool, Usage, type AgentInputItem, type AgentOutputItem, type Model, type ModelRequest } from '@openai/agents';
import { z } from 'zod';
import type { ChatMessage, ModelProvider } from '../../actors/llm/types.js';
import { check, completeQuietly, INSTRUCTIONS, QUESTION } from './scripted.js';

function text(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p as { text?: string }).text ?? '').join('');
  return (content as { text?: string } | undefined)?.text ?? '';
}

/** The SDK's conversation items as the scripted provider's messages. */
function toChat(request: ModelRequest): ChatMessage[] {
  const out: ChatMessage[] = [{ role: 'system', content: request.systemInstructions ?? '' }];
  const items: AgentInputItem[] = typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : request.input;
  for (const item of items) {
    if (item.type === 'function_call') {
      out.push({
        role: 'assistant',
        content: '',
        toolCalls: [{ id: item.callId, name: item.name, arguments: JSON.parse(item.arguments) }],
      });
    } else if (item.type === 'function_call_result') {
      out.push({ role: 'tool', name: item.name, toolCallId: item.callId, content: text(item.output) });
    } else if ('role' in item && (item.role === 'user' || item.role === 'assistant')) {
      out.push({ role: item.role, content: text(item.content) });
    }
  }
  return out;
}

/** The scripted provider as an Agents SDK model. */
class ScriptedModel implements Model {
  constructor(private readonly provider: ModelProvider) {}

  async getResponse(request: ModelRequest): Promise<{ usage: Usage; output: AgentOutputItem[] }> {
    const reply = await completeQuietly(this.provider, toChat(request));
    const output: AgentOutputItem[] = [
      { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: reply.content }] },
    ];
    for (const c of reply.toolCalls ?? []) {
      output.push({ type: 'function_call', callId: c.id, name: c.name, arguments: JSON.stringify(c.arguments), status: 'completed' });
    }
    return { usage: new Usage(), output };
  }

  getStreamedResponse(): never {
    throw new Error('the bench runs the Agents SDK without streaming');
  }
}

/** One `runner.run` per call. */
export function openAiAgentsRunner(provider: ModelProvider): () => Promise<void> {
  const model = new ScriptedModel(provider);
  const runner = new Runner({ modelProvider: { getModel: () => model }, tracingDisabled: true });
  const addTool = tool({
    name: 'add',
    description: 'Adds two numbers.',
    parameters: z.object({ a: z.number(), b: z.number() }),
    execute: ({ a, b }) => String(a + b),
  });
  const agent = new Agent({ name: 'adder', instructions: INSTRUCTIONS, tools: [addTool], model: 'scripted' });
  return async () => {
    const result = await runner.run(agent, QUESTION);
    check(typeof result.finalOutput === 'string' ? result.finalOutput : undefined, 'openai-agents');
  };
}
