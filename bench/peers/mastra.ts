/**
 * Peer baseline: Mastra's `Agent` (`@mastra/core`) on the scripted model. The model is a minimal object implementing
 * the AI SDK's `LanguageModelV2` spec (`ai/test`'s `MockLanguageModelV2` is not installed): `doGenerate` turns the
 * prompt into the scripted provider's conversation and its reply into text and `tool-call` content. One agent with
 * the zod-typed `createTool` `add`; `agent.generate` per run, so Mastra's loop calls the model, runs the tool and calls
 * the model again. No Mastra instance, no memory or storage (nothing persisted), nothing streamed to the caller,
 * observability not configured, and its default console logger writes only errors (nothing on these runs).
 */
import { Agent } from '@mastra/core/agent';
import type { MastraModelConfig } from '@mastra/core/llm';
import { createTool } from '@mastra/core/tools';
import { z } from 'zod';
import type { ChatMessage, ModelProvider } from '../../actors/llm/types.js';
import { check, completeQuietly, INSTRUCTIONS, QUESTION } from './scripted.js';

type LanguageModelV2 = Extract<MastraModelConfig, { specificationVersion: 'v2'; doGenerate: unknown }>;
type CallOptions = Parameters<LanguageModelV2['doGenerate']>[0];
type GenerateResult = Exclude<Awaited<ReturnType<LanguageModelV2['doGenerate']>>, { stream: unknown }>;

interface Part {
  type: string;
  text?: string;
  toolCallId?: string;
  toolName?: string;
  input?: unknown;
  output?: { type: string; value: unknown };
}

/** The AI SDK prompt as the scripted provider's messages. */
function toChat(prompt: CallOptions['prompt']): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const m of prompt) {
    if (m.role === 'system') {
      out.push({ role: 'system', content: m.content });
      continue;
    }
    const parts = m.content as Part[];
    const content = parts.map((p) => p.text ?? '').join('');
    if (m.role === 'tool') {
      for (const p of parts) {
        out.push({ role: 'tool', name: p.toolName, toolCallId: p.toolCallId ?? '', content: String(p.output?.value ?? '') });
      }
    } else if (m.role === 'assistant') {
      const calls = parts.filter((p) => p.type === 'tool-call');
      out.push(
        calls.length === 0
          ? { role: 'assistant', content }
          : {
              role: 'assistant',
              content,
              toolCalls: calls.map((p) => ({
                id: p.toolCallId ?? '',
                name: p.toolName ?? '',
                arguments: p.input as Record<string, unknown>,
              })),
            },
      );
    } else {
      out.push({ role: 'user', content });
    }
  }
  return out;
}

/** The scripted provider as an AI SDK v2 language model. */
function scriptedModel(provider: ModelProvider): LanguageModelV2 {
  const usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  return {
    specificationVersion: 'v2',
    provider: 'scripted',
    modelId: 'scripted',
    supportedUrls: {},
    async doGenerate(options: CallOptions): Promise<GenerateResult> {
      const reply = await completeQuietly(provider, toChat(options.prompt));
      const calls = reply.toolCalls ?? [];
      return {
        content: [
          { type: 'text', text: reply.content },
          ...calls.map((c) => ({ type: 'tool-call' as const, toolCallId: c.id, toolName: c.name, input: JSON.stringify(c.arguments) })),
        ],
        finishReason: calls.length === 0 ? 'stop' : 'tool-calls',
        usage,
        warnings: [],
      };
    },
    doStream(): never {
      throw new Error('the bench runs Mastra with agent.generate, which calls doGenerate');
    },
  };
}

/** One `agent.generate` per call. */
export function mastraRunner(provider: ModelProvider): () => Promise<void> {
  const add = createTool({
    id: 'add',
    description: 'Adds two numbers.',
    inputSchema: z.object({ a: z.number(), b: z.number() }),
    execute: async ({ a, b }) => String(a + b),
  });
  const agent = new Agent({ id: 'adder', name: 'adder', instructions: INSTRUCTIONS, model: scriptedModel(provider), tools: { add } });
  return async () => {
    const result = await agent.generate(QUESTION);
    check(result.steps[result.steps.length - 1]?.text, 'mastra');
  };
}
