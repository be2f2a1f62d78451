/**
 * A resumed run's pending tool calls, brought in line with its log. A host can stop (a crash, a pause ended by a
 * takeover) after a call's `tool_call` or `tool_result` event was logged and before the checkpoint holding its
 * result was written. The log is what clients saw, so it wins: a logged result is taken as the call's answer (the
 * call is not made again, and no second `tool_result` goes out), and a logged `tool_call` is not announced again.
 */
import type { PendingCalls, RunEvent } from '../../protocols/index.js';

interface CallEventData {
  readonly id?: unknown;
  readonly content?: unknown;
  readonly is_error?: unknown;
}

/** `pending` with what `events` (the run's whole log) show of its calls since the model reply that made them. */
export function reconcilePending(pending: PendingCalls, events: readonly RunEvent[]): PendingCalls {
  const ids = new Set(pending.calls.map((c) => c.id));
  // The step's events follow the last model reply that made these calls (call ids may repeat across steps).
  let from = -1;
  for (let i = events.length - 1; i >= 0 && from < 0; i--) {
    const e = events[i] as RunEvent;
    if (e.event !== 'message') continue;
    const calls = (e.data as { tool_calls?: readonly CallEventData[] } | undefined)?.tool_calls ?? [];
    if (calls.some((c) => typeof c.id === 'string' && ids.has(c.id))) from = i;
  }
  if (from < 0) return pending;
  const results = { ...pending.results };
  const announced = new Set(pending.announced ?? []);
  for (const e of events.slice(from + 1)) {
    const d = e.data as CallEventData | undefined;
    const id = typeof d?.id === 'string' && ids.has(d.id) ? d.id : undefined;
    if (id === undefined) continue;
    if (e.event === 'tool_call') announced.add(id);
    else if (e.event === 'tool_result' && results[id] === undefined && typeof d?.content === 'string')
      results[id] = { content: d.content, isError: d.is_error === true };
  }
  const awaiting = pending.awaiting !== undefined && results[pending.awaiting] !== undefined ? undefined : pending.awaiting;
  return {
    calls: pending.calls,
    results,
    ...(awaiting === undefined ? {} : { awaiting }),
    ...(announced.size === 0 ? {} : { announced: [...announced] }),
  };
}
