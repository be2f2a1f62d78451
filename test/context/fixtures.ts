/** A scripted model for context tests: records what it is shown; "remember: <fact>" makes it call `profile.update`. */
import type { ModelEvent, ModelProvider, ModelRequest } from '../../actors/llm/types.js';
import type { ChatMessage } from '../../protocols/index.js';

const usage = { promptTokens: 1, completionTokens: 1 };

/** Records every request; answers `ok: <last user message>`, or calls profile.update for "remember: …". */
export class RecordingProvider implements ModelProvider {
  readonly name = 'recording';
  readonly requests: ModelRequest[] = [];
  async *stream(request: ModelRequest): AsyncIterable<ModelEvent> {
    this.requests.push(request);
    const last = request.messages[request.messages.length - 1] as ChatMessage;
    const fact = last.role === 'user' ? /^remember: (.+)$/.exec(last.content)?.[1] : undefined;
    if (fact !== undefined) {
      const call = { id: 'p1', name: 'profile.update', arguments: { addFacts: [fact], preferences: { units: 'metric' } } };
      yield { type: 'tool_call', call };
      yield { type: 'done', message: { role: 'assistant', content: '', toolCalls: [call] }, usage, stopReason: 'tool_calls' };
      return;
    }
    const text = last.role === 'tool' ? `noted: ${last.content}` : `ok: ${last.content}`;
    await new Promise((r) => setImmediate(r));
    yield { type: 'token', text };
    yield { type: 'done', message: { role: 'assistant', content: text }, usage, stopReason: 'stop' };
  }

  /** Everything the model was shown on its last call, as one text. */
  lastShown(): string {
    return (this.requests[this.requests.length - 1]?.messages ?? []).map((m) => `${m.role}: ${m.content}`).join('\n');
  }
}
