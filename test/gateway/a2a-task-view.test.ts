/** The run → task fold, the answer mapping and the JSON-RPC envelope check, including properties. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { RunEvent } from '../../protocols/index.js';
import { runEvent } from '../agent/run-event.js';
import { RpcError, TaskView, parseRequest, resumeOf, textOf, type Message } from '../../gateway/a2a/index.js';

const ev = (seq: number, event: RunEvent['event'], data: unknown, agent = 'assistant'): RunEvent =>
  runEvent(seq, event, data, { run_id: 'r1', thread_id: 't1', agent });

/** A run's events: running, some tokens, maybe a tool call/result, then an end. */
const runEvents = fc
  .record({
    tokens: fc.array(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 12 }),
    tool: fc.boolean(),
    end: fc.constantFrom('success', 'error', 'cancelled', 'timeout', 'interrupted'),
  })
  .map(({ tokens, tool, end }) => {
    const out: RunEvent[] = [ev(1, 'status', { status: 'running' })];
    if (tool)
      out.push(
        ev(out.length + 1, 'tool_call', { id: 'c1', name: 'calculator', arguments: {} }),
        ev(out.length + 2, 'tool_result', { id: 'c1', name: 'calculator', is_error: false, content: '2' }),
      );
    for (const t of tokens) out.push(ev(out.length + 1, 'token', { text: t }));
    const output = tokens.join('');
    out.push(
      ev(
        out.length + 1,
        'status',
        end === 'success'
          ? { status: end, output }
          : end === 'interrupted'
            ? { status: end, interrupt: { kind: 'approval', tool_call: { id: 'c2', name: 'calculator', arguments: { expression: '1' } } } }
            : { status: end, error: 'it broke' },
      ),
    );
    return { events: out, output, end };
  });

const fold = (events: RunEvent[]): TaskView => {
  const v = new TaskView('r1', 't1', { messageId: 'm1', role: 'ROLE_USER', parts: [{ text: 'hi' }] }, 'assistant');
  for (const e of events) v.apply(e);
  return v;
};
/** Without timestamps, which differ between folds. */
const stable = (v: TaskView): unknown => JSON.parse(JSON.stringify(v.task(), (k, x: unknown) => (k === 'timestamp' ? undefined : x)));

describe('TaskView', () => {
  it('maps run statuses to task states and the answer to the output artifact', () => {
    fc.assert(
      fc.property(runEvents, ({ events, output, end }) => {
        const v = fold(events);
        const expected = {
          success: 'TASK_STATE_COMPLETED',
          error: 'TASK_STATE_FAILED',
          timeout: 'TASK_STATE_FAILED',
          cancelled: 'TASK_STATE_CANCELED',
          interrupted: 'TASK_STATE_INPUT_REQUIRED',
        }[end];
        expect(v.state).toBe(expected);
        const t = v.task();
        if (end === 'success' && output !== '')
          expect(t.artifacts).toEqual([{ artifactId: 'output', name: 'output', parts: [{ text: output }] }]);
        if (end === 'success') expect(t.history?.at(-1)).toMatchObject({ role: 'ROLE_AGENT', parts: [{ text: output }] });
        if (end === 'interrupted')
          expect(t.status.message?.parts[0]?.text).toMatch(/^Approve the call of calculator with \{"expression":"1"\}/);
      }),
    );
  });

  it('ignores repeated and out-of-date events: replaying a log any number of times gives the same task', () => {
    fc.assert(
      fc.property(runEvents, fc.array(fc.nat(), { maxLength: 20 }), ({ events }, picks) => {
        const once = fold(events);
        // Each event delivered again after itself, plus old events thrown in anywhere after.
        const noisy: RunEvent[] = [];
        events.forEach((e, i) => {
          noisy.push(e, e);
          for (const p of picks.filter((_, j) => j % events.length === i)) noisy.push(events[p % (i + 1)] as RunEvent);
        });
        expect(stable(fold(noisy))).toEqual(stable(once));
      }),
    );
  });

  it('streams token chunks (append after the first), tool steps as working updates, then the full output and the end', () => {
    const v = new TaskView('r1', 't1', undefined, 'assistant');
    const out = [
      ev(1, 'status', { status: 'running' }),
      ev(2, 'tool_call', { id: 'c', name: 'clock', arguments: {} }),
      ev(3, 'token', { text: 'a' }),
      ev(4, 'token', { text: 'b' }),
      ev(5, 'handoff', { from: 'assistant', to: 'billing' }, 'assistant'),
      ev(6, 'status', { status: 'success', output: 'ab' }, 'billing'),
    ].flatMap((e) => v.apply(e));
    expect(out.map((u) => Object.keys(u)[0])).toEqual([
      'statusUpdate',
      'statusUpdate',
      'artifactUpdate',
      'artifactUpdate',
      'statusUpdate',
      'artifactUpdate',
      'statusUpdate',
    ]);
    expect(out.flatMap((u) => ('artifactUpdate' in u ? [[u.artifactUpdate.append, u.artifactUpdate.lastChunk]] : []))).toEqual([
      [false, false],
      [true, false],
      [false, true],
    ]);
    expect(v.agent).toBe('billing');
  });
});

const msg = (parts: Message['parts'], metadata?: Record<string, unknown>): Message => ({
  messageId: 'm',
  parts,
  ...(metadata === undefined ? {} : { metadata }),
});

describe('answers and message text', () => {
  it('approves only on a clear yes; a data part or metadata is taken as is', () => {
    for (const yes of ['yes', 'Yes please', 'ok', 'OK then', 'approve', 'sure', 'go ahead', 'proceed'])
      expect(resumeOf(msg([{ text: yes }]), yes)).toEqual({ approve: true });
    for (const no of ['no', 'nope', 'maybe', 'yesterday I said no', 'not ok'])
      expect(resumeOf(msg([{ text: no }]), no)).toEqual({ approve: false, reason: no });
    expect(resumeOf(msg([{ data: { approve: true, arguments: { expression: '2' } } }]), '{}')).toEqual({
      approve: true,
      arguments: { expression: '2' },
    });
    expect(resumeOf(msg([{ data: { approve: false, reason: 'no way' } }]), '{}')).toEqual({ approve: false, reason: 'no way' });
    expect(resumeOf(msg([{ text: 'whatever' }], { approve: true }), 'whatever')).toEqual({ approve: true });
  });

  it('joins text and data parts; refuses raw bytes and empty text', () => {
    expect(textOf(msg([{ text: 'a' }, { data: { b: 1 } }, { url: 'https://x/y.pdf' }]))).toBe('a\n{"b":1}\n[file: https://x/y.pdf]');
    expect(() => textOf(msg([{ raw: 'AAAA', mediaType: 'image/png' }]))).toThrow(expect.objectContaining({ code: -32005 }));
    expect(() => textOf(msg([{ text: '  ' }]))).toThrow(expect.objectContaining({ code: -32602 }));
  });
});

describe('parseRequest', () => {
  it('accepts exactly the JSON-RPC 2.0 request objects and refuses everything else with -32600', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const ok =
          typeof v === 'object' &&
          v !== null &&
          !Array.isArray(v) &&
          v['jsonrpc'] === '2.0' &&
          typeof v['method'] === 'string' &&
          v['method'] !== '' &&
          (v['id'] === undefined || v['id'] === null || typeof v['id'] === 'string' || Number.isInteger(v['id']));
        try {
          const r = parseRequest(v);
          expect(ok).toBe(true);
          expect(r.method).toBe((v as { method: string }).method);
        } catch (e) {
          expect(ok).toBe(false);
          expect(e).toBeInstanceOf(RpcError);
          expect((e as RpcError).code).toBe(-32600);
        }
      }),
    );
    expect(parseRequest({ jsonrpc: '2.0', id: 3, method: 'GetTask', params: { id: 'x' } })).toEqual({
      id: 3,
      method: 'GetTask',
      params: { id: 'x' },
    });
  });
});

describe('a rewind in the task view', () => {
  it('cuts the output back to before from_seq, replacing the artifact, and what follows builds on that', () => {
    const view = new TaskView('r1', 'c1', undefined, 'assistant');
    const events = [
      ev(1, 'status', { status: 'running' }),
      ev(2, 'token', { text: 'The ans' }),
      ev(3, 'token', { text: 'wer is' }),
      ev(4, 'token', { text: ' 41' }),
      ev(5, 'status', { status: 'running', resumed: 1 }),
    ];
    for (const e of events) view.apply(e);
    // The resumed reply kept "The answer is" and differs from seq 4 on.
    const out = view.apply(ev(6, 'rewind', { from_seq: 4 }));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ artifactUpdate: { append: false, artifact: { parts: [{ text: 'The answer is' }] } } });
    view.apply(ev(7, 'token', { text: ' 42' }));
    expect(view.task().artifacts?.[0]?.parts).toEqual([{ text: 'The answer is 42' }]);
    // A rewind past every token changes nothing.
    expect(view.apply(ev(8, 'rewind', { from_seq: 99 }))).toEqual([]);
  });
});
