/** A scripted model that counts its calls and answers each prompt with a numbered reply (so a cached answer is recognisable). */
import type { ModelEvent, ModelProvider, ModelRequest } from '../../actors/llm/types.js';
import type { ChatMessage } from '../../protocols/index.js';

/** Answers `answer #<n>: <last user message>` in word tokens; `requests` records what it was asked. */
export class CountingProvider implements ModelProvider {
  readonly name = 'counting';
  readonly requests: ModelRequest[] = [];
  async *stream(request: ModelRequest): AsyncIterable<ModelEvent> {
    this.requests.push(request);
    const last = [...request.messages].reverse().find((m) => m.role === 'user') as ChatMessage | undefined;
    const text = `answer #${this.requests.length}: ${last?.content ?? ''}`;
    for (const t of text.match(/\s*\S+/g) ?? []) {
      await new Promise((r) => setImmediate(r));
      yield { type: 'token', text: t };
    }
    yield {
      type: 'done',
      message: { role: 'assistant', content: text },
      usage: { promptTokens: 5, completionTokens: 5 },
      stopReason: 'stop',
    };
  }
}
