/** A run event for tests that fold or translate run logs: ids default to run `r`, thread `t`, agent `a`. */
import type { RunEvent } from '../../protocols/index.js';

export function runEvent(
  seq: number,
  event: RunEvent['event'],
  data: unknown,
  ids: Partial<Pick<RunEvent, 'run_id' | 'thread_id' | 'agent'>> = {},
): RunEvent {
  return { run_id: ids.run_id ?? 'r', thread_id: ids.thread_id ?? 't', seq, event, agent: ids.agent ?? 'a', data };
}
