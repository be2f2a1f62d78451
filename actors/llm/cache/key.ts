/**
 * Cache keys. The exact key hashes everything a model call is made of but its signal and scope (model, every
 * parameter, messages, tools), so any parameter a provider gains later is part of the key without a change here.
 * The semantic partition hashes the same minus the newest user message and the context injected right before it
 * (recall, relevance-filtered context): prompts in one partition differ only in what the user asked now.
 */
import { createHash } from 'node:crypto';
import type { ChatMessage, ModelRequest } from '../types.js';

/** JSON with object keys sorted, so equal requests hash equal whatever order their fields were set in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function hash(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('base64url');
}

/** The request without what does not change the answer (abort signal, scope, blob reader: a blob is named by its sha256). */
function content(request: ModelRequest): Record<string, unknown> {
  const { signal: _signal, scope: _scope, blobs: _blobs, ...rest } = request;
  return rest;
}

/** The exact-match key of a call. */
export function exactKey(request: ModelRequest): string {
  return hash(content(request));
}

/** Where the newest user message is, and where the context injected right before it starts. */
function lastTurn(messages: readonly ChatMessage[]): { at: number; from: number } | undefined {
  const at = messages.length - 1;
  if (messages[at]?.role !== 'user') return undefined;
  let from = at;
  while (from > 0 && messages[from - 1]?.role === 'system' && from - 1 > 0) from--;
  return { at, from };
}

/** The semantic partition and query of a call whose last message is the user's, or undefined (no semantic lookup). */
export function semanticKey(request: ModelRequest): { partition: string; query: string } | undefined {
  const turn = lastTurn(request.messages);
  if (turn === undefined) return undefined;
  const asked = request.messages[turn.at] as ChatMessage;
  // A question about an image (or audio, a file) is not the same question as its text alone: exact matches only.
  if (asked.parts?.some((p) => p.type !== 'text') === true) return undefined;
  const query = asked.content.trim();
  if (query === '') return undefined;
  const before = request.messages.slice(0, turn.from);
  return { partition: hash({ ...content(request), messages: before }), query };
}

/** The partition of an embedder's entries: vectors of different models (or sizes) are never compared. */
export function embedderPartition(partition: string, embedder: string): string {
  return hash({ partition, embedder });
}
