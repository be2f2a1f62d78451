/**
 * Peer baseline: LangGraph.js running the idiomatic hand-built ReAct graph on the scripted model. `StateGraph` over
 * `MessagesAnnotation`, an `agent` node calling a `BaseChatModel` that wraps the scripted provider (what `ChatOpenAI`
 * is to a real API), a prebuilt `ToolNode` with a zod-typed `tool()`, `toolsCondition` as the edge; compiled once,
 * `graph.invoke` per run. No checkpointer, no streaming, no logging or tracing.
 */
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { ChatResult } from '@langchain/core/outputs';
import { tool } from '@langchain/core/tools';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { z } from 'zod';
import type { ChatMessage, ModelProvider } from '../../actors/llm/types.js';
import { check, completeQuietly, INSTRUCTIONS, QUESTION, SPEC } from './scripted.js';

function toChat(m: BaseMessage): ChatMessage {
  const content = typeof m.content === 'string' ? m.content : JSON.stringify(m.content);
  switch (m.getType()) {
    case 'system':
      return { role: 'system', content };
    case 'ai': {
      const calls = (m as AIMessage).tool_calls ?? [];
      return calls.length === 0
        ? { role: 'assistant', content }
        : { role: 'assistant', content, toolCalls: calls.map((c) => ({ id: c.id ?? '', name: c.name, arguments: c.args })) };
    }
    case 'tool':
      return { role: 'tool', content, toolCallId: (m as unknown as { tool_call_id: string }).tool_call_id, name: m.name };
    default:
      return { role: 'user', content };
  }
}

/** The scripted provider as a LangChain chat model. */
class ScriptedChatModel extends BaseChatModel {
  constructor(private readonly provider: ModelProvider) {
    super({});
  }

  _llmType(): string {
    return 'scripted';
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const reply = await completeQuietly(this.provider, messages.map(toChat));
    const message = new AIMessage({
      content: reply.content,
      tool_calls: (reply.toolCalls ?? []).map((c) => ({ id: c.id, name: c.name, args: c.arguments, type: 'tool_call' as const })),
    });
    return { generations: [{ text: reply.content, message }] };
  }
}

/** One run of the graph per call. */
export function langGraphRunner(provider: ModelProvider): () => Promise<void> {
  const model = new ScriptedChatModel(provider);
  const addLc = tool(async ({ a, b }: { a: number; b: number }) => String(a + b), {
    name: 'add',
    description: SPEC.description,
    schema: z.object({ a: z.number(), b: z.number() }),
  });
  const graph = new StateGraph(MessagesAnnotation)
    .addNode('agent', async (state) => ({ messages: [await model.invoke([{ role: 'system', content: INSTRUCTIONS }, ...state.messages])] }))
    .addNode('tools', new ToolNode([addLc]))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', toolsCondition, ['tools', END])
    .addEdge('tools', 'agent')
    .compile();
  return async () => {
    const out = await graph.invoke({ messages: [{ role: 'user', content: QUESTION }] });
    const last = out.messages[out.messages.length - 1];
    check(typeof last?.content === 'string' ? last.content : undefined, 'langgraph');
  };
}
