/**
 * A {@link ModelProvider} decorator that makes one OpenTelemetry GenAI `chat {model}` span per model call (issue 17,
 * docs/gateway-operations.md “Traces”): the request's parameters, the reply's finish reason and token usage, the
 * error type of a failed call, and — only when content capture is opted in — the messages in and out (scrubbed and
 * redacted by the tracer). Used only while tracing is on; the agent leaves the provider unwrapped otherwise.
 */
import { startSpan, type TraceSpan } from '../../runtime/index.js';
import { baseProviderName } from './metered.js';
import type { ChatMessage, ModelEvent, ModelProvider, ModelRequest } from './types.js';

/** Where a model call's span belongs. */
export interface ChatSpanParent {
  /** The run's span (its `invoke_agent`). */
  readonly span: TraceSpan;
  readonly agent: string;
  /** The thread (`gen_ai.conversation.id`). */
  readonly conversation?: string;
}

/** GenAI finish reasons for the providers' stop reasons. */
const FINISH: Record<string, string> = { stop: 'stop', tool_calls: 'tool_call', length: 'length' };

/** Messages as the GenAI semantic conventions' `gen_ai.input.messages` / `gen_ai.output.messages` shape them. */
function genAiMessages(messages: readonly ChatMessage[]): unknown[] {
  return messages.map((m) => ({
    role: m.role,
    parts: [
      ...(m.content === ''
        ? []
        : [
            m.role === 'tool'
              ? { type: 'tool_call_response', id: m.toolCallId, response: m.content }
              : { type: 'text', content: m.content },
          ]),
      ...(m.toolCalls ?? []).map((c) => ({ type: 'tool_call', id: c.id, name: c.name, arguments: c.arguments })),
    ],
  }));
}

/** Wraps `inner` so each call is a `chat` span under `parent.span`. */
export function tracedProvider(inner: ModelProvider, parent: ChatSpanParent): ModelProvider {
  const provider = baseProviderName(inner.name);
  return {
    name: inner.name,
    async *stream(request: ModelRequest): AsyncIterable<ModelEvent> {
      const span = startSpan(`chat ${request.model}`, {
        parent: parent.span.traceparent,
        kind: 'client',
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': provider,
          'gen_ai.request.model': request.model,
          'gen_ai.request.temperature': request.temperature,
          'gen_ai.request.max_tokens': request.maxTokens,
          'gen_ai.request.top_p': request.topP,
          'gen_ai.request.frequency_penalty': request.frequencyPenalty,
          'gen_ai.request.presence_penalty': request.presencePenalty,
          'gen_ai.request.stop_sequences': request.stop,
          'gen_ai.request.seed': request.seed,
          'gen_ai.agent.name': parent.agent,
          'gen_ai.conversation.id': parent.conversation,
        },
      });
      span.capture('gen_ai.input.messages', () => genAiMessages(request.messages));
      try {
        for await (const ev of inner.stream(request)) {
          if (ev.type === 'done') {
            span.set({
              'gen_ai.response.model': ev.model ?? request.model,
              'gen_ai.response.id': ev.id,
              'gen_ai.response.finish_reasons': [FINISH[ev.stopReason] ?? ev.stopReason],
              'gen_ai.usage.input_tokens': ev.usage.promptTokens,
              'gen_ai.usage.output_tokens': ev.usage.completionTokens,
              'troupe.cache.hit': ev.cached?.kind,
            });
            span.capture('gen_ai.output.messages', () => genAiMessages([ev.message]));
          }
          yield ev;
        }
      } catch (e) {
        span.fail(e);
        throw e;
      } finally {
        span.end();
      }
    },
  };
}
