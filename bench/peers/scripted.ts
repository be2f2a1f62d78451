/**
 * The scripted tool-calling model every case of the agents bench drives, and the question, tool and check they share.
 * It has no delays, so a case's time per turn is its runtime's, not the model's. Each framework gets it through the
 * adapter its users would write for a real API (a LangChain chat model, an Agents SDK `Model`, an AI SDK model).
 */
import type { ChatMessage, ModelEvent, ModelProvider, ModelRequest, ToolCall } from '../../actors/llm/types.js';

const ANSWER_TOKENS = ['The', ' sum', ' is', ' '];
const CALL_TOKENS = ['Let', ' me', ' add.'];

/** Model calls per run: tool call, then final answer. */
export const TURNS_PER_RUN = 2;

/** The system prompt of every case. */
export const INSTRUCTIONS = 'You add numbers with the add tool.';

/** The user message of every run. */
export const QUESTION = 'What is 2 + 3?';

/** The one tool, as a JSON-schema spec (what the model is told). */
export const SPEC = {
  name: 'add',
  description: 'Adds two numbers.',
  parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
};

/**
 * Deterministic and delay-free: when the conversation ends with a tool result it streams a
 * final answer quoting it; otherwise it streams a few tokens and calls `add` with {a, b}.
 */
export class ScriptedProvider implements ModelProvider {
  readonly name = 'scripted';
  private seq = 0;

  async *stream(request: ModelRequest): AsyncIterable<ModelEvent> {
    const last = request.messages[request.messages.length - 1];
    if (last?.role === 'tool') {
      for (const text of ANSWER_TOKENS) yield { type: 'token', text };
      yield { type: 'token', text: last.content };
      const content = `${ANSWER_TOKENS.join('')}${last.content}`;
      yield {
        type: 'done',
        message: { role: 'assistant', content },
        usage: { promptTokens: request.messages.length, completionTokens: 5 },
        stopReason: 'stop',
      };
      return;
    }
    for (const text of CALL_TOKENS) yield { type: 'token', text };
    const call: ToolCall = { id: `call_${++this.seq}`, name: 'add', arguments: { a: 2, b: 3 } };
    yield { type: 'tool_call', call };
    yield {
      type: 'done',
      message: { role: 'assistant', content: CALL_TOKENS.join(''), toolCalls: [call] },
      usage: { promptTokens: request.messages.length, completionTokens: 3 },
      stopReason: 'tool_calls',
    };
  }
}

/** The tool's work. */
export function add(args: Record<string, unknown>): number {
  return Number(args['a']) + Number(args['b']);
}

/** Consumes one streamed call the way a host does (tokens counted, the `done` message kept). */
export async function complete(provider: ModelProvider, request: ModelRequest, onToken: (t: string) => void): Promise<ChatMessage> {
  let reply: ChatMessage | undefined;
  for await (const ev of provider.stream(request)) {
    if (ev.type === 'token') onToken(ev.text);
    else if (ev.type === 'done') reply = ev.message;
  }
  if (reply === undefined) throw new Error('scripted model ended without a reply');
  return reply;
}

/** One call of the scripted model on a whole conversation, its tokens counted and dropped (a non-streaming call). */
export function completeQuietly(provider: ModelProvider, messages: ChatMessage[]): Promise<ChatMessage> {
  let tokens = 0;
  return complete(provider, { model: 'scripted', messages, tools: [SPEC] }, () => void tokens++);
}

/** Every case must end with this answer, or the bench measured something else. */
export function check(output: string | undefined, who: string): void {
  if (output !== 'The sum is 5') throw new Error(`${who}: unexpected answer ${JSON.stringify(output)}`);
}
