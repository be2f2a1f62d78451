/**
 * The A2A side of a remote agent: one `@a2a-js/sdk` client per remote agent, made from its agent
 * card (fetched once and cached; fetched again after a failure), with the optional auth header
 * on every request, and the conversions between our chat messages and A2A messages and parts.
 */
import { randomUUID } from 'node:crypto';
import { Message, Role } from '@a2a-js/sdk';
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory, type Client } from '@a2a-js/sdk/client';
import { registerSecret } from '../../protocols/index.js';
import type { ChatMessage } from '../llm/index.js';

/** Where a remote agent lives and how to reach it. */
export interface RemoteTarget {
  /** URL of the remote server's agent card. */
  readonly card: string;
  /** Environment variable holding the credential sent as `authorization` (a bare token gets `Bearer `). */
  readonly authEnv?: string;
  /** Skill (agent) of the remote server to run, sent as message metadata `skill` (a Troupe mesh lists one per agent). */
  readonly skill?: string;
  /** Longest the card fetch may take (default 10 s). */
  readonly cardTimeoutMs?: number;
}

/** The client of one remote agent, and whether its card says it streams. */
export interface RemoteClient {
  readonly client: Client;
  readonly streaming: boolean;
}

/** Makes (once, again after a failure) the A2A client of a remote agent. */
export function remoteClientCache(target: RemoteTarget, env: NodeJS.ProcessEnv = process.env): () => Promise<RemoteClient> {
  const credential = target.authEnv === undefined ? undefined : env[target.authEnv];
  registerSecret(credential);
  const token = credential?.trim() ?? '';
  const auth = token === '' ? undefined : /\s/.test(token) ? token : `Bearer ${token}`;
  const fetchImpl: typeof fetch = (url, init) => {
    if (auth === undefined) return fetch(url, init);
    const headers = new Headers(init?.headers);
    headers.set('authorization', auth);
    return fetch(url, { ...init, headers });
  };
  let cached: Promise<RemoteClient> | undefined;
  return () => {
    cached ??= (async () => {
      const cardTimeout = target.cardTimeoutMs ?? 10_000;
      const timed: typeof fetch = (url, init) => fetchImpl(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(cardTimeout) });
      const factory = new ClientFactory({
        transports: [new JsonRpcTransportFactory({ fetchImpl })],
        cardResolver: new DefaultAgentCardResolver({ fetchImpl: timed }),
      });
      const client = await factory.createFromUrl(target.card, '');
      const card = await client.getAgentCard();
      return { client, streaming: card.capabilities?.streaming === true };
    })();
    cached.catch(() => (cached = undefined));
    return cached;
  };
}

/** Text of A2A parts (text parts only, joined). */
export function partsText(parts: readonly { content?: { $case: string; value?: unknown } }[] | undefined): string {
  return (parts ?? []).map((p) => (p.content?.$case === 'text' && typeof p.content.value === 'string' ? p.content.value : '')).join('');
}

/** The first `data` part's value (a Troupe interrupt travels as `{interrupt}` there). */
export function partsData(parts: readonly { content?: { $case: string; value?: unknown } }[] | undefined): unknown {
  return (parts ?? []).find((p) => p.content?.$case === 'data')?.content?.value;
}

/** The messages a remote agent is told of: those with text, system messages left out. */
const spoken = (messages: readonly ChatMessage[]): ChatMessage[] => messages.filter((m) => m.content.trim() !== '' && m.role !== 'system');

/** The messages that have text, each line prefixed with its speaker (no line of a message reads as a command or another speaker). */
export function transcript(messages: readonly ChatMessage[]): string {
  return spoken(messages)
    .flatMap((m) => {
      const who = m.role === 'tool' ? `tool ${m.name ?? ''}`.trim() : m.role;
      return m.content.split(/\r?\n|\r/).map((line) => `${who}: ${line}`);
    })
    .join('\n');
}

/** The messages that have text, as a JSON array of `{role, content}` (tool results with their tool's `name`); system messages left out. */
export function handedOver(messages: readonly ChatMessage[]): string {
  return JSON.stringify(
    spoken(messages).map((m) =>
      m.role === 'tool' && m.name !== undefined ? { role: m.role, name: m.name, content: m.content } : { role: m.role, content: m.content },
    ),
  );
}

/** Builds an A2A user message (new task unless `taskId`). */
export function userMessage(text: string, extra: { taskId?: string; contextId?: string; skill?: string; data?: unknown } = {}): Message {
  return Message.fromJSON({
    messageId: randomUUID(),
    role: 'ROLE_USER',
    parts: [{ text }, ...(extra.data === undefined ? [] : [{ data: extra.data }])],
    ...(extra.taskId === undefined ? {} : { taskId: extra.taskId }),
    ...(extra.contextId === undefined ? {} : { contextId: extra.contextId }),
    ...(extra.skill === undefined ? {} : { metadata: { skill: extra.skill } }),
  });
}

/** The text a remote agent is sent for a new run: the earlier conversation as a transcript, then the input as is. */
export function firstText(history: readonly ChatMessage[], input: readonly ChatMessage[]): string {
  const last = input.at(-1)?.content ?? '';
  const before = transcript([...history, ...input.slice(0, -1)]);
  return before === '' ? last : `Conversation so far:\n${before}\n\n${last}`;
}

/** The answer to an input-required task: text a person would write, and the structured answer as data. */
export function answerMessage(resume: unknown, task: { taskId: string; contextId: string } | undefined, skill?: string): Message {
  const r = resume as { approve?: boolean; reason?: string };
  const text = r.approve === true ? 'yes' : `no${r.reason === undefined ? '' : `: ${r.reason}`}`;
  return userMessage(text, { taskId: task?.taskId, contextId: task?.contextId, skill, data: resume });
}

/** True for a message the remote agent sent (a direct answer, not a task). */
export function isAgentMessage(m: Message): boolean {
  return m.role === Role.ROLE_AGENT || m.role === Role.ROLE_UNSPECIFIED;
}
