/** The ACP translator and a `rewind`: the partial reply starts again, `values` hold the final text once. */
import { describe, expect, it } from 'vitest';
import { RunTranslator } from '../../gateway/acp/translate.js';
import { runEvent } from '../agent/run-event.js';

describe('RunTranslator and rewind', () => {
  it('drops the partial text at a rewind: messages/partial and values show the new reply only', () => {
    const t = new RunTranslator({ runId: 'r', threadId: 't', assistantId: 'a' }, [], new Set(['values', 'messages'] as const));
    const partials: string[] = [];
    const events = [
      runEvent(1, 'token', { text: 'Hel' }),
      runEvent(2, 'token', { text: 'lo ' }),
      runEvent(3, 'status', { status: 'running', resumed: 1 }),
      runEvent(4, 'rewind', { from_seq: 1 }),
      runEvent(5, 'token', { text: 'Help' }),
      runEvent(6, 'token', { text: ' is here' }),
      runEvent(7, 'message', { role: 'assistant', content: 'Help is here', tool_calls: [] }),
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
