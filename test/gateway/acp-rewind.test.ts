/** The ACP translator and a `rewind`: the partial reply starts again, `values` hold the final text once. */
import { describe, expect, it } from 'vitest';
import { RunTranslator } from '../../gateway/acp/translate.js';
import type { RunEvent } from '../../protocols/index.js';

const ev = (seq: number, event: RunEvent['event'], data: unknown): RunEvent => ({
  run_id: 'r',
  thread_id: 't',
  seq,
  event,
  agent: 'a',
  data,
});

describe('RunTranslator and rewind', () => {
  it('drops the partial text at a rewind: messages/partial and values show the new reply only', () => {
    const t = new RunTranslator({ runId: 'r', threadId: 't', assistantId: 'a' }, [], new Set(['values', 'messages'] as const));
    const partials: string[] = [];
    const events = [
      ev(1, 'token', { text: 'Hel' }),
      ev(2, 'token', { text: 'lo ' }),
      ev(3, 'status', { status: 'running', resumed: 1 }),
      ev(4, 'rewind', { from_seq: 1 }),
      ev(5, 'token', { text: 'Help' }),
      ev(6, 'token', { text: ' is here' }),
      ev(7, 'message', { role: 'assistant', content: 'Help is here', tool_calls: [] }),
    ];
    let values: unknown;
    for (const e of events)
      for (const f of t.apply(e)) {
        if (f.event === 'messages/partial') partials.push((f.data as { content: string }[])[0]?.content ?? '');
        if (f.event === 'values') values = f.data;
      }
    expect(partials).toEqual(['Hel', 'Hello ', 'Help', 'Help is here']);
    expect(values).toMatchObject({ messages: [{ type: 'ai', content: 'Help is here' }] });
    expect(t.messages).toHaveLength(1);
  });
});
