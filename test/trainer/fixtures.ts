/** What the trainer tests share: scripted model providers, the two-version `greet` template, and a polling wait. */
import type { ModelProvider, ModelRequest } from '../../actors/index.js';

/** An offline-named provider that streams what `answer(request)` gives as one token, then ends. */
export function replying(answer: (request: ModelRequest) => string | Promise<string>): ModelProvider {
  return {
    name: 'offline',
    async *stream(request) {
      const text = await answer(request);
      yield { type: 'token', text };
      yield {
        type: 'done',
        message: { role: 'assistant', content: text },
        usage: { promptTokens: 1, completionTokens: 1 },
        stopReason: 'stop',
      };
    },
  };
}

/** The run's system prompt, as the model received it. */
export const systemPrompt = (request: ModelRequest): string => String(request.messages.find((m) => m.role === 'system')?.content ?? '');

/** Answers with the run's system prompt, so the reply shows which template version the run rendered. */
export const echoSystem: ModelProvider = replying(systemPrompt);

/** A template with two versions, the first labelled `production`, and an agent `helper` rendering it. */
export const GREET = {
  prompts: [{ name: 'greet', versions: [{ template: 'STYLE-ONE', labels: ['production'] }, { template: 'STYLE-TWO' }] }],
  helper: { name: 'helper', description: 'helps', instructions: 'Be brief.', prompt: 'greet@production' },
} as const;

/** Polls `check` (real time: real servers and SDKs) until it returns a value. */
export async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
