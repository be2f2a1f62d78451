/**
 * The memory hook of agents with `recall`: the newest user message is the query; the best `k`
 * passages of the agent's collections go in one system message right before it (what the model
 * sees, not the thread). A collection that cannot answer is skipped: recall helps a run, it never fails one.
 */
import type { ActorRef, ActorSystem } from '../../../runtime/index.js';
import type { AgentHooks } from '../../agent/definition.js';
import { RECALLED_CONTEXT_HEADING } from '../../llm/offline.js';
import type { ChatMessage } from '../../llm/types.js';
import { collectionAddress } from './actor.js';
import { RAG_SEARCH, type SearchReply } from './messages.js';

/** Heading of the recalled-passages message the model sees. */
export const RECALL_HEADING = RECALLED_CONTEXT_HEADING;

/** What an agent recalls from: its collections and how many passages. */
export interface RecallSpec {
  readonly collections: readonly string[];
  readonly k: number;
}

/** The hook: recalls for the agents `recallOf` names, leaves the others' messages as they are. */
export function recallHook(
  system: ActorSystem,
  resolve: (address: string, tenant: string) => Promise<ActorRef>,
  recallOf: ReadonlyMap<string, RecallSpec>,
): AgentHooks {
  return {
    async beforeModel(messages, info) {
      const recall = recallOf.get(info.agent);
      return recall === undefined ? messages : withRecall(system, resolve, messages, info, recall);
    },
  };
}

async function withRecall(
  system: ActorSystem,
  resolve: (address: string, tenant: string) => Promise<ActorRef>,
  messages: readonly ChatMessage[],
  info: { tenant: string; agent: string },
  recall: RecallSpec,
): Promise<readonly ChatMessage[]> {
  const at = messages.findLastIndex((m) => m.role === 'user');
  const query = messages[at]?.content.trim();
  if (at < 0 || query === undefined || query === '') return messages;
  const replies = await Promise.all(
    recall.collections.map(async (c) => {
      try {
        const ref = await resolve(collectionAddress(c), info.tenant);
        return (await ref.ask<SearchReply>(RAG_SEARCH, { query: query.slice(0, 2000), k: recall.k }, { timeoutMs: 10_000 })).hits;
      } catch (e) {
        system.warn(`recall from ${c} for ${info.agent} failed: ${(e as Error).message}`);
        return [];
      }
    }),
  );
  const hits = replies
    .flat()
    .sort((a, b) => b.score - a.score)
    .slice(0, recall.k);
  if (hits.length === 0) return messages;
  const text = [RECALL_HEADING, ...hits.map((h, i) => `[${i + 1}] (${h.citation.documentId}#${h.citation.chunk}) ${h.text}`)].join('\n');
  return [...messages.slice(0, at), { role: 'system', content: text }, ...messages.slice(at)];
}
