/**
 * Dataset export from stored runs: OpenAI chat fine-tuning JSONL (tool calls in OpenAI's form) and preference (DPO)
 * JSONL that validate against the formats, an eval suite the eval runner parses, filters by feedback, tags and time,
 * one tenant only — and planted personal data and secrets nowhere in the output.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  chatJsonl,
  datasetRedactor,
  exportDataset,
  exportRequestSchema,
  expandCases,
  jobSpecSchema,
  parseSuite,
  useSchema,
  type SelectedRun,
} from '../../actors/index.js';
import type { ChatMessage, FeedbackRecord, RunRecord } from '../../protocols/index.js';
import { MemoryStorage, type Storage } from '../../runtime/index.js';

const PLANTED = ['jane.doe@example.com', '+1 415 555 0142', '4111 1111 1111 1111', 'sk-proj-9fT3xQ7LmN2pR8vZ1aB4cD6eF0gH5jK'];

const toolCall = z.strictObject({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.strictObject({ name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), arguments: z.string() }),
});
const message = z.discriminatedUnion('role', [
  z.strictObject({ role: z.enum(['system', 'user']), content: z.string() }),
  z.strictObject({ role: z.literal('assistant'), content: z.string().optional(), tool_calls: z.array(toolCall).min(1).optional() }),
  z.strictObject({ role: z.literal('tool'), tool_call_id: z.string().min(1), content: z.string() }),
]);
/** OpenAI's chat fine-tuning line: messages ending in an assistant answer, every tool message answering a call made before. */
const chatLine = z.strictObject({ messages: z.array(message).min(2) }).superRefine((l, ctx) => {
  const last = l.messages.at(-1);
  if (last?.role !== 'assistant' || last.content === undefined)
    ctx.addIssue({ code: 'custom', message: 'must end in an assistant answer' });
  const called = new Set<string>();
  for (const m of l.messages) {
    if (m.role === 'assistant') for (const c of m.tool_calls ?? []) called.add(c.id);
    if (m.role === 'tool' && !called.has(m.tool_call_id))
      ctx.addIssue({ code: 'custom', message: `tool message for unknown call ${m.tool_call_id}` });
    if (m.role === 'assistant') for (const c of m.tool_calls ?? []) JSON.parse(c.function.arguments);
  }
});
const text = z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });
const preferenceLine = z.strictObject({
  input: z.strictObject({ messages: z.array(text).min(1) }),
  preferred_output: z.array(z.strictObject({ role: z.literal('assistant'), content: z.string().min(1) })).length(1),
  non_preferred_output: z.array(z.strictObject({ role: z.literal('assistant'), content: z.string().min(1) })).length(1),
});

let n = 0;
async function putRun(
  storage: Storage,
  tenant: string,
  o: { agent?: string; messages: ChatMessage[]; at: string; tags?: string[]; feedback?: Partial<FeedbackRecord>[] },
): Promise<string> {
  const id = `run-${++n}`;
  const run: RunRecord = {
    run_id: id,
    thread_id: `th-${id}`,
    assistant_id: o.agent ?? 'support',
    agent: o.agent ?? 'support',
    status: 'success',
    created_at: o.at,
    updated_at: o.at,
    metadata: o.tags === undefined ? {} : { tags: o.tags },
    multitask_strategy: 'reject',
    last_seq: 1,
  };
  await storage.bucket('runs').put([tenant, 'run', id], run);
  await storage.bucket('threads').put([tenant, 'h', run.thread_id, '0001'], {
    checkpoint_id: `cp-${id}`,
    thread_id: run.thread_id,
    run_id: id,
    step: 1,
    created_at: o.at,
    messages: o.messages,
    next: [],
    interrupts: [],
    metadata: {},
  });
  for (const [i, f] of (o.feedback ?? []).entries())
    await storage.bucket('feedback').put([tenant, id, `f${i}`], { id: `f${i}`, run_id: id, key: 'thumbs', created_at: o.at, ...f });
  return id;
}

const user = (content: string): ChatMessage => ({ role: 'user', content });
const answer = (content: string): ChatMessage => ({ role: 'assistant', content });

async function seed(): Promise<Storage> {
  const s = new MemoryStorage();
  // A tool-using run with personal data in the question, the tool's arguments and result, scored well.
  await putRun(s, 'acme', {
    at: '2026-11-01T10:00:00Z',
    tags: ['billing', 'prod'],
    messages: [
      user(`My email is ${PLANTED[0]} and my phone ${PLANTED[1]}; card ${PLANTED[2]}. Where is my refund?`),
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call_1', name: 'billing.lookup', arguments: { email: PLANTED[0], key: PLANTED[3] } }],
      },
      { role: 'tool', content: `refund for ${PLANTED[0]}: sent`, toolCallId: 'call_1', name: 'billing.lookup' },
      answer('Your refund was sent yesterday.'),
    ],
    feedback: [{ score: 1 }],
  });
  // Corrected: the correction replaces the answer and is a preferred output; it carries a planted secret too.
  await putRun(s, 'acme', {
    at: '2026-11-02T10:00:00Z',
    tags: ['billing'],
    messages: [user('How long is the refund window?'), answer('14 days.')],
    feedback: [{ score: 0, correction: { answer: `30 days. Questions: ${PLANTED[0]}` } }],
  });
  // Two runs with one input and different scores: an A/B pair.
  await putRun(s, 'acme', { at: '2026-11-03T10:00:00Z', messages: [user('Say hi'), answer('Hello there!')], feedback: [{ score: 0.9 }] });
  await putRun(s, 'acme', { at: '2026-11-04T10:00:00Z', messages: [user('Say hi'), answer('What.')], feedback: [{ score: 0.1 }] });
  // Another tenant's run: never in acme's exports.
  await putRun(s, 'globex', { at: '2026-11-01T11:00:00Z', messages: [user('globex secret question'), answer('globex answer')] });
  return s;
}

describe('dataset export', () => {
  it('writes OpenAI chat fine-tuning JSONL with tool calls, corrections in place, and no planted PII or secret', async () => {
    const s = await seed();
    const out = await exportDataset(
      s,
      'acme',
      exportRequestSchema.parse({ format: 'chat', system: 'You are support.' }),
      await datasetRedactor(),
    );
    expect(out).toMatchObject({ format: 'chat', runs: 4, records: 4 });
    const lines = out.content
      .trimEnd()
      .split('\n')
      .map((l) => chatLine.parse(JSON.parse(l)));
    expect(lines[0]?.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant']);
    const call = lines[0]?.messages[2];
    expect(call).toMatchObject({
      role: 'assistant',
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'billing_lookup' } }],
    });
    expect(lines[1]?.messages.at(-1)?.content).toMatch(/^30 days\. Questions: \[REDACTED:EMAIL\]$/);
    for (const p of PLANTED) expect(out.content).not.toContain(p);
    expect(out.content).toContain('[REDACTED:EMAIL]');
    expect(out.content).not.toContain('globex');
  });

  it('filters by feedback score range, tags and time', async () => {
    const s = await seed();
    const redact = await datasetRedactor();
    const ex = (filter: unknown) => exportDataset(s, 'acme', exportRequestSchema.parse({ filter }), redact);
    expect((await ex({ feedback: { key: 'thumbs', min: 0.5 } })).runs).toBe(2);
    expect((await ex({ feedback: { key: 'thumbs', max: 0.2 } })).runs).toBe(2);
    expect((await ex({ feedback: { key: 'correctness' } })).runs).toBe(0);
    expect((await ex({ tags: ['billing'] })).runs).toBe(2);
    expect((await ex({ tags: ['billing', 'prod'] })).runs).toBe(1);
    expect((await ex({ since: '2026-11-02T00:00:00Z', until: '2026-11-04T00:00:00Z' })).runs).toBe(2);
    expect((await ex({ agent: 'nobody' })).runs).toBe(0);
    expect(() => exportRequestSchema.parse({ filter: { since: 'yesterday' } })).toThrow(/since/);
    expect(() => exportRequestSchema.parse({ format: 'csv' })).toThrow(/format/);
  });

  it('writes preference pairs from corrections and from A/B scores on the same input', async () => {
    const s = await seed();
    const out = await exportDataset(s, 'acme', exportRequestSchema.parse({ format: 'preference' }), await datasetRedactor());
    const pairs = out.content
      .trimEnd()
      .split('\n')
      .map((l) => preferenceLine.parse(JSON.parse(l)));
    expect(pairs).toHaveLength(2);
    expect(pairs[0]).toMatchObject({
      preferred_output: [{ content: '30 days. Questions: [REDACTED:EMAIL]' }],
      non_preferred_output: [{ content: '14 days.' }],
    });
    expect(pairs[1]).toMatchObject({
      input: { messages: [{ role: 'user', content: 'Say hi' }] },
      preferred_output: [{ content: 'Hello there!' }],
      non_preferred_output: [{ content: 'What.' }],
    });
    for (const p of PLANTED) expect(out.content).not.toContain(p);
  });

  it('writes an eval suite the eval runner parses, expectations from corrections and scores', async () => {
    const s = await seed();
    const out = await exportDataset(s, 'acme', exportRequestSchema.parse({ format: 'eval' }), await datasetRedactor());
    const suite = parseSuite(out.content, 'exported.yaml');
    expect(out.records).toBe(4);
    const cases = expandCases(suite, 'exported.yaml');
    expect(cases).toHaveLength(4);
    expect(cases.map((c) => c.assert[0]?.type)).toEqual(['similar', 'similar', 'similar', 'not-equals']);
    expect(cases[1]?.assert[0]?.value).toBe('30 days. Questions: [REDACTED:EMAIL]');
    for (const p of PLANTED) expect(out.content).not.toContain(p);
  });

  it('every line of any conversation is valid chat fine-tuning JSON (property)', async () => {
    const redact = await datasetRedactor();
    const msg = fc.oneof(
      fc.string().map((c) => user(c)),
      fc.string({ minLength: 1 }).map((c) => answer(c)),
      fc.tuple(fc.string({ minLength: 1 }), fc.dictionary(fc.string(), fc.jsonValue()), fc.string()).map(([name, args, result]) => [
        { role: 'assistant' as const, content: '', toolCalls: [{ id: 'c1', name, arguments: args }] },
        { role: 'tool' as const, content: result, toolCallId: 'c1' },
      ]),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(msg, { maxLength: 6 }), fc.string({ minLength: 1 }), async (parts, last) => {
        const messages = [user('q'), ...parts.flat(), answer(last)];
        const run = { run: { run_id: 'r' } as RunRecord, messages, feedback: [] } satisfies SelectedRun;
        const out = await chatJsonl([run], redact);
        expect(out.endsWith('\n')).toBe(true);
        chatLine.parse(JSON.parse(out));
      }),
      { numRuns: 60 },
    );
  });

  it('the export, job and switch schemas answer any hostile value with a result, never a throw (property)', () => {
    fc.assert(
      fc.property(fc.anything({ withObjectString: true, withNullPrototype: true, withTypedArray: true }), (v) => {
        for (const schema of [exportRequestSchema, jobSpecSchema, useSchema]) expect(typeof schema.safeParse(v).success).toBe('boolean');
        if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v)))
          expect(exportRequestSchema.safeParse({ filter: v }).success).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
